"""import_light: one module of a package without its __init__, sys.modules left as it was."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from greentag.light_imports import import_light

from .processes import printed_words


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A package ``heavy`` whose __init__ records that it ran, with two submodules."""
    root = tmp_path / "heavy"
    (root / "inner").mkdir(parents=True)
    (root / "__init__.py").write_text("import sys\nsys.heavy_init_ran = True\nVALUE = 7\n")
    (root / "inner" / "__init__.py").write_text("raise RuntimeError('the inner __init__ ran')\n")
    (root / "inner" / "light.py").write_text("ANSWER = 42\n")
    (root / "needs_init.py").write_text("from heavy import VALUE\n")
    (root / "uses_outside.py").write_text("import outside_of_heavy\n")
    (tmp_path / "outside_of_heavy.py").write_text("LOADS = []\nLOADS.append(1)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delattr(sys, "heavy_init_ran", raising=False)
    yield "heavy"
    for name in [m for m in sys.modules if m.split(".")[0] in ("heavy", "outside_of_heavy")]:
        del sys.modules[name]


def test_the_module_loads_without_the_package_inits(package: str) -> None:
    before = set(sys.modules)
    light = import_light("heavy.inner.light", ("heavy", "heavy.inner"))
    assert light.ANSWER == 42
    assert not hasattr(sys, "heavy_init_ran")
    assert set(sys.modules) == before  # nothing left behind, not even the stand-ins


def test_modules_of_other_packages_stay_loaded(package: str) -> None:
    # Some compiled modules (numpy 2.5's, for one) refuse to load twice in a
    # process: what the module imports from outside the package must stay.
    light = import_light("heavy.uses_outside", ("heavy",))
    import outside_of_heavy  # type: ignore[import-not-found]

    assert light.outside_of_heavy is outside_of_heavy and outside_of_heavy.LOADS == [1]
    assert not any(name.split(".")[0] == "heavy" for name in sys.modules)


def test_a_module_that_needs_the_init_gets_the_ordinary_import(package: str) -> None:
    needs_init = import_light("heavy.needs_init", ("heavy",))
    assert needs_init.VALUE == 7
    assert getattr(sys, "heavy_init_ran", False)  # the light way failed, the ordinary one ran


def test_a_loaded_package_is_used_as_it_is(package: str) -> None:
    import heavy  # type: ignore[import-not-found]

    needs_init = import_light("heavy.needs_init", ("heavy",))
    assert sys.modules["heavy"] is heavy and needs_init.VALUE == 7


def test_a_missing_package_raises_the_ordinary_error() -> None:
    with pytest.raises(ModuleNotFoundError):
        import_light("no_such_package_here.module", ("no_such_package_here",))


def test_tagging_imports_no_scipy_and_its_expit_is_scipys() -> None:
    code = (
        "import sys, greentag; greentag.tag('Wind farms feed the grid.');"
        "print(any(m.split('.')[0] in ('scipy', 'sklearn', 'nltk') for m in sys.modules));"
        "import scipy.special; from greentag.expit import expit;"
        "print(expit is scipy.special.expit)"
    )
    assert printed_words(code) == ["False", "True"]


def test_tagging_breaks_no_later_import_of_numpy_scipy_or_nltk() -> None:
    code = (
        "import greentag; greentag.tag('Wind farms feed the grid.');"
        "import numpy.fft, scipy.sparse, scipy.special, sklearn.linear_model, nltk.stem;"
        "print(scipy.special.expit(0.0), numpy.fft.fft([1.0, 1.0]).real.tolist())"
    )
    assert printed_words(code) == ["0.5", "[2.0,", "0.0]"]


def test_expit_is_scipys_when_scipy_came_first() -> None:
    code = "import scipy.special, greentag.expit; print(greentag.expit.expit is scipy.special.expit)"
    assert printed_words(code) == ["True"]
