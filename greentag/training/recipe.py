"""The steps every way of training shares, written once.

In-memory training (:mod:`.in_memory`) and out-of-core training
(:mod:`.out_of_core`) differ in how they get per-label linear scores: k-fold
SVMs on a matrix in memory, or SGD over a stream with a held-out slice. From
there on the recipe is the same, and it lives here:

- the data fingerprint and the warnings about degenerate labels;
- the positive-class weight and the constant predictor of a label that is on
  no document (or on every one);
- scores of held-out documents, lifted by their best passage as at inference;
- calibration (Platt), per-label thresholds, the at-least-one floor and their
  metrics (:func:`fit_decisions`);
- the :class:`~greentag.model.Tagger` with its metadata (:func:`build_tagger`).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._version import __version__
from ..errors import LabelWarning, warn
from ..features import TfidfFeatures
from ..model import Tagger
from ..passages import pool_scores
from ..text import Analyzer, TextOptions
from ..thresholds import fit_platt, sigmoid, tune_fallback_floor, tune_threshold
from .options import TrainOptions

__all__ = [
    "Decisions",
    "Fingerprint",
    "build_tagger",
    "constant_intercept",
    "data_fingerprint",
    "fit_decisions",
    "library_versions",
    "pooled_scores",
    "positive_weight",
    "uncalibrated",
    "warn_about_label_counts",
]


# --------------------------------------------------------------- the data
class Fingerprint:
    """SHA-256 of the training records, fed one record at a time.

    Documents count in order (the fold split depends on it); a document's
    labels do not, since ``["a", "b"]`` and ``["b", "a"]`` train the same model.
    """

    def __init__(self) -> None:
        self._digest = hashlib.sha256()

    def update(self, text: str, labels: Iterable[str]) -> None:
        """Add one record."""
        record = [text, sorted(labels)]
        self._digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        self._digest.update(b"\n")

    def hexdigest(self) -> str:
        """The fingerprint so far, as hex."""
        return self._digest.hexdigest()


def data_fingerprint(texts: Sequence[str], label_lists: Sequence[Sequence[str]]) -> str:
    """Return the SHA-256 of the texts and labels a model was trained on (see :class:`Fingerprint`).

    Examples
    --------
    >>> data_fingerprint(["a"], [["x", "y"]]) == data_fingerprint(["a"], [["y", "x"]])
    True
    """
    fingerprint = Fingerprint()
    for text, labels in zip(texts, label_lists, strict=True):
        fingerprint.update(text, labels)
    return fingerprint.hexdigest()


def warn_about_label_counts(label_counts: Mapping[str, int], n_docs: int, classes: Sequence[str]) -> None:
    """Warn about labels on every training document, and labels on a single one."""
    everywhere = [c for c in classes if label_counts[c] == n_docs]
    once = [c for c in classes if label_counts[c] == 1 and n_docs > 1]
    if everywhere and n_docs > 1:
        warn(
            f"label(s) {everywhere} are on every training document; they will be given to every document", LabelWarning
        )
    if once:
        shown = once if len(once) <= 10 else [*once[:10], f"... {len(once) - 10} more"]
        warn(f"label(s) {shown} have a single training document; their tags will be unreliable", LabelWarning)


# ------------------------------------------------------------- per label
def positive_weight(n_pos: int, n_neg: int, mode: str | None) -> float:
    """The weight of a label's positive documents under ``class_weight=mode`` (see TrainOptions)."""
    if mode is None:
        return 1.0
    ratio = n_neg / n_pos
    return max(1.0, float(np.sqrt(ratio))) if mode == "sqrt" else float(ratio)


def constant_intercept(n_pos: int, n_docs: int) -> float | None:
    """The intercept of a label on no training document (-1) or on all of them (+1); None otherwise.

    Such a label has nothing to learn: it gets a constant predictor, which is
    what scikit-learn's one-vs-rest does too.
    """
    if n_pos == 0:
        return -1.0
    if n_pos == n_docs:
        return 1.0
    return None


def pooled_scores(
    x: sp.csr_matrix,
    x_passages: sp.csr_matrix,
    owner: np.ndarray,
    rows: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
    passage_weight: float,
) -> np.ndarray:
    """Raw scores of documents ``rows`` of ``x``, lifted by their best passage as at inference.

    ``x_passages`` holds the passages of multi-passage documents and
    ``owner[k]`` the document (row of ``x``) that passage ``k`` belongs to.
    """
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


# -------------------------------------------------------------- deciding
@dataclass(frozen=True)
class Decisions:
    """What held-out scores teach: calibration, thresholds, the at-least-one floor, and their metrics."""

    calibration: np.ndarray
    thresholds: np.ndarray
    fallback_floor: float
    metrics: dict[str, Any] | None


def uncalibrated(n_labels: int, options: TrainOptions) -> Decisions:
    """Decisions when there is nothing to tune on: the SVMs' own boundaries at threshold 0.5."""
    calibration = np.vstack([np.ones(n_labels), np.zeros(n_labels)])
    threshold = float(np.clip(0.5, *options.threshold_range))
    return Decisions(calibration, np.full(n_labels, threshold), 0.0, None)


def fit_decisions(
    scores: np.ndarray,
    y: np.ndarray,
    classes: Sequence[str],
    options: TrainOptions,
    single_label: bool,
    *,
    min_positives: int = 1,
) -> Decisions:
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
    return Decisions(calibration, thresholds, floor, metrics)


def _calibrate(scores: np.ndarray, y: np.ndarray, *, shared: bool = False, min_positives: int = 1) -> np.ndarray:
    """Platt parameters per label, shape (2, n_labels).

    A label whose held-out scores carry no signal (typically one or two
    positives, each unseen by the fold that scored it) keeps its SVM's own
    decision boundary: margin 0 maps to 0.5, with the slope typical of the
    labels that could be calibrated.

    With ``shared`` (single-label data) one sigmoid is fitted to every label's
    scores together: the best label is then the one with the largest raw
    margin, as in scikit-learn's one-vs-rest, which ranks labels better than
    per-label sigmoids that each stretch their own scale.
    """
    if shared:
        fit = fit_platt(scores.ravel(), y.ravel())
        slope, offset = fit if fit is not None else (1.0, 0.0)
        return np.vstack([np.full(y.shape[1], slope), np.full(y.shape[1], offset)])
    positives = y.sum(axis=0)
    fits = [
        fit_platt(scores[:, j], y[:, j]) if positives[j] >= max(min_positives, 1) else None for j in range(y.shape[1])
    ]
    slopes = [fit[0] for fit in fits if fit is not None and fit[0] > 0]
    typical = float(np.median(slopes)) if slopes else 1.0
    parameters: np.ndarray = np.array([fit if fit is not None else (typical, 0.0) for fit in fits]).T
    return parameters


def _fallback_floor(probs: np.ndarray, y: np.ndarray, thresholds: np.ndarray, at_least_one: bool) -> float:
    """Lowest best score that still earns a document its best tag.

    Only the training data can say that some documents deserve no tag: when
    every training document has a label, every document with known terms gets
    one (floor 0); when some have none, the floor is tuned on the held-out
    scores (see :func:`greentag.thresholds.tune_fallback_floor`).
    """
    if not at_least_one:
        return 1.0
    if y.any(axis=1).all():
        return 0.0
    return tune_fallback_floor(probs, y, thresholds)


def _cv_metrics(
    probs: np.ndarray,
    y: np.ndarray,
    thresholds: np.ndarray,
    floor: float,
    classes: Sequence[str],
    at_least_one: bool,
    single_label: bool,
) -> dict[str, Any]:
    """Micro/macro F1 of the held-out decisions (thresholds tuned on them, so a little optimistic)."""
    from ..evaluation import f1_summary

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


# --------------------------------------------------------------- the model
def library_versions() -> dict[str, str]:
    """The versions of the libraries that decide a model's floats, recorded in its file."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "scikit-learn", "nltk"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - they are dependencies
            versions[name] = "unknown"
    return versions


def build_tagger(
    *,
    classes: Sequence[str],
    features: TfidfFeatures,
    coef: np.ndarray,
    intercept: np.ndarray,
    decisions: Decisions,
    options: TrainOptions,
    text_options: TextOptions,
    single_label: bool,
    passage_weight: float,
    facts: dict[str, Any],
    analyzer: Analyzer,
) -> Tagger:
    """The trained :class:`Tagger`, its metadata holding the options, ``facts`` and library versions.

    ``facts`` are what the way of training knows about the data:
    ``n_documents``, ``n_unlabeled_documents``, ``label_counts``,
    ``data_sha256``, ``cv_folds``, ``cv_metrics`` and any of its own.
    ``analyzer`` read the training documents: the model keeps the terms it
    found for the tokens that make its features (:meth:`Analyzer.token_terms`).
    """
    metadata = {
        "training": {
            "options": options.to_dict(),
            "resolved_text_options": text_options.to_dict(),
            **facts,
            "single_label": single_label,
            "greentag_version": __version__,
            "library_versions": library_versions(),
        }
    }
    return Tagger(
        labels=classes,
        features=features,
        coef=coef,
        intercept=intercept,
        calibration=decisions.calibration,
        thresholds=decisions.thresholds,
        text_options=text_options,
        at_least_one=options.at_least_one,
        fallback_floor=decisions.fallback_floor,
        single_label=single_label,
        passage_weight=passage_weight,
        metadata=metadata,
        token_terms=analyzer.token_terms(keep=features.ngram_tables()[0]),
    )
