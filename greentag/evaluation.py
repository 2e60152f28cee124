"""Evaluation figures: micro, macro and per-document averages, and per-label P/R/F1."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .errors import GreentagWarning, warn
from .labels import indicator_matrix, normalize_label_lists
from .results import Tag

__all__ = ["evaluate_tags", "f1_summary"]


def _prf(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 from counts; 0 where undefined (scikit-learn's zero_division=0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    return precision, recall, f1


def f1_summary(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> dict[str, Any]:
    """Return micro/macro/samples averages and per-label figures for indicator matrices.

    Parameters
    ----------
    y_true, y_pred : bool arrays of shape (n_documents, n_labels)
        True and predicted labels.
    classes : sequence of str
        Column names.

    Returns
    -------
    dict
        ``micro``, ``macro``, ``samples``: dicts of precision, recall, f1;
        ``per_label``: label -> precision, recall, f1, support;
        ``n_documents``.

    Examples
    --------
    >>> t = np.array([[1, 0], [0, 1]], dtype=bool)
    >>> f1_summary(t, t, ["a", "b"])["micro"]["f1"]
    1.0
    """
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    tp = (y_true & y_pred).sum(axis=0).astype(np.float64)
    fp = (~y_true & y_pred).sum(axis=0).astype(np.float64)
    fn = (y_true & ~y_pred).sum(axis=0).astype(np.float64)
    p, r, f = _prf(tp, fp, fn)
    mp, mr, mf = _prf(tp.sum(), fp.sum(), fn.sum())
    dtp = (y_true & y_pred).sum(axis=1).astype(np.float64)
    dfp = (~y_true & y_pred).sum(axis=1).astype(np.float64)
    dfn = (y_true & ~y_pred).sum(axis=1).astype(np.float64)
    sp_, sr, sf = _prf(dtp, dfp, dfn)
    # A document with no true and no predicted label is a right answer, so it counts 1, as with
    # scikit-learn's zero_division=1; its default (and zero_division=0) would count it 0.
    nothing = (dtp + dfp + dfn) == 0
    sp_, sr, sf = (np.where(nothing, 1.0, v) for v in (sp_, sr, sf))
    n_docs = len(y_true)

    def avg(values: np.ndarray) -> float:
        return round(float(values.mean()), 6) if len(values) else 0.0

    support = y_true.sum(axis=0)
    return {
        "n_documents": n_docs,
        "micro": {"precision": round(float(mp), 6), "recall": round(float(mr), 6), "f1": round(float(mf), 6)},
        "macro": {"precision": avg(p), "recall": avg(r), "f1": avg(f)},
        "samples": {"precision": avg(sp_), "recall": avg(sr), "f1": avg(sf)},
        "per_label": {
            label: {
                "precision": round(float(p[j]), 6),
                "recall": round(float(r[j]), 6),
                "f1": round(float(f[j]), 6),
                "support": int(support[j]),
            }
            for j, label in enumerate(classes)
        },
    }


def evaluate_tags(
    predicted: Sequence[Sequence[Tag]], labels: Iterable[Any], *, model_labels: Sequence[str]
) -> dict[str, Any]:
    """Score predicted tags against true labels (see :meth:`greentag.Tagger.evaluate`)."""
    truth, _ = normalize_label_lists(labels, len(predicted))
    unknown = sorted({label for doc in truth for label in doc} - set(model_labels))
    if unknown:
        warn(f"true label(s) {unknown} are not among the model's labels; they count as missed", GreentagWarning)
    classes = list(model_labels) + unknown
    y_true = indicator_matrix(truth, classes).astype(bool)
    y_pred = indicator_matrix([[tag.label for tag in tags] for tags in predicted], classes).astype(bool)
    report = f1_summary(y_true, y_pred, classes)
    report["unknown_labels"] = unknown
    return report
