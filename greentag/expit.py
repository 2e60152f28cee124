"""scipy's ``expit`` (the logistic sigmoid), without the rest of ``scipy.special``.

Probabilities are ``scipy.special.expit`` of the calibrated log-odds, but
``import scipy.special`` also imports ``scipy.sparse`` and scipy's array-API
layer: 0.15 s of every cold start and of every worker's start, for one ufunc.
The ufunc lives in the compiled module ``scipy.special._ufuncs``, which loads
in a fraction of that with scipy's package ``__init__`` files skipped
(:func:`~greentag.light_imports.import_light`). It is the very object
``scipy.special`` exports, so the floats are scipy's by construction; should a
scipy release move it, the ordinary import is used.
"""

from __future__ import annotations

from typing import Any

from .light_imports import import_light

__all__ = ["expit"]


def _load_expit() -> Any:
    try:
        return import_light("scipy.special._ufuncs", ("scipy", "scipy.special", "scipy._lib")).expit
    except (ImportError, AttributeError):
        from scipy.special import expit as scipy_expit

        return scipy_expit


expit = _load_expit()
