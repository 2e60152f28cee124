"""Platt calibration, F1-optimal thresholds and the at-least-one floor."""

from __future__ import annotations

import numpy as np
import pytest

from greentag.thresholds import fit_platt, sigmoid, tune_fallback_floor, tune_threshold


def test_sigmoid_is_stable_at_extremes() -> None:
    z = np.array([-1000.0, -10.0, 0.0, 10.0, 1000.0])
    p = sigmoid(z)
    assert np.all(np.isfinite(p))
    assert p[0] == 0.0 and p[2] == 0.5 and p[-1] == 1.0


def test_platt_recovers_a_known_sigmoid() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(size=20_000)
    y = (rng.random(20_000) < sigmoid(2.0 * scores - 1.0)).astype(int)
    fit = fit_platt(scores, y)
    assert fit is not None
    a, b = fit
    assert a == pytest.approx(2.0, rel=0.1)
    assert b == pytest.approx(-1.0, abs=0.1)


def test_platt_stays_finite_on_separable_scores() -> None:
    # Perfectly separated scores drive plain Newton to huge slopes; the line search must not.
    scores = np.r_[np.linspace(-3, -1, 50), np.linspace(1, 3, 5)]
    y = np.r_[np.zeros(50), np.ones(5)].astype(int)
    fit = fit_platt(scores, y)
    assert fit is not None
    a, b = fit
    assert 0 < a < 50 and np.isfinite(b)
    p = sigmoid(a * scores + b)
    assert p[y == 1].min() > p[y == 0].max()


@pytest.mark.parametrize("positives", [0, 60], ids=["never", "always"])
def test_platt_constant_labels(positives: int) -> None:
    y = np.r_[np.ones(positives), np.zeros(60 - positives)].astype(int)
    fit = fit_platt(np.linspace(-1, 1, 60), y)
    assert fit is not None
    a, b = fit
    assert a == 0.0
    assert (sigmoid(np.array([b]))[0] > 0.5) == (positives > 0)


def test_platt_without_signal_says_so() -> None:
    # Positives scored lower than negatives: no usable calibration.
    scores = np.array([2.0, 1.5, 1.0, -1.0, -1.5, -2.0])
    y = np.array([0, 0, 0, 1, 1, 1])
    assert fit_platt(scores, y) is None


def test_threshold_maximises_f1() -> None:
    p = np.array([0.95, 0.9, 0.8, 0.6, 0.3, 0.2, 0.1])
    y = np.array([1, 1, 0, 1, 0, 0, 0])
    threshold = tune_threshold(p, y)
    assert threshold == pytest.approx((0.6 + 0.3) / 2)
    predicted = p >= threshold
    assert predicted.tolist() == [True, True, True, True, False, False, False]


def test_threshold_respects_bounds_and_default() -> None:
    p = np.array([0.99, 0.98, 0.95])
    y = np.array([1, 1, 0])
    assert tune_threshold(p, y) == pytest.approx(0.965)
    assert tune_threshold(p, y, bounds=(0.1, 0.9)) == 0.9
    assert tune_threshold(p, np.zeros(3, dtype=int), default=0.4) == 0.4


def test_threshold_never_splits_ties() -> None:
    p = np.array([0.7, 0.7, 0.7, 0.2])
    y = np.array([1, 0, 0, 0])
    threshold = tune_threshold(p, y)
    assert threshold <= 0.7  # the three tied scores fall on the same side
    assert threshold > 0.2


def test_fallback_floor_zero_when_every_document_has_labels() -> None:
    probs = np.array([[0.4, 0.1], [0.2, 0.3], [0.9, 0.1]])
    y = np.array([[1, 0], [0, 1], [1, 0]])
    assert tune_fallback_floor(probs, y, np.array([0.5, 0.5])) == 0.0


def test_fallback_floor_rises_above_unlabeled_documents() -> None:
    # Rows 0-1 deserve their best label; rows 2-3 deserve nothing and score low.
    probs = np.array([[0.45, 0.1], [0.1, 0.40], [0.12, 0.05], [0.05, 0.08]])
    y = np.array([[1, 0], [0, 1], [0, 0], [0, 0]])
    floor = tune_fallback_floor(probs, y, np.array([0.5, 0.5]))
    assert 0.12 < floor < 0.40


def test_fallback_floor_disabled_when_it_never_helps() -> None:
    probs = np.array([[0.3, 0.1], [0.2, 0.1]])
    y = np.array([[0, 0], [0, 0]])
    assert tune_fallback_floor(probs, y, np.array([0.5, 0.5])) == 1.0
