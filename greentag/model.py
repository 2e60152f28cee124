"""The fitted model: :class:`Tagger` turns text into ranked, calibrated tags.

The whole inference path is here, and it is short::

    text -> Analyzer (text.py) -> terms
         -> TfidfFeatures.transform_one (features.py) -> (indices, values)
         -> values @ weights[indices] + bias -> logits      (one product, every label)
         -> expit -> calibrated probabilities
         -> per-label thresholds, top_k, at-least-one rule -> [Tag(label, score), ...]

Calibration is folded into the weights when the model is built (a Platt
sigmoid of a linear score is a sigmoid of another linear score), so scoring a
document costs one gather and one small matrix-vector product.

``tag_many`` takes the same steps for a few dozen documents at a time
(:meth:`Tagger._score_batch`): term ids per document and passage, bigrams
found for the whole batch in a :class:`~greentag.pairs.PairTable`, one sort to
count every row's terms. Its floats equal the one-document path's, bit for bit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from itertools import chain, pairwise, repeat
from pathlib import Path
from typing import Any, NamedTuple, overload

import numpy as np
from scipy.special import expit

from .errors import InputTypeError
from .features import TfidfFeatures
from .pairs import PairTable
from .passages import pool_scores
from .text import _MAX_CACHED_LENGTH, Analyzer, TextOptions, ngrams

__all__ = ["Explanation", "Tag", "Tagger"]

DEFAULT_BATCH_SIZE = 1000
_MIN_PARALLEL_BATCH = 500  # smaller batches cost more to hand to a worker than they save
_SCORE_CHUNK = 64


class Tag(NamedTuple):
    """One topic tag: the label and its calibrated probability in [0, 1]."""

    label: str
    score: float


@dataclass(frozen=True)
class Explanation:
    """Why a label got its score: the terms that pushed it up or down.

    Attributes
    ----------
    label : str
        The label explained.
    score : float
        Its calibrated probability for the document.
    terms : list of (str, float)
        The document's terms with their contribution to the label's log-odds,
        largest first; positive weights raised the score. Terms are shown as
        they were written in the document ("electric buses"), not as stems.
    bias : float
        The label's log-odds for a document with no known terms.
    """

    label: str
    score: float
    terms: list[tuple[str, float]] = field(default_factory=list)
    bias: float = 0.0


class Tagger:
    """A trained multi-label topic tagger.

    Create one with :func:`greentag.train`, :meth:`Tagger.load` or
    :func:`greentag.load_default`; the constructor is for those functions.

    Parameters
    ----------
    labels : sequence of str
        Label names, one per column of ``coef``.
    features : TfidfFeatures
        Vocabulary and IDF weights.
    coef : array of shape (n_features, n_labels)
        Raw linear weights of each label's classifier.
    intercept : array of shape (n_labels,)
        Raw intercepts.
    calibration : array of shape (2, n_labels)
        Platt slope (row 0) and intercept (row 1) mapping raw scores to
        probabilities.
    thresholds : array of shape (n_labels,)
        Per-label decision thresholds on the probability.
    text_options : TextOptions
        Preprocessing used in training (stop words resolved).
    at_least_one : bool, default=True
        Give the best label when none clears its threshold, as long as the
        document has known terms and its best score reaches ``fallback_floor``.
    fallback_floor : float, default=0.0
        Lowest best score at which the at-least-one rule applies.
    passage_weight : float, default=0.0
        How far the best passage lifts a label's log-odds over the whole
        document's (see :mod:`greentag.passages`); 0 scores whole documents.
    single_label : bool, default=False
        The training data had exactly one label per document; decisions then
        keep only the best label.
    metadata : dict, optional
        Training facts recorded in the model file (options, data fingerprint,
        cross-validated metrics, versions).

    Examples
    --------
    >>> import greentag
    >>> model = greentag.load_default()
    >>> model.tag("Wind farms and solar panels feed the power grid.")[0].label in model.labels
    True
    """

    def __init__(
        self,
        *,
        labels: Sequence[str],
        features: TfidfFeatures,
        coef: np.ndarray,
        intercept: np.ndarray,
        calibration: np.ndarray,
        thresholds: np.ndarray,
        text_options: TextOptions,
        at_least_one: bool = True,
        fallback_floor: float = 0.0,
        single_label: bool = False,
        passage_weight: float = 0.0,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        n_labels = len(labels)
        coef = np.asarray(coef, dtype=np.float32)
        if coef.shape != (features.n_features, n_labels):
            raise ValueError(f"coef must have shape ({features.n_features}, {n_labels}), got {coef.shape}")
        self.labels_ = list(labels)
        self.features = features
        self.coef = coef
        self.intercept = np.asarray(intercept, dtype=np.float32).reshape(n_labels)
        self.calibration = np.asarray(calibration, dtype=np.float64).reshape(2, n_labels)
        self.thresholds = np.asarray(thresholds, dtype=np.float64).reshape(n_labels)
        self.text_options = text_options
        self.at_least_one = bool(at_least_one)
        self.fallback_floor = float(fallback_floor)
        self.single_label = bool(single_label)
        self.passage_weight = float(passage_weight)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.path: Path | None = None  # the file it was loaded from, if any
        self.analyzer = Analyzer(text_options)
        # Built here, so that loading a model pays for them rather than its first document.
        self._ids_of_terms, self._pairs = features.ngram_tables()
        self._pair_table = PairTable(self._pairs, len(self._ids_of_terms))
        self._chunk_ids: dict[str, tuple[int, ...]] = {}
        # Fold the Platt sigmoid into the linear model: sigmoid(a * (xW + c) + b)
        # equals sigmoid(x (aW) + (ac + b)), one product instead of two steps.
        slope, offset = self.calibration
        self._weights = np.ascontiguousarray(coef * slope.astype(np.float32))
        self._bias = (slope * self.intercept + offset).astype(np.float32)

    # ------------------------------------------------------------------ facts
    @property
    def labels(self) -> list[str]:
        """The labels this model can give, in the model's column order.

        Examples
        --------
        >>> from greentag import load_default
        >>> "energy" in load_default().labels
        True
        """
        return list(self.labels_)

    def __getstate__(self) -> dict[str, Any]:
        # The chunk cache refills itself; a pickled model need not carry it.
        return {**self.__dict__, "_chunk_ids": {}}

    def __repr__(self) -> str:
        n_docs = self.metadata.get("training", {}).get("n_documents")
        trained = f", trained on {n_docs} documents" if n_docs else ""
        return f"<Tagger: {len(self.labels_)} labels, {self.features.n_features} features{trained}>"

    # ---------------------------------------------------------------- scoring
    def _logits(self, text: str) -> tuple[np.ndarray, bool]:
        """Return the calibrated log-odds of every label, and whether any term was known."""
        rows, shared = self._rows(text)
        if len(rows) == 1:
            # A single vector: the direct path is cheaper than the batched one, and gives the same floats.
            idx, values = self.features.transform_indices(rows[0])
            if idx.size == 0:
                return self._bias.copy(), False
            return values @ self._weights[idx] + self._bias, True
        logits, known = self._logits_of_rows([(rows, shared)])
        return logits[0], bool(known[0])

    def _rows(self, text: str) -> tuple[list[list[int]], bool]:
        """Feature indices of the term occurrences of the document, then of each passage if pooled.

        Returns ``(rows, shared)``. ``rows[0]`` holds the document's
        occurrences and ``rows[1:]`` those of its passages when passages are
        pooled. With ``shared``, ``rows[0]`` holds only the bigrams that
        straddle two passages and the document is ``rows[0]`` plus every
        passage: each term is then looked up once, and
        :meth:`_logits_of_rows` adds the passages to the document in numpy.

        Entries outside ``[0, n_features)`` stand for terms that are not
        features; the vectorising step drops them. Terms are looked up by
        whitespace chunk in :attr:`_chunk_ids` and bigrams by a pair of term
        ids, so a document that repeats known words builds no strings beyond
        splitting its text.
        """
        high = self.text_options.ngram_range[1]
        if high > 2:
            return self._rows_from_terms(text), False
        passages = [self._term_ids(chunks) for chunks in self.analyzer.passage_chunks(text)]
        if len(passages) == 1:
            return [self._ngram_ids(passages[0])], False
        if not self.passage_weight > 0:
            return [self._ngram_ids([i for passage in passages for i in passage])], False
        straddling = []
        if high == 2:
            pair = self._pairs.get
            previous = None
            for passage in passages:
                if not passage:
                    continue
                if previous is not None:
                    straddling.append(pair((previous, passage[0]), -1))
                previous = passage[-1]
        return [straddling, *(self._ngram_ids(passage) for passage in passages)], True

    def _term_rows(self, text: str) -> list[list[int]]:
        """Term ids of the whole document, then of each passage when passages are pooled.

        The batched counterpart of :meth:`_rows` for ``ngram_range`` up to
        bigrams: the n-grams are found later, for a whole batch at once, by
        :meth:`_logits_of_term_rows`. The document's row is its passages'
        ids end to end, so its bigrams include those that straddle two
        passages, exactly as in :meth:`_rows`.
        """
        passages = [self._term_ids(chunks) for chunks in self.analyzer.passage_chunks(text)]
        if len(passages) == 1:
            return passages
        document = [i for passage in passages for i in passage]
        if not self.passage_weight > 0:
            return [document]
        return [document, *passages]

    def _logits_of_term_rows(self, docs: Sequence[list[list[int]]]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_logits_of_rows` for documents given by :meth:`_term_rows`.

        Each row's bigram features are looked up in numpy for every row of the
        batch at once, in a :class:`~greentag.pairs.PairTable`. A row holds the
        same feature occurrences as :meth:`_rows` gives it, so the floats are
        the same.
        """
        low, high = self.text_options.ngram_range
        rows = [row for doc_rows in docs for row in doc_rows]
        lengths = [len(row) for row in rows]
        terms = np.fromiter(chain.from_iterable(rows), dtype=np.intp, count=sum(lengths))
        owner = np.repeat(np.arange(len(rows), dtype=np.intp), lengths)
        found, owners = ([terms], [owner]) if low == 1 else ([], [])
        if high == 2 and terms.size > 1:
            adjacent = owner[:-1] == owner[1:]
            pair_features = self._pair_table.lookup(terms[:-1][adjacent], terms[1:][adjacent])
            hit = pair_features >= 0
            found.append(pair_features[hit])
            owners.append(owner[:-1][adjacent][hit])
        flat = np.concatenate(found) if found else np.empty(0, dtype=np.intp)
        flat_owner = np.concatenate(owners) if owners else np.empty(0, dtype=np.intp)
        return self._score_owned(flat, flat_owner, [len(doc_rows) for doc_rows in docs])

    def _term_ids(self, chunks: list[str]) -> list[int]:
        """The id of every term of ``chunks``, in order; -1 for a term no feature uses."""
        cache = self._chunk_ids
        if len(cache) > self.analyzer.cache_size:
            cache.clear()
        ids: list[int] = []
        remaining = iter(chunks)
        while True:
            # The loop runs on known chunks only, which makes it a third
            # cheaper than testing each lookup; a new chunk ends it with a
            # KeyError that names the chunk, and it resumes after that chunk.
            try:
                for chunk in remaining:
                    ids += cache[chunk]
                return ids
            except KeyError as missing:
                chunk = missing.args[0]
            term_id = self._ids_of_terms.get
            found = tuple([term_id(term, -1) for term in self.analyzer._chunk_terms(chunk)])
            if len(chunk) <= _MAX_CACHED_LENGTH:
                cache[chunk] = found
            ids += found

    def _ngram_ids(self, ids: list[int]) -> list[int]:
        """Feature indices of the n-grams (n <= 2) of a run of term ids; misses are -1."""
        low, high = self.text_options.ngram_range
        out = list(ids) if low == 1 else []
        if high == 2:
            out.extend(map(self._pairs.get, pairwise(ids), repeat(-1)))
        return out

    def _rows_from_terms(self, text: str) -> list[list[int]]:
        """:meth:`_rows` for any ``ngram_range``, through the n-gram strings."""
        features, ngram_range = self.features, self.text_options.ngram_range
        passages = self.analyzer.passage_unigrams(text)
        if len(passages) == 1:
            return [features.indices(ngrams(passages[0], ngram_range))]
        flat = [term for passage in passages for term in passage]
        document = features.indices(ngrams(flat, ngram_range))
        if not self.passage_weight > 0:
            return [document]
        return [document, *(features.indices(ngrams(passage, ngram_range)) for passage in passages)]

    def _logits_of_rows(self, docs: Sequence[tuple[list[list[int]], bool]]) -> tuple[np.ndarray, np.ndarray]:
        """Log-odds and known-term mask of documents given by :meth:`_rows`.

        Every row (a document or a passage) is scored with the same dot and
        matrix-vector products as a lone document, so the floats equal
        :meth:`_logits` exactly; only the bookkeeping is shared.
        """
        rows = [row for doc_rows, _ in docs for row in doc_rows]
        lengths = [len(row) for row in rows]
        found = np.fromiter(chain.from_iterable(rows), dtype=np.intp, count=sum(lengths))
        owner = np.repeat(np.arange(len(rows), dtype=np.intp), lengths)
        sizes = [len(doc_rows) for doc_rows, _ in docs]
        first = np.cumsum([0, *sizes[:-1]])
        if any(shared for _, shared in docs):
            # A shared document also holds its passages' occurrences: add them to its row.
            document_of = np.repeat(first, sizes)
            passage = np.repeat([shared for _, shared in docs], sizes)
            passage[first] = False
            copies = np.repeat(passage, lengths)
            found = np.concatenate([found, found[copies]])
            owner = np.concatenate([owner, np.repeat(document_of, lengths)[copies]])
        return self._score_owned(found, owner, sizes)

    def _score_owned(self, found: np.ndarray, owner: np.ndarray, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Log-odds and known-term mask from feature occurrences: ``found[k]`` is in row ``owner[k]``.

        Documents own consecutive rows, ``sizes[d]`` each: the document's
        own row first, then its passages' rows when they are pooled.
        """
        n_labels = len(self.labels_)
        n_rows = sum(sizes)
        first = np.cumsum([0, *sizes[:-1]]).astype(np.intp)
        indptr, idx, values = self.features.transform_owned(found, owner, n_rows)
        bounds = indptr.tolist()
        weights = self._weights[idx]
        scores = np.empty((n_rows, n_labels), dtype=np.float32)
        dot = np.dot
        for r in range(n_rows):
            start, end = bounds[r], bounds[r + 1]
            if end > start:
                dot(values[start:end], weights[start:end], out=scores[r])
        scores += self._bias
        empty_rows = np.flatnonzero(indptr[1:] == indptr[:-1])
        scores[empty_rows] = self._bias  # a passage without known terms scores the priors
        logits = scores[first]
        known = indptr[first + 1] > indptr[first]
        pooled = np.flatnonzero(known & (np.asarray(sizes) > 1))
        if pooled.size:
            # Each pooled document's passage rows follow its own row: the
            # maximum over [first + 1, first + size) is its best passage.
            edges = np.column_stack([first[pooled] + 1, first[pooled] + np.asarray(sizes)[pooled]]).ravel()
            best = np.maximum.reduceat(scores, edges[:-1] if edges[-1] == n_rows else edges, axis=0)[::2]
            logits[pooled] = pool_scores(logits[pooled], best, self.passage_weight)
        logits[~known] = self._bias  # no known term: the labels' priors
        return logits, known

    def _vector(self, unigrams: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return self.features.transform_one(ngrams(unigrams, self.text_options.ngram_range))

    def _passage_logits(self, passages: list[list[str]]) -> np.ndarray:
        """Log-odds of each passage on its own, shape (n_passages, n_labels)."""
        rows = np.empty((len(passages), len(self.labels_)), dtype=np.float32)
        for row, passage in enumerate(passages):
            idx, values = self._vector(passage)
            rows[row] = values @ self._weights[idx] + self._bias if idx.size else self._bias
        return rows

    def _score_batch(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities of shape (n, n_labels) and a mask of documents with known terms."""
        logits = np.empty((len(texts), len(self.labels_)), dtype=np.float32)
        known = np.zeros(len(texts), dtype=bool)
        # Documents are scored a few dozen at a time: enough to share the
        # numpy calls, few enough that their gathered weights stay small.
        for start in range(0, len(texts), _SCORE_CHUNK):
            chunk = texts[start : start + _SCORE_CHUNK]
            if self.text_options.ngram_range[1] <= 2:
                scored = self._logits_of_term_rows([self._term_rows(text) for text in chunk])
            else:
                scored = self._logits_of_rows([self._rows(text) for text in chunk])
            logits[start : start + len(chunk)], known[start : start + len(chunk)] = scored
        return expit(logits), known

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Return the calibrated probability of every label for every text.

        Parameters
        ----------
        texts : iterable of str
            Documents.

        Returns
        -------
        ndarray of shape (n_texts, n_labels)
            Columns follow :attr:`labels`.

        Examples
        --------
        >>> from greentag import load_default
        >>> model = load_default()
        >>> probs = model.predict_proba(["Wind farms feed the power grid.", "Nurses treat patients."])
        >>> probs.shape == (2, len(model.labels))
        True
        """
        batch = _check_texts(texts, "predict_proba")
        return self._score_batch(batch)[0]

    def decision_function(self, texts: Iterable[str]) -> np.ndarray:
        """Return the calibrated log-odds of every label (monotone in the probability).

        Examples
        --------
        >>> import numpy as np
        >>> from scipy.special import expit
        >>> from greentag import load_default
        >>> texts = ["Wind farms feed the power grid."]
        >>> model = load_default()
        >>> bool(np.allclose(expit(model.decision_function(texts)), model.predict_proba(texts)))
        True
        """
        batch = _check_texts(texts, "decision_function")
        return np.vstack([self._logits(t)[0] for t in batch]) if batch else np.empty((0, len(self.labels_)))

    # --------------------------------------------------------------- deciding
    def _thresholds_for(self, threshold: float | None) -> np.ndarray:
        if threshold is None:
            return self.thresholds
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be a number in [0, 1], got {threshold!r}")
        return np.full(len(self.labels_), float(threshold))

    def _decide(
        self, probs: np.ndarray, known: bool, thresholds: np.ndarray, top_k: int | None, at_least_one: bool
    ) -> list[Tag]:
        if not known:
            return []  # no known term: the scores are only the labels' priors
        labels = self.labels_
        # Plain Python on the few chosen labels: numpy calls on arrays this
        # small cost more than the work they do.
        chosen = np.flatnonzero(probs >= thresholds).tolist()
        if len(chosen) <= 1:
            if not chosen:
                best = int(probs.argmax())
                if not (at_least_one and probs[best] >= self.fallback_floor):
                    return []
                chosen = [best]
            return [Tag(labels[chosen[0]], float(probs[chosen[0]]))]
        scores = probs[chosen].tolist()
        order = sorted(range(len(chosen)), key=lambda k: -scores[k])  # stable: ties keep label order
        if self.single_label:
            order = order[:1]
        elif top_k is not None:
            order = order[:top_k]
        return [Tag(labels[chosen[k]], scores[k]) for k in order]

    def _options(
        self, threshold: float | None, top_k: int | None, at_least_one: bool | None
    ) -> tuple[np.ndarray, int | None, bool]:
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
            raise ValueError(f"top_k must be a positive int or None, got {top_k!r}")
        return (
            self._thresholds_for(threshold),
            top_k,
            self.at_least_one if at_least_one is None else bool(at_least_one),
        )

    # ----------------------------------------------------------------- public
    def tag(
        self,
        text: str,
        *,
        threshold: float | None = None,
        top_k: int | None = None,
        at_least_one: bool | None = None,
    ) -> list[Tag]:
        """Tag one document.

        Parameters
        ----------
        text : str
            The document (any length; an empty text gives no tags).
        threshold : float, optional
            One threshold in [0, 1] for every label instead of the tuned
            per-label thresholds.
        top_k : int, optional
            Return at most this many tags.
        at_least_one : bool, optional
            Override the model's at-least-one rule for this call.

        Returns
        -------
        list of Tag
            Best first; each has ``label`` and ``score`` (a probability).

        Raises
        ------
        TypeError
            If ``text`` is not a str (bytes must be decoded first).

        See Also
        --------
        tag_many : many documents at once, optionally on several cores.
        explain : which terms drove each tag.

        Examples
        --------
        >>> from greentag import load_default
        >>> model = load_default()
        >>> tags = model.tag("Wind farms and solar panels feed the power grid.")
        >>> tags == sorted(tags, key=lambda t: -t.score)
        True
        >>> len(model.tag("Wind farms and solar panels feed the power grid.", top_k=1))
        1
        >>> model.tag("")
        []
        """
        _check_text(text)
        thresholds, top_k, at_least_one = self._options(threshold, top_k, at_least_one)
        logits, known = self._logits(text)
        return self._decide(expit(logits), known, thresholds, top_k, at_least_one)

    def tag_many(
        self,
        texts: Iterable[str],
        *,
        threshold: float | None = None,
        top_k: int | None = None,
        at_least_one: bool | None = None,
        n_jobs: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> list[list[Tag]]:
        """Tag many documents; the result keeps the input order.

        Parameters
        ----------
        texts : iterable of str
            Documents: a list, a generator, any iterable (not a single str).
        threshold, top_k, at_least_one
            As in :meth:`tag`.
        n_jobs : int, optional
            Worker processes (joblib); ``-1`` uses every core. ``None`` or 1
            tags in this process.
        batch_size : int, default=1000
            Documents per batch handed to a worker, at most. With several
            workers and a list (any sized input) too short to give each
            worker a few full batches, batches are made smaller so that the
            workers finish together.

        Returns
        -------
        list of list of Tag
            One list per document, equal to ``[tag(t) for t in texts]``.

        Examples
        --------
        >>> from greentag import load_default
        >>> model = load_default()
        >>> texts = ["Wind farms feed the power grid.", "The port opens a container terminal."]
        >>> model.tag_many(texts, top_k=2) == [model.tag(t, top_k=2) for t in texts]
        True
        """
        return list(
            self.tag_stream(
                texts, threshold=threshold, top_k=top_k, at_least_one=at_least_one, n_jobs=n_jobs, batch_size=batch_size
            )
        )

    def tag_stream(
        self,
        texts: Iterable[str],
        *,
        threshold: float | None = None,
        top_k: int | None = None,
        at_least_one: bool | None = None,
        n_jobs: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Iterator[list[Tag]]:
        """Yield the tags of each document lazily, in input order.

        Memory stays flat however long ``texts`` is: at most a few batches of
        documents are held at once (two per worker with ``n_jobs``), and a
        batch is read from ``texts`` only when the consumer asks for more.
        Parameters are as in :meth:`tag_many`; they are checked at the call,
        the documents as they are read.

        Examples
        --------
        >>> import greentag
        >>> texts = (f"Wind farm number {i} feeds the grid" for i in range(3))
        >>> stream = greentag.load_default().tag_stream(texts)
        >>> len(next(stream)) >= 1
        True
        """
        if isinstance(texts, (str, bytes, bytearray)):
            raise InputTypeError(
                f"expected an iterable of str, got a single {type(texts).__name__}; use tag() for one document"
            )
        try:
            iterator = iter(texts)
        except TypeError:
            raise InputTypeError(f"expected an iterable of str, got {type(texts).__name__}") from None
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        options = self._options(threshold, top_k, at_least_one)
        from .parallel import resolve_n_jobs, tag_batches_in_parallel

        workers = resolve_n_jobs(n_jobs)
        if workers > 1 and isinstance(texts, Sized):
            # Two batches per worker at least: with fewer, the worker that
            # draws the last full batch finishes long after the others; more
            # would pay the cost of handing a batch over more often.
            batch_size = min(batch_size, max(_MIN_PARALLEL_BATCH, -(-len(texts) // (2 * workers))))
        batches = _checked_batches(iterator, batch_size)
        if workers == 1:
            return (tags for batch in batches for tags in self._tag_batch(batch, *options))
        results = tag_batches_in_parallel(self, batches, options, n_jobs=workers)
        return (tags for result in results for tags in result)

    def _tag_batch(
        self, batch: Sequence[str], thresholds: np.ndarray, top_k: int | None, at_least_one: bool
    ) -> list[list[Tag]]:
        probs, known = self._score_batch(batch)
        return self._decide_many(probs, known, thresholds, top_k, at_least_one)

    def _decide_many(
        self, probs: np.ndarray, known: np.ndarray, thresholds: np.ndarray, top_k: int | None, at_least_one: bool
    ) -> list[list[Tag]]:
        """:meth:`_decide` for every row, with the comparisons made once for the whole batch."""
        labels = self.labels_
        above = (probs >= thresholds) & known[:, None]
        rows, cols = np.nonzero(above)  # row by row, labels in column order, as flatnonzero
        chosen, scores = cols.tolist(), probs[rows, cols].tolist()
        counts = np.bincount(rows, minlength=len(probs)).tolist()
        best = probs.argmax(axis=1)
        best_scores = probs[np.arange(len(probs)), best]
        fallback = (known & (best_scores >= self.fallback_floor)).tolist() if at_least_one else [False] * len(probs)
        best, best_scores = best.tolist(), best_scores.tolist()
        out: list[list[Tag]] = []
        start = 0
        for row, count in enumerate(counts):
            if count == 0:
                out.append([Tag(labels[best[row]], best_scores[row])] if fallback[row] else [])
            elif count == 1:
                out.append([Tag(labels[chosen[start]], scores[start])])
            else:
                order = sorted(range(start, start + count), key=lambda k: -scores[k])  # stable, as in _decide
                if self.single_label:
                    order = order[:1]
                elif top_k is not None:
                    order = order[:top_k]
                out.append([Tag(labels[chosen[k]], scores[k]) for k in order])
            start += count
        return out

    @overload
    def explain(self, text: str, label: str, *, top_n: int = ...) -> Explanation: ...
    @overload
    def explain(self, text: str, label: None = ..., *, top_n: int = ...) -> list[Explanation]: ...

    def explain(self, text: str, label: str | None = None, *, top_n: int = 10) -> Explanation | list[Explanation]:
        """Show which terms of ``text`` drove a label's score.

        Parameters
        ----------
        text : str
            The document.
        label : str, optional
            Explain this label. When omitted, explain every tag that
            :meth:`tag` gives the document.
        top_n : int, default=10
            Number of terms to report per label (those with the largest
            absolute contribution).

        Returns
        -------
        Explanation or list of Explanation
            One :class:`Explanation` for ``label``, or one per tag, best first.

        Raises
        ------
        KeyError
            If ``label`` is not one of :attr:`labels`.
        ValueError
            If ``top_n`` is not a positive int.

        Examples
        --------
        >>> from greentag import load_default
        >>> explanation = load_default().explain("Wind farms and solar panels feed the power grid.", "energy", top_n=3)
        >>> explanation.label, len(explanation.terms) <= 3
        ('energy', True)
        """
        _check_text(text)
        if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
            raise ValueError(f"top_n must be a positive int, got {top_n!r}")
        if label is not None and label not in self.labels_:
            raise KeyError(f"unknown label {label!r}; the model's labels are {self.labels_}")
        passages = self.analyzer.passage_unigrams(text)
        idx, values = self._vector([term for passage in passages for term in passage])
        logits, _ = self._logits(text)
        probs = expit(logits)
        doc_logits = values @ self._weights[idx] + self._bias if idx.size else self._bias
        passage_logits = self._passage_logits(passages) if len(passages) > 1 else None
        forms = self.analyzer.surface_forms(text)
        vocabulary = self.features.vocabulary

        def one(j: int) -> Explanation:
            contributions = dict(zip(idx.tolist(), (values * self._weights[idx, j]).tolist(), strict=True))
            if passage_logits is not None and self.passage_weight > 0 and idx.size:
                best = int(passage_logits[:, j].argmax())
                if passage_logits[best, j] > doc_logits[j]:
                    # The pooled log-odds are (1 - w) * document + w * passage,
                    # so each term's share mixes its two contributions the same way.
                    w = self.passage_weight
                    p_idx, p_values = self._vector(passages[best])
                    contributions = {i: (1 - w) * c for i, c in contributions.items()}
                    for i, c in zip(p_idx.tolist(), (p_values * self._weights[p_idx, j]).tolist(), strict=True):
                        contributions[i] = contributions.get(i, 0.0) + w * c
            ranked = sorted(contributions.items(), key=lambda item: -abs(item[1]))[:top_n]
            terms = [(_surface(vocabulary[i], forms), float(c)) for i, c in ranked]
            terms.sort(key=lambda item: -item[1])
            return Explanation(self.labels_[j], float(probs[j]), terms, float(self._bias[j]))

        if label is not None:
            return one(self.labels_.index(label))
        return [one(self.labels_.index(tag.label)) for tag in self.tag(text)]

    def evaluate(self, texts: Iterable[str], labels: Iterable[Any]) -> dict[str, Any]:
        """Compare the model's tags with true labels.

        Parameters
        ----------
        texts : iterable of str
            Documents.
        labels : iterable
            True labels: a list of label lists, or one label string per document.

        Returns
        -------
        dict
            ``micro``, ``macro`` and ``samples`` averages (each a dict of
            ``precision``, ``recall``, ``f1``), ``per_label`` (label ->
            precision, recall, f1, support), ``n_documents`` and
            ``unknown_labels`` (true labels the model cannot give).

        Examples
        --------
        >>> from greentag import load_default
        >>> report = load_default().evaluate(["Wind farms and solar panels feed the power grid."], [["energy"]])
        >>> sorted(report)
        ['macro', 'micro', 'n_documents', 'per_label', 'samples', 'unknown_labels']
        """
        from .evaluation import evaluate_tags

        batch = _check_texts(texts, "evaluate")
        return evaluate_tags(self.tag_many(batch), labels, model_labels=self.labels_)

    # ------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model to ``path`` atomically (see :mod:`greentag.persist`).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from greentag import Tagger, load_default
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "copy.gtm"
        >>> load_default().save(path)
        >>> Tagger.load(path).labels == load_default().labels
        True
        """
        from .persist import save_model

        save_model(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Tagger:
        """Load a model file written by :meth:`save`; never runs code from it.

        Raises
        ------
        ModelError
            If the file is missing, damaged, tampered with, not a greentag
            model, or written by a newer greentag.

        Examples
        --------
        >>> from greentag import Tagger
        >>> from greentag.default import default_model_path
        >>> model = Tagger.load(default_model_path())
        >>> model.path == default_model_path()
        True
        """
        from .persist import load_model

        return load_model(path)


def _surface(term: str, forms: dict[str, str]) -> str:
    return " ".join(forms.get(part, part) for part in term.split(" "))


def _check_text(text: object, index: int | None = None) -> None:
    if isinstance(text, str):
        return
    where = f"texts[{index}] " if index is not None else ""
    if isinstance(text, (bytes, bytearray)):
        raise InputTypeError(f"{where}is bytes; decode it to str first, e.g. text.decode('utf-8')")
    raise InputTypeError(f"{where}must be a str, got {type(text).__name__}")


def _check_texts(texts: Iterable[str], caller: str) -> list[str]:
    if isinstance(texts, (str, bytes, bytearray)):
        raise InputTypeError(f"{caller} expects an iterable of str, got a single {type(texts).__name__}")
    try:
        batch = list(texts)
    except TypeError:
        raise InputTypeError(f"{caller} expects an iterable of str, got {type(texts).__name__}") from None
    for i, text in enumerate(batch):
        _check_text(text, i)
    return batch


def _checked_batches(texts: Iterable[str], batch_size: int) -> Iterator[list[str]]:
    try:
        iterator = iter(texts)
    except TypeError:
        raise InputTypeError(f"expected an iterable of str, got {type(texts).__name__}") from None
    batch: list[str] = []
    for i, text in enumerate(iterator):
        _check_text(text, i)
        batch.append(text)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch
