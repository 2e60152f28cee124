"""Exceptions and warnings raised by greentag.

Every error greentag raises derives from :class:`GreentagError`, and also
from the built-in exception a caller would naturally catch (``ValueError`` for
bad values, ``TypeError`` for wrong types, ``KeyError`` for an unknown label),
so ``except ValueError`` keeps working for code that does not know greentag
and ``except GreentagError`` catches everything greentag refuses.
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = [
    "DataError",
    "GreentagError",
    "GreentagWarning",
    "InputTypeError",
    "LabelWarning",
    "MissingColumnError",
    "ModelError",
    "OptionError",
    "UnknownLabelError",
    "UnknownOptionError",
]


class GreentagError(Exception):
    """Base class of every error greentag raises on purpose."""


class ModelError(GreentagError, ValueError):
    """A model file is missing, damaged, untrusted, or from an unsupported version."""


class DataError(GreentagError, ValueError):
    """Training or evaluation data is unusable; the message names the file and line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path is not None and line is not None else f"{path}: " if path else ""
        super().__init__(where + message)


class InputTypeError(GreentagError, TypeError):
    """A document or argument has the wrong type (for example bytes instead of str)."""


class OptionError(GreentagError, ValueError):
    """An option or argument has a bad value (a threshold outside [0, 1], ``top_k=0`` ...)."""


class UnknownOptionError(GreentagError, TypeError):
    """A keyword is not one of the options the function takes."""


class _KeyMessage(KeyError):
    def __str__(self) -> str:
        # KeyError would print the message with quotes around it.
        return str(self.args[0]) if self.args else ""


class UnknownLabelError(GreentagError, _KeyMessage):
    """A label is not one of the model's labels."""


class MissingColumnError(GreentagError, _KeyMessage):
    """A data frame has no column of the name asked for."""


class GreentagWarning(UserWarning):
    """Something worked, but probably not the way the caller meant."""


class LabelWarning(GreentagWarning):
    """A label cannot be learned well (present in every document, or in too few)."""


def warn(message: str, category: type[Warning] = GreentagWarning) -> None:
    """Issue a warning attributed to the first caller outside greentag.

    Public functions call each other at varying depths, so a fixed
    ``stacklevel`` would often blame a line inside greentag.
    """
    package = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)
    level = 2  # 1 would be this function; 2 is the frame above it
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == package:
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)
