"""Every error greentag raises is a GreentagError, and still the built-in a caller would catch."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

import greentag
from greentag import errors
from greentag.evaluation import f1_summary

PACKAGE = Path(greentag.__file__).resolve().parent
# Python's own protocols want these two: a missing optional dependency is an
# ImportError, and a module's __getattr__ must raise AttributeError.
PROTOCOL_ERRORS = {"ImportError", "AttributeError"}
BUILTIN_ERRORS = ({name for name in dir(builtins) if name.endswith("Error")} | {"Exception"}) - PROTOCOL_ERRORS


def _raised_names(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name):
                found.append((node.lineno, target.id))
    return found


def test_the_package_raises_no_bare_builtin_errors() -> None:
    bare = [
        f"{path.relative_to(PACKAGE)}:{line} raises {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, name in _raised_names(path)
        if name in BUILTIN_ERRORS
    ]
    assert bare == []


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (errors.OptionError, ValueError),
        (errors.DataError, ValueError),
        (errors.ModelError, ValueError),
        (errors.InputTypeError, TypeError),
        (errors.UnknownOptionError, TypeError),
        (errors.UnknownLabelError, KeyError),
        (errors.MissingColumnError, KeyError),
    ],
)
def test_each_error_is_both(error: type[Exception], builtin: type[Exception]) -> None:
    assert issubclass(error, errors.GreentagError) and issubclass(error, builtin)


def test_key_errors_print_their_message_plainly(small_model: greentag.Tagger) -> None:
    with pytest.raises(errors.UnknownLabelError) as caught:
        small_model.explain("solar", "no_such_label")
    assert str(caught.value).startswith("unknown label 'no_such_label'")


def test_errors_name_the_bad_value(small_model: greentag.Tagger) -> None:
    with pytest.raises(errors.OptionError, match=r"threshold must be a number in \[0, 1\], got 1.5"):
        small_model.tag("solar", threshold=1.5)
    with pytest.raises(errors.UnknownOptionError, match="unknown training option"):
        greentag.train(["a b", "c d"], [["x"], ["y"]], colour="green")
    with pytest.raises(errors.OptionError, match="n_jobs must be a non-zero int"):
        small_model.tag_many(["solar"], n_jobs=0)


def test_a_document_with_no_labels_and_no_tags_counts_as_right() -> None:
    # As scikit-learn's samples average with zero_division=1 (its default would count it 0).
    y_true = np.array([[1, 0], [0, 0], [0, 1]], dtype=bool)
    y_pred = np.array([[1, 0], [0, 0], [1, 1]], dtype=bool)
    ours = f1_summary(y_true, y_pred, ["a", "b"])["samples"]["f1"]
    assert ours == pytest.approx(f1_score(y_true, y_pred, average="samples", zero_division=1))
    assert ours != pytest.approx(f1_score(y_true, y_pred, average="samples", zero_division=0))
