"""NLTK's stemmers, loaded without importing the whole of NLTK.

``import nltk`` runs NLTK's package ``__init__``, which imports nearly all of
NLTK, and with it ``scipy.stats``: about a second, paid again by every worker
process. The Snowball and Porter stemmers need a handful of small modules
(``nltk.stem.snowball``, ``porter``, ``api``, ``util``, ``nltk.redos``,
``nltk.termsec``). :func:`snowball_class` loads exactly those, with NLTK's
package ``__init__`` files stood in for by empty packages while they load, and
then puts ``sys.modules`` back as it was, so a later ``import nltk`` by anyone
is the ordinary, complete one. The stemmer code that runs is NLTK's own.

If NLTK is already imported, or this NLTK's stemmer modules import something
the stand-ins lack, the ordinary import is used instead: the stems are the
same either way (``tests/test_text.py`` compares them).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

__all__ = ["porter_class", "snowball_class"]

_lock = threading.Lock()
_loaded: dict[str, Any] = {}
# Packages whose __init__ imports far more than the stemmers need.
_STAND_INS = ("nltk", "nltk.stem", "nltk.corpus")


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
            _loaded[key] = getattr(_import_light(module), name)
        return _loaded[key]


def _import_light(module: str) -> types.ModuleType:
    if "nltk" in sys.modules:
        return importlib.import_module(module)  # NLTK is loaded already: nothing to save
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        return importlib.import_module(module)  # raises the ordinary ImportError
    root = next(iter(spec.submodule_search_locations))
    before = set(sys.modules)
    try:
        for package in _STAND_INS:
            stand_in = types.ModuleType(package)
            folder = root if package == "nltk" else f"{root}/{package.split('.', 1)[1].replace('.', '/')}"
            stand_in.__path__ = [folder]
            sys.modules[package] = stand_in
        # Snowball imports nltk.corpus.stopwords, used only with ignore_stopwords=True.
        sys.modules["nltk.corpus"].stopwords = None  # type: ignore[attr-defined]
        loaded = importlib.import_module(module)
    except Exception:
        loaded = None
    finally:
        for added in set(sys.modules) - before:
            del sys.modules[added]
    if loaded is None:
        return importlib.import_module(module)
    return loaded
