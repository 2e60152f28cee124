"""NLTK's stemmers, loaded without importing the whole of NLTK.

``import nltk`` runs NLTK's package ``__init__``, which imports nearly all of
NLTK, and with it ``scipy.stats``: about a second, paid again by every worker
process. The Snowball and Porter stemmers need a handful of small modules
(``nltk.stem.snowball``, ``porter``, ``api``, ``util``, ``nltk.redos``,
``nltk.termsec``). :func:`snowball_class` loads exactly those, skipping
NLTK's package ``__init__`` files (:func:`greentag.light_imports.import_light`).
The stemmer code that runs is NLTK's own, and the stems are the same as after
an ordinary ``import nltk`` (``tests/test_text.py`` compares them).
"""

from __future__ import annotations

import threading
from typing import Any

from .light_imports import import_light

__all__ = ["porter_class", "snowball_class"]

_lock = threading.Lock()
_loaded: dict[str, Any] = {}
# Packages whose __init__ imports far more than the stemmers need.
_STAND_INS = ("nltk", "nltk.stem", "nltk.corpus")
# Snowball imports nltk.corpus.stopwords, used only with ignore_stopwords=True.
_ATTRIBUTES = {"nltk.corpus": {"stopwords": None}}


def snowball_class() -> Any:
    """NLTK's ``SnowballStemmer`` class."""
    return _load("nltk.stem.snowball", "SnowballStemmer")


def porter_class() -> Any:
    """NLTK's ``PorterStemmer`` class."""
    return _load("nltk.stem.porter", "PorterStemmer")


def _load(module: str, name: str) -> Any:
    key = f"{module}.{name}"
    with _lock:
        if key not in _loaded:
            _loaded[key] = getattr(import_light(module, _STAND_INS, _ATTRIBUTES), name)
        return _loaded[key]
