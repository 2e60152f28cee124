"""Calibration of raw scores and the tuning of per-label decision thresholds.

Both are fitted on out-of-fold scores from cross-validation, so they describe
how the model behaves on documents it has not seen, not on its training set.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fit_platt", "sigmoid", "tune_fallback_floor", "tune_threshold"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function, in the dtype of ``z``."""
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    ez = np.exp(z[~positive])
    out[~positive] = ez / (1.0 + ez)
    return out


def fit_platt(scores: np.ndarray, y: np.ndarray, *, max_iter: int = 100) -> tuple[float, float] | None:
    """Fit Platt's sigmoid ``p = sigmoid(a * score + b)`` to one label's scores.

    Uses Platt's smoothed targets, so one or two positives give a sensible,
    finite slope instead of an infinitely confident one.

    Parameters
    ----------
    scores : array of shape (n_samples,)
        Raw decision values (out-of-fold).
    y : array of shape (n_samples,)
        1 where the label is present, else 0.
    max_iter : int, default=100
        Newton iterations.

    Returns
    -------
    (a, b) or None
        Slope and intercept; a label never (always) present gives a constant
        near 0 (1). ``None`` when the scores carry no calibration signal
        (positives not ranked above negatives, as with one or two positives
        that were never seen in training): the caller decides the fallback.

    Examples
    --------
    >>> a, b = fit_platt(np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0, 0, 1, 1]))
    >>> bool(a > 0)
    True
    >>> fit_platt(np.array([1.0, 2.0]), np.array([1, 0])) is None
    True
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n_pos = float(y.sum())
    n_neg = float(len(y) - n_pos)
    target = np.where(y > 0, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    if n_pos == 0 or n_neg == 0 or np.ptp(s) == 0:
        # Nothing to separate: a constant at the smoothed base rate.
        rate = float(target.mean())
        return 0.0, _steady(np.log(rate / (1.0 - rate)))

    def loss(a: float, b: float) -> float:
        z = a * s + b
        return float(np.sum(np.logaddexp(0.0, z) - target * z))

    # Newton's method with a backtracking line search (Lin, Lin and Weng's
    # fix to Platt's algorithm): plain Newton steps can run off to huge slopes.
    a, b = 0.0, float(np.log((n_pos + 1.0) / (n_neg + 1.0)))
    current = loss(a, b)
    for _ in range(max_iter):
        p = sigmoid(a * s + b)
        residual = p - target
        grad = np.array([residual @ s, residual.sum()])
        if np.abs(grad).max() < 1e-6:
            break
        w = np.maximum(p * (1.0 - p), 1e-12)
        hess = np.array([[w @ (s * s), w @ s], [w @ s, w.sum()]]) + 1e-12 * np.eye(2)
        direction = np.linalg.solve(hess, grad)
        step = 1.0
        while step > 1e-10:
            new_a, new_b = a - step * direction[0], b - step * direction[1]
            new = loss(new_a, new_b)
            if new <= current - 1e-4 * step * float(grad @ direction):
                break
            step /= 2.0
        else:
            break
        a, b, current = new_a, new_b, new
    if not a > 0 or not np.isfinite(b):
        return None
    return _steady(a), _steady(b)


def _steady(value: float) -> float:
    # The optimiser's last digit follows the CPU's SIMD path (seen: one value
    # 2.2e-16 apart on two AMD machines with the same wheels); rounding keeps
    # a model rebuild byte for byte and moves a score by at most about 1e-12.
    return float(np.round(value, 12))


def tune_threshold(
    probabilities: np.ndarray, y: np.ndarray, *, default: float = 0.5, bounds: tuple[float, float] = (0.0, 1.0)
) -> float:
    """Return the threshold on ``probabilities`` that maximises F1 for one label.

    The threshold sits halfway between the last accepted and the first
    rejected score, then is clipped to ``bounds``: with few positives the
    F1-optimal cut is noisy, and a bounded one generalises better.

    Parameters
    ----------
    probabilities : array of shape (n_samples,)
        Calibrated out-of-fold probabilities of the label.
    y : array of shape (n_samples,)
        1 where the label is present, else 0.
    default : float, default=0.5
        Used when no threshold gives a non-zero F1 (no positives, or none ranked).
    bounds : (float, float), default=(0.0, 1.0)
        The returned threshold is clipped into this range.

    Examples
    --------
    >>> tune_threshold(np.array([0.9, 0.7, 0.4, 0.1]), np.array([1, 1, 0, 0]))
    0.55
    """
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(y)
    n_pos = int(y.sum())
    if n_pos == 0:
        return float(np.clip(default, *bounds))
    order = np.argsort(-p, kind="stable")
    ranked = p[order]
    true_pos = np.cumsum(y[order] > 0)
    predicted = np.arange(1, len(p) + 1)
    f1 = 2.0 * true_pos / (predicted + n_pos)
    # Ties must be cut together: only positions where the next score differs.
    cut_ok = np.append(ranked[:-1] > ranked[1:], True)
    f1 = np.where(cut_ok, f1, -1.0)
    best = int(np.argmax(f1))
    if f1[best] <= 0:
        return float(np.clip(default, *bounds))
    below = ranked[best + 1] if best + 1 < len(ranked) else 0.0
    return float(np.clip((ranked[best] + below) / 2.0, *bounds))


def tune_fallback_floor(probabilities: np.ndarray, y: np.ndarray, thresholds: np.ndarray) -> float:
    """Return the lowest top score at which the "at least one tag" rule should fire.

    For documents where no label clears its threshold, giving the best label
    anyway gains a true positive when it is right and costs a false positive
    when it is wrong. This picks the floor on the best score that maximises
    micro-F1 over the out-of-fold predictions; it is 0 when every document has
    a label, and rises when the data has documents that deserve no tag.

    Parameters
    ----------
    probabilities : array of shape (n_samples, n_labels)
        Calibrated out-of-fold probabilities.
    y : array of shape (n_samples, n_labels)
        Binary label indicator matrix.
    thresholds : array of shape (n_labels,)
        The tuned per-label thresholds.

    Returns
    -------
    float
        The floor; 1.0 disables the rule when it never helps.
    """
    p = np.asarray(probabilities)
    y = np.asarray(y) > 0
    passed = p >= thresholds
    tp = int((passed & y).sum())
    fp = int((passed & ~y).sum())
    fn = int((~passed & y).sum())
    empty = np.flatnonzero(~passed.any(axis=1))
    if len(empty) == 0:
        return 0.0
    top_label = p[empty].argmax(axis=1)
    top_score = p[empty, top_label]
    hit = y[empty, top_label]
    order = np.argsort(-top_score, kind="stable")
    # F1 after granting the fallback to the k best-scored empty documents.
    gains = np.cumsum(hit[order])
    misses = np.cumsum(~hit[order])
    f1 = 2.0 * (tp + gains) / (2.0 * (tp + gains) + fp + misses + (fn - gains))
    base = 2.0 * tp / max(2.0 * tp + fp + fn, 1.0)
    best = int(np.argmax(f1))
    if f1[best] <= base:
        return 1.0
    if best + 1 == len(order):
        return 0.0
    return float((top_score[order[best]] + top_score[order[best + 1]]) / 2.0)
