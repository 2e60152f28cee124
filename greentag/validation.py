"""Checks of what callers pass in: documents and decision options.

Every public entry point validates through these functions, so a bad value
gets the same typed error and message wherever it comes in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain, repeat
from typing import Any

from .errors import InputTypeError, OptionError

__all__ = [
    "check_positive_int",
    "check_text",
    "check_texts",
    "check_threshold",
    "check_top_k",
    "checked_batches",
    "iter_texts",
]


def check_text(text: object, index: int | None = None) -> None:
    """Raise :class:`InputTypeError` unless ``text`` is a str (``index`` names it in a batch)."""
    if isinstance(text, str):
        return
    where = f"texts[{index}] " if index is not None else ""
    if isinstance(text, (bytes, bytearray)):
        raise InputTypeError(f"{where}is bytes; decode it to str first, e.g. text.decode('utf-8')")
    raise InputTypeError(f"{where}must be a str, got {type(text).__name__}")


def iter_texts(texts: Iterable[str], caller: str, *, hint: str = "") -> Iterator[str]:
    """Return an iterator over ``texts``, refusing a single str or a non-iterable (``hint`` ends the message)."""
    if isinstance(texts, (str, bytes, bytearray)):
        raise InputTypeError(f"{caller} expects an iterable of str, got a single {type(texts).__name__}{hint}")
    try:
        return iter(texts)
    except TypeError:
        raise InputTypeError(f"{caller} expects an iterable of str, got {type(texts).__name__}") from None


def check_texts(texts: Iterable[str], caller: str) -> list[str]:
    """Return ``texts`` as a list after checking that each is a str."""
    batch = list(iter_texts(texts, caller))
    for i, text in enumerate(batch):
        check_text(text, i)
    return batch


def checked_batches(texts: Iterator[str], batch_size: int, sizes: Iterable[int] = ()) -> Iterator[list[str]]:
    """Yield lists of checked texts, reading ``texts`` only as they are asked for.

    The batches hold ``sizes`` texts in turn, then ``batch_size`` each; the
    last holds what is left.
    """
    limits = chain(sizes, repeat(batch_size))
    limit = next(limits)
    batch: list[str] = []
    for i, text in enumerate(texts):
        check_text(text, i)
        batch.append(text)
        if len(batch) == limit:
            yield batch
            batch, limit = [], next(limits)
    if batch:
        yield batch


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` if it is an int >= 1 (not a bool), else raise :class:`OptionError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OptionError(f"{name} must be a positive int, got {value!r}")
    return value


def check_threshold(threshold: Any) -> float | None:
    """Return ``threshold`` as a float in [0, 1], or None; else raise :class:`OptionError`."""
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 <= threshold <= 1.0:
        raise OptionError(f"threshold must be a number in [0, 1], got {threshold!r}")
    return float(threshold)


def check_top_k(top_k: Any) -> int | None:
    """Return ``top_k`` if it is None or a positive int, else raise :class:`OptionError`."""
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise OptionError(f"top_k must be a positive int or None, got {top_k!r}")
    return top_k
