"""The fitted model: :class:`Tagger` turns text into ranked, calibrated tags.

The path of a document, one room each::

    Tagger.tag(text)                      this module: checks, options, deciding
      -> Scorer.logits([text])            scoring.py: terms -> TF-IDF -> log-odds
           Analyzer (text.py)             normalise, split passages, stem, cache
           TfidfFeatures (features.py)    counts -> sublinear TF * IDF, L2 norm
           weights @ x + bias             Platt calibration already folded in
      -> expit                            calibrated probabilities
      -> decide (decision.py)             per-label thresholds, top_k, at-least-one
      -> [Tag(label, score), ...]         results.py

``tag_many`` and ``tag_stream`` cut the documents into batches and send each
through :meth:`Tagger.tag_batch` (in worker processes with ``n_jobs``, see
:mod:`greentag.parallel`); the floats equal ``tag``'s, bit for bit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence, Sized
from pathlib import Path
from typing import Any, overload

import numpy as np

from .decision import TagOptions, decide, decide_many
from .errors import ModelError, UnknownLabelError
from .expit import expit
from .features import TfidfFeatures
from .language import check_language
from .results import Explanation, Tag
from .scoring import Scorer
from .text import TextOptions
from .validation import (
    check_positive_int,
    check_text,
    check_texts,
    check_threshold,
    check_top_k,
    checked_batches,
    iter_texts,
)

__all__ = ["Explanation", "Tag", "TagOptions", "Tagger"]

DEFAULT_BATCH_SIZE = 1000


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
    token_terms : dict, optional
        The term of each token of the training vocabulary, per document
        language, saved with the model so that a loaded model need not stem
        them again (see :meth:`Analyzer.token_terms <greentag.text.Analyzer.token_terms>`).

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
        token_terms: dict[str, dict[str, str]] | None = None,
    ) -> None:
        n_labels = len(labels)
        coef = np.asarray(coef, dtype=np.float32)
        if coef.shape != (features.n_features, n_labels):
            raise ModelError(f"coef must have shape ({features.n_features}, {n_labels}), got {coef.shape}")
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
        self.token_terms: dict[str, dict[str, str]] = dict(token_terms or {})
        self.path: Path | None = None  # the file it was loaded from, if any
        self.scorer = Scorer(
            features,
            self.coef,
            self.intercept,
            self.calibration,
            text_options,
            self.passage_weight,
            self.token_terms,
        )

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

    @property
    def languages(self) -> list[str]:
        """The languages this model reads (ISO 639-1 codes), its first the default.

        Examples
        --------
        >>> from greentag import load_default
        >>> "en" in load_default().languages
        True
        """
        return list(self.scorer.text_options.languages)

    def language_of(self, text: str) -> str:
        """Return the language the model would read ``text`` in (detected among :attr:`languages`)."""
        check_text(text)
        language: str = self.scorer.analyzer.language(text)
        return language

    @property
    def analyzer(self) -> Any:
        """The :class:`~greentag.text.Analyzer` that turns text into terms."""
        return self.scorer.analyzer

    def __repr__(self) -> str:
        n_docs = self.metadata.get("training", {}).get("n_documents")
        trained = f", trained on {n_docs} documents" if n_docs else ""
        return f"<Tagger: {len(self.labels_)} labels, {self.features.n_features} features{trained}>"

    # ---------------------------------------------------------------- scoring
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
        batch = check_texts(texts, "predict_proba")
        probs: np.ndarray = expit(self.scorer.logits(batch)[0])
        return probs

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
        batch = check_texts(texts, "decision_function")
        logits: np.ndarray = self.scorer.logits(batch)[0]
        return logits

    # --------------------------------------------------------------- deciding
    def tag_options(
        self,
        *,
        threshold: float | None = None,
        top_k: int | None = None,
        at_least_one: bool | None = None,
        lang: str | None = None,
    ) -> TagOptions:
        """Resolve one call's decision options against the model's own settings.

        Parameters are as in :meth:`tag`; a bad value raises
        :class:`~greentag.errors.OptionError` naming it.

        Examples
        --------
        >>> from greentag import load_default
        >>> options = load_default().tag_options(threshold=0.4, top_k=2)
        >>> float(options.thresholds.max()), options.top_k
        (0.4, 2)
        """
        threshold = check_threshold(threshold)
        thresholds = self.thresholds if threshold is None else np.full(len(self.labels_), threshold)
        return TagOptions(
            thresholds=thresholds,
            top_k=check_top_k(top_k),
            at_least_one=self.at_least_one if at_least_one is None else bool(at_least_one),
            fallback_floor=self.fallback_floor,
            single_label=self.single_label,
            lang=None if lang is None else check_language(lang, self.languages),
        )

    def tag_batch(self, batch: Sequence[str], options: TagOptions) -> list[list[Tag]]:
        """Tag a list of already checked documents with resolved options.

        The unit of work of :meth:`tag_stream` and of worker processes; most
        callers want :meth:`tag_many`.

        Examples
        --------
        >>> from greentag import load_default
        >>> model = load_default()
        >>> texts = ["Wind farms feed the power grid."]
        >>> model.tag_batch(texts, model.tag_options()) == [model.tag(texts[0])]
        True
        """
        logits, known = self.scorer.logits(batch, options.lang)
        return decide_many(expit(logits), known, self.labels_, options)

    # ----------------------------------------------------------------- public
    def tag(
        self,
        text: str,
        *,
        threshold: float | None = None,
        top_k: int | None = None,
        at_least_one: bool | None = None,
        lang: str | None = None,
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
        lang : str, optional
            The document's language, one of :attr:`languages`; detected
            when omitted (:func:`greentag.detect_language`).

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
        check_text(text)
        options = self.tag_options(threshold=threshold, top_k=top_k, at_least_one=at_least_one, lang=lang)
        logits, known = self.scorer.logits([text], options.lang)
        return decide(expit(logits[0]), bool(known[0]), self.labels_, options)

    def tag_many(
        self,
        texts: Iterable[str],
        *,
        threshold: float | None = None,
        top_k: int | None = None,
        at_least_one: bool | None = None,
        lang: str | None = None,
        n_jobs: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> list[list[Tag]]:
        """Tag many documents; the result keeps the input order.

        Parameters
        ----------
        texts : iterable of str
            Documents: a list, a generator, any iterable (not a single str).
        threshold, top_k, at_least_one, lang
            As in :meth:`tag`; ``lang`` applies to every document.
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
                texts,
                threshold=threshold,
                top_k=top_k,
                at_least_one=at_least_one,
                lang=lang,
                n_jobs=n_jobs,
                batch_size=batch_size,
            )
        )

    def tag_stream(
        self,
        texts: Iterable[str],
        *,
        threshold: float | None = None,
        top_k: int | None = None,
        at_least_one: bool | None = None,
        lang: str | None = None,
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
        iterator = iter_texts(texts, "tag_stream", hint="; use tag() for one document")
        check_positive_int("batch_size", batch_size)
        options = self.tag_options(threshold=threshold, top_k=top_k, at_least_one=at_least_one, lang=lang)
        from .parallel import batch_sizes, resolve_n_jobs, tag_batches_in_parallel

        workers = resolve_n_jobs(n_jobs)
        # A job of known length shrinks its last batches, so that the cores end it together.
        sizes = batch_sizes(len(texts), workers, batch_size) if workers > 1 and isinstance(texts, Sized) else ()
        batches = checked_batches(iterator, batch_size, sizes)
        if workers == 1:
            return (tags for batch in batches for tags in self.tag_batch(batch, options))
        # The amount of text, not of documents, says whether starting workers pays.
        size = sum(len(t) for t in texts if isinstance(t, str)) if isinstance(texts, Sized) else None
        results = tag_batches_in_parallel(self, batches, options, n_jobs=workers, n_characters=size)
        return (tags for result in results for tags in result)

    @overload
    def explain(self, text: str, label: str, *, top_n: int = ..., lang: str | None = ...) -> Explanation: ...
    @overload
    def explain(
        self, text: str, label: None = ..., *, top_n: int = ..., lang: str | None = ...
    ) -> list[Explanation]: ...

    def explain(
        self, text: str, label: str | None = None, *, top_n: int = 10, lang: str | None = None
    ) -> Explanation | list[Explanation]:
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
        lang : str, optional
            As in :meth:`tag`; the explanation says which language was used.

        Returns
        -------
        Explanation or list of Explanation
            One :class:`Explanation` for ``label``, or one per tag, best first.

        Raises
        ------
        UnknownLabelError
            If ``label`` is not one of :attr:`labels` (also a ``KeyError``).
        OptionError
            If ``top_n`` is not a positive int (also a ``ValueError``).

        Examples
        --------
        >>> from greentag import load_default
        >>> explanation = load_default().explain("Wind farms and solar panels feed the power grid.", "energy", top_n=3)
        >>> explanation.label, len(explanation.terms) <= 3
        ('energy', True)
        """
        check_text(text)
        check_positive_int("top_n", top_n)
        if label is not None and label not in self.labels_:
            raise UnknownLabelError(f"unknown label {label!r}; the model's labels are {self.labels_}")
        used = self.scorer.analyzer.language(text, None if lang is None else check_language(lang, self.languages))
        logits, _ = self.scorer.logits([text], used)
        probs = expit(logits[0])

        def one(j: int) -> Explanation:
            terms = self.scorer.contributions(text, j, used)[:top_n]
            terms.sort(key=lambda item: -item[1])
            return Explanation(self.labels_[j], float(probs[j]), terms, float(self.scorer.bias[j]), used)

        if label is not None:
            return one(self.labels_.index(label))
        return [one(self.labels_.index(tag.label)) for tag in self.tag(text, lang=used)]

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

        batch = check_texts(texts, "evaluate")
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
        from .persist import read_model

        parts = read_model(path)
        try:
            model = cls(**parts)
        except ModelError:
            raise
        except (TypeError, ValueError) as exc:
            # read_model's checks should catch everything; this keeps anything
            # they miss a ModelError rather than a crash inside the constructor.
            raise ModelError(f"model file {str(path)!r} cannot be built ({exc})") from None
        model.path = Path(path)
        return model
