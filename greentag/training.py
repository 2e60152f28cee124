"""Training: from labeled texts to a :class:`~greentag.model.Tagger`.

The recipe, for every label at once:

1. analyse each text into terms and fit the TF-IDF vocabulary;
2. fit one linear SVM per label (positives up-weighted by the square root of
   the class imbalance, so rare labels are not drowned by the negatives);
3. collect out-of-fold scores with k-fold cross-validation, fit a Platt sigmoid
   per label on them, and tune each label's threshold to maximise its F1;
4. tune the floor of the at-least-one rule on the same out-of-fold scores;
5. stack the weights into one matrix and hand everything to ``Tagger``.

Every random choice is seeded, so the same data and options give the same
model, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._version import __version__
from .errors import DataError, InputTypeError, LabelWarning, warn
from .features import FeatureOptions, fit_features
from .labels import indicator_matrix, normalize_label_lists
from .model import Tagger
from .passages import pool_scores
from .text import Analyzer, TextOptions, ngrams
from .thresholds import fit_platt, sigmoid, tune_fallback_floor, tune_threshold
from .validation import check_texts

__all__ = ["OPTION_NAMES", "TrainOptions", "fit_tagger", "train"]

_CLASS_WEIGHTS = ("auto", "sqrt", "balanced", None)


@dataclass(frozen=True)
class TrainOptions:
    """Every setting of training, grouped; stored in the model file.

    Parameters
    ----------
    text : TextOptions
        Preprocessing (see :class:`greentag.text.TextOptions`).
    features : FeatureOptions
        Vocabulary and weighting (see :class:`greentag.features.FeatureOptions`).
    C : float, default=1.0
        Inverse regularisation strength of each label's linear SVM.
    class_weight : {"auto", "sqrt", "balanced", None}, default="auto"
        Weight of a label's positive documents: ``"sqrt"`` multiplies it by
        the square root of negatives/positives, ``"balanced"`` by the full
        ratio, ``None`` leaves it at 1. ``"auto"`` is ``"sqrt"`` for
        multi-label data, where rare labels would otherwise drown, and
        ``None`` for single-label data, where the best label is chosen by
        comparing margins and per-label weights would skew the comparison.
    max_iter : int, default=5000
        Iteration cap of the SVM solver.
    cv : int, default=5
        Folds of the cross-validation that calibrates scores and tunes
        thresholds; reduced automatically for tiny datasets.
    threshold_range : (float, float), default=(0.1, 0.9)
        Tuned thresholds are clipped into this range.
    at_least_one : bool, default=True
        Give the best label when none clears its threshold (see ``Tagger``).
    passage_weight : float, default=0.6
        How far a document's best passage lifts a label's score over the
        whole document's (0 scores whole documents only; see
        :mod:`greentag.passages`). Passage length is the text option
        ``passage_min_words``.
    multi_label : bool or None, default=None
        ``None`` infers it: single-label when every document has exactly one label.
    random_state : int, default=0
        Seed of the fold split and the solver.
    """

    text: TextOptions = field(default_factory=TextOptions)
    features: FeatureOptions = field(default_factory=FeatureOptions)
    C: float = 1.0
    class_weight: str | None = "auto"
    max_iter: int = 5000
    cv: int = 5
    threshold_range: tuple[float, float] = (0.1, 0.9)
    at_least_one: bool = True
    passage_weight: float = 0.6
    multi_label: bool | None = None
    random_state: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold_range", tuple(self.threshold_range))
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first bad option."""
        if isinstance(self.C, bool) or not isinstance(self.C, (int, float)) or not self.C > 0:
            raise ValueError(f"C must be a positive number, got {self.C!r}")
        if self.class_weight not in _CLASS_WEIGHTS:
            raise ValueError(f"class_weight must be one of {_CLASS_WEIGHTS}, got {self.class_weight!r}")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, int) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive int, got {self.max_iter!r}")
        if isinstance(self.cv, bool) or not isinstance(self.cv, int) or self.cv < 2:
            raise ValueError(f"cv must be an int >= 2, got {self.cv!r}")
        low, high = self.threshold_range if len(self.threshold_range) == 2 else (1, 0)
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(
                f"threshold_range must be (low, high) with 0 <= low <= high <= 1, got {self.threshold_range!r}"
            )
        weight = self.passage_weight
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0.0 <= weight <= 1.0:
            raise ValueError(f"passage_weight must be a number in [0, 1], got {weight!r}")
        if self.multi_label not in (True, False, None):
            raise ValueError(f"multi_label must be True, False or None, got {self.multi_label!r}")
        if isinstance(self.random_state, bool) or not isinstance(self.random_state, int):
            raise ValueError(f"random_state must be an int, got {self.random_state!r}")

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> TrainOptions:
        """Build options from flat keyword arguments (``min_df=3, C=0.5, ...``).

        Raises
        ------
        TypeError
            For a name that is not an option.
        """
        unknown = sorted(set(kwargs) - set(OPTION_NAMES))
        if unknown:
            raise TypeError(f"unknown training option(s) {unknown}; known options are {sorted(OPTION_NAMES)}")
        text = {k: v for k, v in kwargs.items() if k in _TEXT_NAMES}
        feats = {k: v for k, v in kwargs.items() if k in _FEATURE_NAMES}
        rest = {k: v for k, v in kwargs.items() if k in _OWN_NAMES}
        return cls(text=TextOptions(**text), features=FeatureOptions(**feats), **rest)

    def to_kwargs(self) -> dict[str, Any]:
        """Return the flat keyword form accepted by :meth:`from_kwargs`."""
        own = {f.name: getattr(self, f.name) for f in fields(self) if f.name in _OWN_NAMES}
        return {**asdict(self.text), **asdict(self.features), **own}

    def to_dict(self) -> dict[str, Any]:
        """Return the options as JSON-ready data (nested by stage)."""
        own = {f.name: getattr(self, f.name) for f in fields(self) if f.name in _OWN_NAMES}
        own["threshold_range"] = list(self.threshold_range)
        return {"text": self.text.to_dict(), "features": self.features.to_dict(), **own}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainOptions:
        """Build options from :meth:`to_dict` output."""
        data = dict(data)
        text = TextOptions.from_dict(data.pop("text", {}))
        feats = FeatureOptions.from_dict(data.pop("features", {}))
        unknown = set(data) - _OWN_NAMES
        if unknown:
            raise ValueError(f"unknown training options: {sorted(unknown)}")
        return cls(text=text, features=feats, **data)


_TEXT_NAMES = frozenset(f.name for f in fields(TextOptions))
_FEATURE_NAMES = frozenset(f.name for f in fields(FeatureOptions))
_OWN_NAMES = frozenset(f.name for f in fields(TrainOptions)) - {"text", "features"}
OPTION_NAMES: tuple[str, ...] = tuple(sorted(_TEXT_NAMES | _FEATURE_NAMES | _OWN_NAMES))


def train(
    texts: Iterable[Any] | Callable[[], Iterable[Any]],
    labels: Iterable[Any] | Callable[[], Iterable[Any]] | None = None,
    *,
    n_jobs: int | None = None,
    out_of_core: bool = False,
    **options: Any,
) -> Tagger:
    """Train a tagger on labeled documents.

    Parameters
    ----------
    texts : iterable of str
        The documents.
    labels : iterable
        For each document, a list of its labels (possibly empty), or a plain
        string for single-label data.
    n_jobs : int, optional
        Worker processes for the cross-validation fits; ``-1`` uses every
        core. The result does not depend on it.
    out_of_core : bool, default=False
        Stream the data in chunks instead of holding it in memory (see
        :func:`greentag.out_of_core.train_out_of_core`, which also takes
        ``chunk_size=`` and ``epochs=``). The data is read more than once, so
        ``texts`` may then also be a function returning a fresh iterator of
        ``(text, labels)`` records, with ``labels`` omitted.
    **options
        Any :class:`TrainOptions` setting by its flat name, for example
        ``min_df=3``, ``ngram_range=(1, 1)``, ``C=0.5``, ``cv=3``.

    Returns
    -------
    Tagger

    Raises
    ------
    DataError
        For empty data, mismatched lengths, bad labels or no labeled document.
    TypeError
        For a text that is not a str, or an unknown option.

    Examples
    --------
    >>> texts = ["solar farm opens", "wind turbines installed", "rail freight grows",
    ...          "new container port", "solar panels and wind", "freight trains on the corridor"]
    >>> labels = [["green"], ["green"], ["transport"], ["transport"], ["green"], ["transport"]]
    >>> model = train(texts, labels, min_df=1, cv=2)
    >>> model.labels
    ['green', 'transport']
    >>> model.tag("a solar farm")[0].label
    'green'
    """
    if out_of_core:
        from .out_of_core import train_out_of_core

        return train_out_of_core(texts, labels, n_jobs=n_jobs, **options)
    if callable(texts) or callable(labels) or labels is None:
        raise InputTypeError("train needs texts and labels as iterables; records or functions need out_of_core=True")
    return fit_tagger(texts, labels, TrainOptions.from_kwargs(**options), n_jobs=n_jobs)


def fit_tagger(
    texts: Iterable[str], labels: Iterable[Any], options: TrainOptions, *, n_jobs: int | None = None
) -> Tagger:
    """Train a :class:`Tagger` with explicit :class:`TrainOptions` (see :func:`train`)."""
    docs = check_texts(texts, "train")
    if not docs:
        raise DataError("no training documents: texts is empty")
    label_lists, _ = normalize_label_lists(labels, len(docs))
    classes = sorted({label for doc_labels in label_lists for label in doc_labels})
    if not classes:
        raise DataError(
            f"none of the {len(docs)} training documents has a label; at least one labeled document is needed"
        )
    single_label = options.multi_label is False or (
        options.multi_label is None and all(len(doc_labels) == 1 for doc_labels in label_lists)
    )
    y = indicator_matrix(label_lists, classes)
    _warn_about_degenerate_labels(y, classes)

    text_options = options.text.resolved()
    corpus = _analyse(docs, Analyzer(text_options))
    try:
        features = fit_features(corpus.doc_terms, options.features)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    x = features.transform(corpus.doc_terms).astype(np.float64)  # liblinear copies anything else
    x_passages = features.transform(corpus.passage_terms).astype(np.float64)

    class_weight, passage_weight = resolve_weights(options, text_options, single_label)
    folds = _folds(len(docs), options)
    jobs = [(x[train_idx], y[train_idx]) for train_idx, _ in folds] + [(x, y)]
    fits = _run(jobs, options, class_weight, n_jobs)
    coef, intercept = fits[-1]

    if folds:
        out_of_fold = np.zeros(y.shape, dtype=np.float64)
        for (_, test_idx), (fold_coef, fold_intercept) in zip(folds, fits[:-1], strict=True):
            out_of_fold[test_idx] = _pooled_scores(
                x, x_passages, corpus.owner, test_idx, fold_coef, fold_intercept, passage_weight
            )
        calibration, thresholds, floor, cv_metrics = fit_decisions(out_of_fold, y, classes, options, single_label)
    else:
        warn(f"only {len(docs)} documents: too few to cross-validate; scores are uncalibrated", LabelWarning)
        calibration = np.vstack([np.ones(len(classes)), np.zeros(len(classes))])
        thresholds = np.full(len(classes), 0.5)
        floor, cv_metrics = 0.0, None

    metadata = {
        "training": {
            "options": options.to_dict(),
            "resolved_text_options": text_options.to_dict(),
            "n_documents": len(docs),
            "n_unlabeled_documents": int((y.sum(axis=1) == 0).sum()),
            "label_counts": {label: int(n) for label, n in zip(classes, y.sum(axis=0), strict=True)},
            "data_sha256": data_fingerprint(docs, label_lists),
            "single_label": single_label,
            "cv_folds": len(folds),
            "cv_metrics": cv_metrics,
            "greentag_version": __version__,
        }
    }
    return Tagger(
        labels=classes,
        features=features,
        coef=coef,
        intercept=intercept,
        calibration=calibration,
        thresholds=thresholds,
        text_options=text_options,
        at_least_one=options.at_least_one,
        fallback_floor=floor,
        single_label=single_label,
        passage_weight=passage_weight,
        metadata=metadata,
    )


def resolve_weights(options: TrainOptions, text_options: TextOptions, single_label: bool) -> tuple[str | None, float]:
    """The class weighting and passage weight that training really uses.

    ``class_weight="auto"`` is ``"sqrt"`` for multi-label data and ``None`` for
    single-label data. Passages lift secondary topics, and single-label
    documents have none, so single-label models score whole documents.
    """
    class_weight = options.class_weight
    if class_weight == "auto":
        class_weight = None if single_label else "sqrt"
    no_passages = single_label or text_options.passage_min_words is None
    return class_weight, 0.0 if no_passages else float(options.passage_weight)


def fit_decisions(
    scores: np.ndarray,
    y: np.ndarray,
    classes: Sequence[str],
    options: TrainOptions,
    single_label: bool,
    *,
    min_positives: int = 1,
) -> tuple[np.ndarray, np.ndarray, float, dict[str, Any]]:
    """Calibration, thresholds, the at-least-one floor and their metrics, from held-out scores.

    Parameters
    ----------
    scores : array of shape (n_documents, n_labels)
        Raw scores of documents the scoring model did not train on
        (out-of-fold, or a held-out slice).
    y : array of shape (n_documents, n_labels)
        Their true labels.
    classes, options, single_label
        The labels, the training options, and whether the data is single-label.
    min_positives : int, default=1
        Labels with fewer held-out positives keep their SVM's own boundary
        and the default threshold instead of fitted ones.

    Returns
    -------
    calibration, thresholds, floor, metrics
    """
    calibration = _calibrate(scores, y, shared=single_label, min_positives=min_positives)
    probs = sigmoid(scores * calibration[0] + calibration[1])
    positives = y.sum(axis=0)
    default = float(np.clip(0.5, *options.threshold_range))
    thresholds = np.array(
        [
            tune_threshold(probs[:, j], y[:, j], bounds=options.threshold_range)
            if positives[j] >= min_positives
            else default
            for j in range(y.shape[1])
        ]
    )
    floor = _fallback_floor(probs, y, thresholds, options.at_least_one)
    metrics = _cv_metrics(probs, y, thresholds, floor, classes, options.at_least_one, single_label)
    return calibration, thresholds, floor, metrics


def _fallback_floor(probs: np.ndarray, y: np.ndarray, thresholds: np.ndarray, at_least_one: bool) -> float:
    """Lowest best score that still earns a document its best tag.

    Only the training data can say that some documents deserve no tag: when
    every training document has a label, every document with known terms gets
    one (floor 0); when some have none, the floor is tuned on the out-of-fold
    scores (see :func:`greentag.thresholds.tune_fallback_floor`).
    """
    if not at_least_one:
        return 1.0
    if y.any(axis=1).all():
        return 0.0
    return tune_fallback_floor(probs, y, thresholds)


def _calibrate(out_of_fold: np.ndarray, y: np.ndarray, *, shared: bool = False, min_positives: int = 1) -> np.ndarray:
    """Platt parameters per label, shape (2, n_labels).

    A label whose out-of-fold scores carry no signal (typically one or two
    positives, each unseen by the fold that scored it) keeps its SVM's own
    decision boundary: margin 0 maps to 0.5, with the slope typical of the
    labels that could be calibrated.

    With ``shared`` (single-label data) one sigmoid is fitted to every label's
    scores together: the best label is then the one with the largest raw
    margin, as in scikit-learn's one-vs-rest, which ranks labels better than
    per-label sigmoids that each stretch their own scale.
    """
    if shared:
        fit = fit_platt(out_of_fold.ravel(), y.ravel())
        slope, offset = fit if fit is not None else (1.0, 0.0)
        return np.vstack([np.full(y.shape[1], slope), np.full(y.shape[1], offset)])
    positives = y.sum(axis=0)
    fits = [
        fit_platt(out_of_fold[:, j], y[:, j]) if positives[j] >= max(min_positives, 1) else None
        for j in range(y.shape[1])
    ]
    slopes = [fit[0] for fit in fits if fit is not None and fit[0] > 0]
    typical = float(np.median(slopes)) if slopes else 1.0
    parameters: np.ndarray = np.array([fit if fit is not None else (typical, 0.0) for fit in fits]).T
    return parameters


def data_fingerprint(texts: Sequence[str], label_lists: Sequence[Sequence[str]]) -> str:
    """Return a SHA-256 of the texts and labels (what the model was trained on).

    Documents count in order (the fold split depends on it); a document's labels
    do not, since ``["a", "b"]`` and ``["b", "a"]`` train the same model.
    """
    digest = hashlib.sha256()
    for text, doc_labels in zip(texts, label_lists, strict=True):
        record = [text, sorted(doc_labels)]
        digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()


def _warn_about_degenerate_labels(y: np.ndarray, classes: Sequence[str]) -> None:
    counts = y.sum(axis=0)
    everywhere = [c for c, n in zip(classes, counts, strict=True) if n == len(y)]
    once = [c for c, n in zip(classes, counts, strict=True) if n == 1 and n < len(y)]
    if everywhere and len(y) > 1:
        warn(
            f"label(s) {everywhere} are on every training document; they will be given to every document", LabelWarning
        )
    if once:
        shown = once if len(once) <= 10 else [*once[:10], f"... {len(once) - 10} more"]
        warn(f"label(s) {shown} have a single training document; their tags will be unreliable", LabelWarning)


def _folds(n_docs: int, options: TrainOptions) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import KFold

    n_splits = min(options.cv, n_docs // 2)
    if n_splits < 2:
        return []
    return list(KFold(n_splits, shuffle=True, random_state=options.random_state).split(np.arange(n_docs)))


def _run(
    jobs: list[tuple[sp.csr_matrix, np.ndarray]], options: TrainOptions, class_weight: str | None, n_jobs: int | None
) -> list[Any]:
    from joblib import Parallel, delayed

    # Processes, not threads: liblinear shuffles with the C library's global
    # rand(), so two fits running in threads of one process would disturb each
    # other's sequence and the model would no longer be reproducible. joblib
    # memory-maps the feature matrix to the workers instead of copying it.
    fits: list[Any] = Parallel(n_jobs=n_jobs)(delayed(_fit_labels)(x, y, options, class_weight) for x, y in jobs)
    return fits


# Serialises liblinear fits within a process, for the same reason (a caller
# may train several models from its own threads).
_LIBLINEAR = threading.Lock()


def _fit_labels(
    x: sp.csr_matrix, y: np.ndarray, options: TrainOptions, class_weight: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Fit one linear SVM per label; return the stacked (coef, intercept)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    n_labels = y.shape[1]
    coef = np.zeros((x.shape[1], n_labels), dtype=np.float32)
    intercept = np.zeros(n_labels, dtype=np.float32)
    for j in range(n_labels):
        target = y[:, j]
        n_pos = int(target.sum())
        if n_pos == 0 or n_pos == len(target):
            # A constant predictor: what scikit-learn's OneVsRest does for such labels.
            intercept[j] = 1.0 if n_pos else -1.0
            continue
        weight = _positive_weight(n_pos, len(target) - n_pos, class_weight)
        svm = LinearSVC(
            C=options.C, class_weight={0: 1.0, 1: weight}, max_iter=options.max_iter, random_state=options.random_state
        )
        with _LIBLINEAR, warnings.catch_warnings():
            # Rare labels may stop at max_iter; their scores are calibrated anyway.
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm.fit(x, target)
        coef[:, j] = svm.coef_[0]
        intercept[j] = svm.intercept_[0]
    return coef, intercept


@dataclass
class _Corpus:
    """Training documents as terms: whole documents, and the passages of multi-passage ones."""

    doc_terms: list[list[str]]
    passage_terms: list[list[str]]
    owner: np.ndarray  # the document each passage belongs to


def _analyse(docs: Sequence[str], analyzer: Analyzer) -> _Corpus:
    ngram_range = analyzer.options.ngram_range
    doc_terms: list[list[str]] = []
    passage_terms: list[list[str]] = []
    owner: list[int] = []
    for i, doc in enumerate(docs):
        passages = analyzer.passage_unigrams(doc)
        doc_terms.append(ngrams([term for passage in passages for term in passage], ngram_range))
        if len(passages) > 1:
            passage_terms.extend(ngrams(passage, ngram_range) for passage in passages)
            owner.extend([i] * len(passages))
    return _Corpus(doc_terms, passage_terms, np.asarray(owner, dtype=np.intp))


def _pooled_scores(
    x: sp.csr_matrix,
    x_passages: sp.csr_matrix,
    owner: np.ndarray,
    rows: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
    passage_weight: float,
) -> np.ndarray:
    """Raw scores of documents ``rows``, lifted by their best passage as at inference."""
    weights = coef.astype(np.float64)
    scores: np.ndarray = np.asarray(x[rows] @ weights) + intercept
    if passage_weight == 0 or x_passages.shape[0] == 0:
        return scores
    position = np.full(x.shape[0], -1, dtype=np.intp)
    position[rows] = np.arange(len(rows))
    mine = np.flatnonzero(position[owner] >= 0)
    if mine.size == 0:
        return scores
    passage_scores = np.asarray(x_passages[mine] @ weights) + intercept
    best = np.full_like(scores, -np.inf)
    np.maximum.at(best, position[owner[mine]], passage_scores)
    has_passages = np.isfinite(best[:, 0])
    scores[has_passages] = pool_scores(scores[has_passages], best[has_passages], passage_weight)
    return scores


def _positive_weight(n_pos: int, n_neg: int, mode: str | None) -> float:
    if mode is None:
        return 1.0
    ratio = n_neg / n_pos
    return max(1.0, float(np.sqrt(ratio))) if mode == "sqrt" else float(ratio)


def _cv_metrics(
    probs: np.ndarray,
    y: np.ndarray,
    thresholds: np.ndarray,
    floor: float,
    classes: Sequence[str],
    at_least_one: bool,
    single_label: bool,
) -> dict[str, Any]:
    """Micro/macro F1 of the out-of-fold decisions (thresholds tuned on them, so a little optimistic)."""
    from .evaluation import f1_summary

    predicted = probs >= thresholds
    if at_least_one:
        empty = ~predicted.any(axis=1)
        best = probs.argmax(axis=1)
        fire = empty & (probs[np.arange(len(probs)), best] >= floor)
        predicted[np.flatnonzero(fire), best[fire]] = True
    if single_label:
        top = np.zeros_like(predicted)
        masked = np.where(predicted, probs, -1.0)
        rows = np.flatnonzero(predicted.any(axis=1))
        top[rows, masked[rows].argmax(axis=1)] = True
        predicted = top
    return f1_summary(y.astype(bool), predicted, classes)
