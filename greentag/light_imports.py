"""Import one module of a big package without running the package's ``__init__``.

Tagging needs two small pieces of large packages: NLTK's stemmers and scipy's
``expit``. Importing ``nltk`` or ``scipy.special`` the ordinary way runs their
package ``__init__`` files, which import most of each package (``scipy.stats``
for NLTK, ``scipy.sparse`` and the array-API layer for ``scipy.special``): a
large part of a cold start, paid again by every worker process.

:func:`import_light` stands empty packages in for those ``__init__`` files
while the one module loads, then takes the package's modules, stand-ins and
all, out of ``sys.modules`` again, so that a later ordinary import by anyone
is the complete one. Modules of other packages that the module imported stay:
they were imported the ordinary way, and some compiled ones (numpy 2.5's)
refuse to load a second time in one process. The code that
runs is the package's own. When the light way cannot work (the package is
imported already, or the module needs something a stand-in lacks), the
ordinary import is used: the objects are the same either way.

The stand-ins are in ``sys.modules`` only while the module loads, under a lock
that serialises light imports; another thread importing the same package at
that moment would see them. greentag loads ``expit`` while ``greentag.model``
is imported and the stemmers when the first analyzer is built, which in
practice happens before any threads of the caller's own touch scipy or NLTK.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["import_light"]

# sys.modules briefly holds stand-ins: one light import at a time.
_lock = threading.Lock()


def import_light(
    module: str, stand_ins: Sequence[str], attributes: Mapping[str, Mapping[str, Any]] | None = None
) -> types.ModuleType:
    """Import ``module`` with the packages ``stand_ins`` replaced by empty ones while it loads.

    Parameters
    ----------
    module : str
        Dotted name of the module wanted, such as ``"scipy.special._ufuncs"``.
    stand_ins : sequence of str
        The packages whose ``__init__`` is skipped, the top-level one first.
    attributes : mapping, optional
        Names a stand-in must offer (package -> attribute -> value), for
        modules that import them from the package.

    Returns
    -------
    module
        The loaded module; neither it nor the rest of its package is left
        in ``sys.modules``.
    """
    root_package = stand_ins[0]
    with _lock:
        if root_package in sys.modules:
            return importlib.import_module(module)  # the package is loaded already: nothing to save
        spec = importlib.util.find_spec(root_package)
        if spec is None or not spec.submodule_search_locations:
            return importlib.import_module(module)  # raises the ordinary ImportError
        root = next(iter(spec.submodule_search_locations))
        before = set(sys.modules)
        try:
            for package in stand_ins:
                stand_in = types.ModuleType(package)
                inner = package.split(".", 1)[1].replace(".", "/") if "." in package else ""
                stand_in.__path__ = [f"{root}/{inner}" if inner else root]
                for name, value in (attributes or {}).get(package, {}).items():
                    setattr(stand_in, name, value)
                sys.modules[package] = stand_in
            loaded: types.ModuleType | None = importlib.import_module(module)
        except Exception:
            loaded = None
        finally:
            for added in set(sys.modules) - before:
                if added == root_package or added.startswith(f"{root_package}."):
                    del sys.modules[added]
    if loaded is None:
        return importlib.import_module(module)
    return loaded
