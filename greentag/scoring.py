"""From text to the calibrated log-odds of every label: :class:`Scorer`.

A document's score for a label is one linear function of its TF-IDF vector::

    text -> Analyzer.passage_chunks -> term ids (chunk cache)
         -> n-gram feature indices (bigrams by term-id pair)
         -> TfidfFeatures.transform_* -> (indices, values)
         -> values @ weights[indices] + bias       (every label at once)
         -> pooled with the best passage, when passages are pooled

The Platt calibration is folded into ``weights`` and ``bias`` when the scorer
is built (a sigmoid of a linear score is a sigmoid of another linear score),
so ``expit`` of a logit is already the calibrated probability.

There is one entry point, :meth:`Scorer.logits`. Inside, a lone document takes
a short direct path and a batch shares its numpy calls a few dozen documents
at a time; both give the same floats, bit for bit (tests/test_fast_paths.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain, pairwise, repeat
from typing import Any

import numpy as np

from .features import TfidfFeatures
from .pairs import PairTable
from .passages import pool_scores
from .text import Analyzer, TextOptions, ngrams

__all__ = ["Scorer"]

# Documents scored per numpy round in a batch: enough to share the calls, few
# enough that the gathered weight rows stay in cache.
_SCORE_CHUNK = 64

# One document's feature occurrences: rows[0] is the document, rows[1:] its
# passages when pooled; ``shared`` means rows[0] holds only the bigrams that
# straddle two passages (see Scorer._rows).
_Rows = tuple[list[list[int]], bool]


class Scorer:
    """Calibrated log-odds of every label for documents.

    Parameters
    ----------
    features : TfidfFeatures
        Vocabulary and IDF weights.
    coef : array of shape (n_features, n_labels)
        Raw linear weights.
    intercept : array of shape (n_labels,)
        Raw intercepts.
    calibration : array of shape (2, n_labels)
        Platt slope (row 0) and offset (row 1).
    text_options : TextOptions
        Preprocessing used in training.
    passage_weight : float, default=0.0
        How far the best passage lifts a label's log-odds (see
        :mod:`greentag.passages`).
    token_terms : mapping, optional
        The terms of the training vocabulary's tokens, per document language
        (:meth:`Analyzer.token_terms <greentag.text.Analyzer.token_terms>`);
        the analyzer starts with them instead of stemming each token anew.

    Examples
    --------
    >>> from greentag import load_default
    >>> scorer = load_default().scorer
    >>> logits, known = scorer.logits(["Wind farms feed the power grid."])
    >>> logits.shape == (1, scorer.n_labels), bool(known[0])
    (True, True)
    """

    def __init__(
        self,
        features: TfidfFeatures,
        coef: np.ndarray,
        intercept: np.ndarray,
        calibration: np.ndarray,
        text_options: TextOptions,
        passage_weight: float = 0.0,
        token_terms: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.features = features
        self.text_options = text_options
        self.passage_weight = float(passage_weight)
        self.analyzer = Analyzer(text_options)
        self.analyzer.remember(token_terms or {})
        # Built here, so that loading a model pays for them rather than its first document.
        self._ids_of_terms, self._pairs = features.ngram_tables()
        self._pair_table = PairTable(self._pairs, len(self._ids_of_terms))
        # Chunk -> term ids, per document language (a Cyrillic word's stem depends on it).
        self._chunk_ids: dict[str, dict[str, tuple[int, ...]]] = {lang: {} for lang in text_options.languages}
        # sigmoid(a * (xW + c) + b) == sigmoid(x (aW) + (ac + b)): one product instead of two steps.
        slope, offset = np.asarray(calibration, dtype=np.float64)
        self.weights = np.ascontiguousarray(np.asarray(coef, dtype=np.float32) * slope.astype(np.float32))
        self.bias = (slope * np.asarray(intercept, dtype=np.float32) + offset).astype(np.float32)

    @property
    def n_labels(self) -> int:
        """Number of labels (columns of :attr:`weights`)."""
        return int(self.bias.shape[0])

    def __getstate__(self) -> dict[str, Any]:
        # The chunk cache refills itself; a pickled scorer need not carry it.
        return {**self.__dict__, "_chunk_ids": {lang: {} for lang in self.text_options.languages}}

    # ---------------------------------------------------------------- public
    def logits(self, texts: Sequence[str], lang: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return the calibrated log-odds of every label and a known-term mask.

        Parameters
        ----------
        texts : sequence of str
            Documents, already checked to be str.
        lang : str, optional
            The documents' language, one of the model's languages; each
            document's own is detected when omitted.

        Returns
        -------
        logits : ndarray of shape (n_texts, n_labels), float32
            ``expit(logits)`` is the calibrated probability.
        known : ndarray of shape (n_texts,), bool
            Whether the document had any term the model knows; a document
            without one scores the labels' priors (:attr:`bias`).
        """
        language = self.analyzer.language
        if len(texts) == 1:
            one, any_known = self._one(texts[0], language(texts[0], lang))
            return one[None, :], np.array([any_known])
        logits = np.empty((len(texts), self.n_labels), dtype=np.float32)
        known = np.zeros(len(texts), dtype=bool)
        bigrams_at_most = self.text_options.ngram_range[1] <= 2
        for start in range(0, len(texts), _SCORE_CHUNK):
            chunk = texts[start : start + _SCORE_CHUNK]
            if bigrams_at_most:
                scored = self._logits_of_term_rows([self._term_rows(text, language(text, lang)) for text in chunk])
            else:
                scored = self._logits_of_rows([self._rows(text, language(text, lang)) for text in chunk])
            logits[start : start + len(chunk)], known[start : start + len(chunk)] = scored
        return logits, known

    def contributions(self, text: str, label: int, lang: str | None = None) -> list[tuple[str, float]]:
        """Each term's share of one label's log-odds, largest in absolute value first.

        The shares and :attr:`bias` add up to the label's log-odds. When the
        best passage lifts the label, the pooled log-odds are
        ``(1 - w) * document + w * passage``, and each term's share mixes its
        two contributions the same way. Terms are spelled as they were written
        in ``text`` ("electric buses"), not as stems.

        Parameters
        ----------
        text : str
            The document.
        label : int
            The label's column.
        lang : str, optional
            The document's language; detected when omitted.
        """
        lang = self.analyzer.language(text, lang)
        passages = self.analyzer.passage_unigrams(text, lang)
        idx, values = self._vector([term for passage in passages for term in passage])
        shares = dict(zip(idx.tolist(), (values * self.weights[idx, label]).tolist(), strict=True))
        if len(passages) > 1 and self.passage_weight > 0 and idx.size:
            document_logit = (values @ self.weights[idx] + self.bias)[label]
            passage_logits = np.array([self._vector_logits(passage)[label] for passage in passages])
            best = int(passage_logits.argmax())
            if passage_logits[best] > document_logit:
                w = self.passage_weight
                p_idx, p_values = self._vector(passages[best])
                shares = {i: (1 - w) * c for i, c in shares.items()}
                for i, c in zip(p_idx.tolist(), (p_values * self.weights[p_idx, label]).tolist(), strict=True):
                    shares[i] = shares.get(i, 0.0) + w * c
        forms = self.analyzer.surface_forms(text, lang)
        vocabulary = self.features.vocabulary
        ranked = sorted(shares.items(), key=lambda item: -abs(item[1]))
        return [(_surface(vocabulary[i], forms), float(c)) for i, c in ranked]

    # ------------------------------------------------------- one document
    def _one(self, text: str, lang: str) -> tuple[np.ndarray, bool]:
        # One document needs none of a batch's bookkeeping; a pooled one is
        # vectorised with its passages in one transform (a row each), which
        # pays numpy's per-call cost once. The floats are those of a batch.
        return self._one_of_rows(*self._rows(text, lang))

    def _one_of_rows(self, rows: list[list[int]], shared: bool) -> tuple[np.ndarray, bool]:
        """:meth:`_one` from the document's feature occurrences (:meth:`_rows`)."""
        if len(rows) == 1:
            idx, values = self.features.transform_indices(rows[0])
            if idx.size == 0:
                return self.bias.copy(), False
            logits: np.ndarray = values @ self.weights[idx] + self.bias
            return logits, True
        if shared:
            rows = [[*rows[0], *chain.from_iterable(rows[1:])], *rows[1:]]
        indptr, idx, values = self.features.transform_rows(rows)
        if indptr[1] == indptr[0]:
            return self.bias.copy(), False
        scores = self._row_scores(indptr, idx, values)
        return pool_scores(scores[0], scores[1:].max(axis=0), self.passage_weight), True

    def _rows(self, text: str, lang: str) -> _Rows:
        """Feature indices of the term occurrences of the document, then of each passage if pooled.

        ``rows[0]`` holds the document's occurrences and ``rows[1:]`` those of
        its passages when passages are pooled. With ``shared``, ``rows[0]``
        holds only the bigrams that straddle two passages and the document is
        ``rows[0]`` plus every passage: each term is then looked up once, and
        :meth:`_logits_of_rows` adds the passages to the document in numpy.
        Entries outside ``[0, n_features)`` stand for terms that are not
        features; the vectorising step drops them.
        """
        if self.text_options.ngram_range[1] > 2:
            return self._rows_from_terms(text, lang), False
        return self._rows_of_ids([self._term_ids(chunks, lang) for chunks in self.analyzer.passage_chunks(text)])

    def _rows_of_ids(self, passages: list[list[int]]) -> _Rows:
        """:meth:`_rows` from the term ids of each passage (``ngram_range`` up to bigrams)."""
        high = self.text_options.ngram_range[1]
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

    def _term_ids(self, chunks: list[str], lang: str) -> list[int]:
        """The id of every term of ``chunks``, in order; -1 for a term no feature uses.

        Terms are looked up by whitespace chunk, so a document that repeats
        known words builds no strings beyond splitting its text.
        """
        cache = self._chunk_ids[lang]
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
                found: tuple[int, ...] = self.analyzer.cache_new_chunk(cache, missing.args[0], lang, self._term_ids_of)
                ids += found

    def _term_ids_of(self, terms: tuple[str, ...]) -> tuple[int, ...]:
        term_id = self._ids_of_terms.get
        return tuple([term_id(term, -1) for term in terms])

    def _ngram_ids(self, ids: list[int]) -> list[int]:
        """Feature indices of the n-grams (n <= 2) of a run of term ids; misses are -1."""
        low, high = self.text_options.ngram_range
        out = list(ids) if low == 1 else []
        if high == 2:
            out.extend(map(self._pairs.get, pairwise(ids), repeat(-1)))
        return out

    def _rows_from_terms(self, text: str, lang: str) -> list[list[int]]:
        """:meth:`_rows` for any ``ngram_range``, through the n-gram strings."""
        features, ngram_range = self.features, self.text_options.ngram_range
        passages = self.analyzer.passage_unigrams(text, lang)
        if len(passages) == 1:
            return [features.indices(ngrams(passages[0], ngram_range))]
        flat = [term for passage in passages for term in passage]
        document = features.indices(ngrams(flat, ngram_range))
        if not self.passage_weight > 0:
            return [document]
        return [document, *(features.indices(ngrams(passage, ngram_range)) for passage in passages)]

    # -------------------------------------------------------------- batches
    def _term_rows(self, text: str, lang: str) -> list[list[int]]:
        """Term ids of the whole document, then of each passage when passages are pooled.

        The batched counterpart of :meth:`_rows` for ``ngram_range`` up to
        bigrams: the n-grams are found later, for a whole batch at once, by
        :meth:`_logits_of_term_rows`. The document's row is its passages' ids
        end to end, so its bigrams include those that straddle two passages.
        """
        passages = [self._term_ids(chunks, lang) for chunks in self.analyzer.passage_chunks(text)]
        if len(passages) == 1:
            return passages
        document = [i for passage in passages for i in passage]
        if not self.passage_weight > 0:
            return [document]
        return [document, *passages]

    def _logits_of_term_rows(self, docs: Sequence[list[list[int]]]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_logits_of_rows` for documents given by :meth:`_term_rows`.

        Bigram features are looked up for every row of the batch at once in a
        :class:`~greentag.pairs.PairTable`; each row holds the same feature
        occurrences as :meth:`_rows` gives it, so the floats are the same.
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

    def _logits_of_rows(self, docs: Sequence[_Rows]) -> tuple[np.ndarray, np.ndarray]:
        """Log-odds and known-term mask of documents given by :meth:`_rows`."""
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

        Documents own consecutive rows, ``sizes[d]`` each: the document's own
        row first, then its passages' rows when they are pooled. Every row is
        scored with the same dot product as a lone document, so the floats
        equal :meth:`_one` exactly; only the bookkeeping is shared.
        """
        n_rows = sum(sizes)
        first = np.cumsum([0, *sizes[:-1]]).astype(np.intp)
        indptr, idx, values = self.features.transform_owned(found, owner, n_rows)
        scores = self._row_scores(indptr, idx, values)
        logits = scores[first]
        known = indptr[first + 1] > indptr[first]
        pooled = np.flatnonzero(known & (np.asarray(sizes) > 1))
        if pooled.size:
            # Each pooled document's passage rows follow its own row: the
            # maximum over [first + 1, first + size) is its best passage.
            edges = np.column_stack([first[pooled] + 1, first[pooled] + np.asarray(sizes)[pooled]]).ravel()
            best = np.maximum.reduceat(scores, edges[:-1] if edges[-1] == n_rows else edges, axis=0)[::2]
            logits[pooled] = pool_scores(logits[pooled], best, self.passage_weight)
        logits[~known] = self.bias  # no known term: the labels' priors
        return logits, known

    def _row_scores(self, indptr: np.ndarray, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Log-odds of every row of a CSR batch of vectors, each with the dot product of a lone document."""
        bounds = indptr.tolist()
        weights = self.weights[idx]
        scores = np.empty((len(bounds) - 1, self.n_labels), dtype=np.float32)
        dot = np.dot
        for r in range(len(bounds) - 1):
            start, end = bounds[r], bounds[r + 1]
            if end > start:
                dot(values[start:end], weights[start:end], out=scores[r])
        # A row without known terms (np.empty left it unset) scores the priors.
        scores[np.flatnonzero(indptr[1:] == indptr[:-1])] = 0.0
        scores += self.bias
        return scores

    # ---------------------------------------------------------- explaining
    def _vector(self, unigrams: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return self.features.transform_one(ngrams(unigrams, self.text_options.ngram_range))

    def _vector_logits(self, unigrams: list[str]) -> np.ndarray:
        """Log-odds of every label for one run of unigrams (a passage), as :meth:`_one` computes them."""
        idx, values = self._vector(unigrams)
        logits: np.ndarray = values @ self.weights[idx] + self.bias if idx.size else self.bias
        return logits


def _surface(term: str, forms: dict[str, str]) -> str:
    return " ".join(forms.get(part, part) for part in term.split(" "))
