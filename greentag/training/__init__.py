"""Training: from labeled documents to a :class:`~greentag.model.Tagger`.

Two ways in, one recipe:

- :mod:`.in_memory` (``train``, ``fit_tagger``): the documents in memory,
  one linear SVM per label, k-fold out-of-fold scores;
- :mod:`.out_of_core` (``train(..., out_of_core=True)``, ``train_out_of_core``):
  a stream read in chunks, SGD per label, a held-out slice;
- :mod:`.recipe`: what both share, from the data fingerprint to calibration,
  thresholds and building the model; :mod:`.options`: the settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import InputTypeError, OptionError
from ..model import Tagger
from .in_memory import fit_tagger
from .options import OPTION_NAMES, TrainOptions
from .out_of_core import train_out_of_core
from .recipe import data_fingerprint

__all__ = ["OPTION_NAMES", "TrainOptions", "data_fingerprint", "fit_tagger", "train", "train_out_of_core"]


def train(
    texts: Iterable[Any] | Callable[[], Iterable[Any]],
    labels: Iterable[Any] | Callable[[], Iterable[Any]] | None = None,
    *,
    langs: Sequence[str | None] | None = None,
    groups: Sequence[Any] | None = None,
    n_jobs: int | None = None,
    out_of_core: bool = False,
    **options: Any,
) -> Tagger:
    """Train a tagger on labeled documents.

    Parameters
    ----------
    texts : iterable of str
        The documents.
    labels : iterable
        For each document, a list of its labels (possibly empty), or a plain
        string for single-label data.
    langs : sequence of str or None, optional
        Each document's language (one of the model's ``languages``), as a
        JSONL ``lang`` field gives it (:func:`greentag.data.read_languages`);
        ``None``, for all or for one, detects it.
    groups : sequence, optional
        A group for each document (its source, its writer, its style). The
        cross-validation that calibrates the scores and tunes the thresholds
        then keeps each group within one fold, so the thresholds are tuned on
        documents unlike those each fold was fitted on, as real text will be.
    n_jobs : int, optional
        Worker processes for the cross-validation fits; ``-1`` uses every
        core. The result does not depend on it.
    out_of_core : bool, default=False
        Stream the data in chunks instead of holding it in memory (see
        :func:`~greentag.training.train_out_of_core`, which also takes
        ``chunk_size=`` and ``epochs=``). The data is read more than once, so
        ``texts`` may then also be a function returning a fresh iterator of
        ``(text, labels)`` records, with ``labels`` omitted.
    **options
        Any :class:`TrainOptions` setting by its flat name, for example
        ``min_df=3``, ``ngram_range=(1, 1)``, ``C=0.5``, ``cv=3``.

    Returns
    -------
    Tagger

    Raises
    ------
    DataError
        For empty data, mismatched lengths, bad labels or no labeled document.
    InputTypeError
        For a text that is not a str (also a ``TypeError``).
    UnknownOptionError, OptionError
        For an unknown option (a ``TypeError``) or a bad value (a ``ValueError``).

    Examples
    --------
    >>> texts = ["solar farm opens", "wind turbines installed", "rail freight grows",
    ...          "new container port", "solar panels and wind", "freight trains on the corridor"]
    >>> labels = [["green"], ["green"], ["transport"], ["transport"], ["green"], ["transport"]]
    >>> model = train(texts, labels, min_df=1, cv=2)
    >>> model.labels
    ['green', 'transport']
    >>> model.tag("a solar farm")[0].label
    'green'
    """
    if out_of_core:
        if langs is not None or groups is not None:
            raise OptionError("langs= and groups= are not supported with out_of_core=True")
        return train_out_of_core(texts, labels, n_jobs=n_jobs, **options)
    if callable(texts) or callable(labels) or labels is None:
        raise InputTypeError("train needs texts and labels as iterables; records or functions need out_of_core=True")
    return fit_tagger(texts, labels, TrainOptions.from_kwargs(**options), n_jobs=n_jobs, langs=langs, groups=groups)
