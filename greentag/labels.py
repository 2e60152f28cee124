"""Checking and encoding the labels that come with training and evaluation data.

Labels arrive as a list of label lists (multi-label), or as one plain string
per document (single-label). Everything downstream works on a binary
indicator matrix with one column per label, in sorted label order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .errors import DataError

__all__ = ["indicator_matrix", "normalize_label_lists"]


def normalize_label_lists(labels: Iterable[Any], n_texts: int | None = None) -> tuple[list[list[str]], bool]:
    """Return one de-duplicated list of label strings per document.

    Parameters
    ----------
    labels : iterable
        Per document, either a str (single-label data) or an iterable of str
        (possibly empty: the document carries no label).
    n_texts : int, optional
        The number of documents; a different number of label entries is an error.

    Returns
    -------
    label_lists : list of list of str
        Labels per document, first occurrence order, duplicates removed.
    plain_strings : bool
        True when every entry was a plain string (single-label input).

    Raises
    ------
    DataError
        For a count that does not match ``n_texts``, a label that is not a
        non-empty str, or an entry that is neither a str nor a list of str.

    Examples
    --------
    >>> normalize_label_lists([["energy", "energy"], "tourism", []])
    ([['energy'], ['tourism'], []], False)
    """
    if isinstance(labels, (str, bytes)):
        raise DataError("labels must be one entry per document (a list), not a single string")
    if isinstance(labels, np.ndarray) and labels.ndim == 2:
        raise DataError("labels must be label names per document; pass an indicator matrix to TopicTagger instead")
    if isinstance(labels, dict) or not isinstance(labels, Iterable):
        raise DataError(f"labels must be one entry per document (a list), got {type(labels).__name__}")
    out: list[list[str]] = []
    plain = True
    for i, entry in enumerate(labels):
        if isinstance(entry, str):
            entry = [entry]
        else:
            plain = False
            if entry is None:
                entry = []
            elif isinstance(entry, (bytes, dict)) or not isinstance(entry, Iterable):
                raise DataError(
                    f"labels[{i}] must be a label string or a list of label strings, got {type(entry).__name__}"
                )
        seen: dict[str, None] = {}
        for label in entry:
            if not isinstance(label, str):
                raise DataError(f"labels[{i}] contains {label!r} ({type(label).__name__}); labels must be strings")
            label = label.strip()
            if not label:
                raise DataError(f"labels[{i}] contains an empty label")
            if not label.isascii():
                try:
                    label.encode("utf-8")
                except UnicodeEncodeError:
                    # It could not be written to the model file.
                    raise DataError(f"labels[{i}] contains {label!r}, which is not valid Unicode text") from None
            seen.setdefault(label, None)
        out.append(list(seen))
    if n_texts is not None and len(out) != n_texts:
        raise DataError(f"got {n_texts} texts but {len(out)} label entries; they must match one to one")
    return out, plain and bool(out)


def indicator_matrix(label_lists: Sequence[Sequence[str]], classes: Sequence[str]) -> np.ndarray:
    """Return the (n_documents, n_classes) 0/1 matrix; unknown labels are ignored.

    Examples
    --------
    >>> indicator_matrix([["b"], ["a", "b"], []], ["a", "b"]).tolist()
    [[0, 1], [1, 1], [0, 0]]
    """
    column = {label: j for j, label in enumerate(classes)}
    matrix = np.zeros((len(label_lists), len(classes)), dtype=np.int8)
    for i, labels in enumerate(label_lists):
        for label in labels:
            j = column.get(label)
            if j is not None:
                matrix[i, j] = 1
    return matrix
