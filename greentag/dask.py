"""Tagging with Dask: bags of texts and dataframes, on one machine or a cluster.

Dask is an optional extra (``pip install "greentag[dask]"``); this module is
imported only when you import it, so ``import greentag`` never loads Dask.

How the model travels
---------------------
The model file's bytes become a single node of the task graph. With the
``dask.distributed`` scheduler every worker that tags a partition fetches that
node once and keeps it while the computation runs; it is not copied into each
task. Each worker process then builds the model at most once, in a small
per-process cache keyed by the file's SHA-256 (the cache that
:mod:`greentag.parallel` uses too), so tagging a thousand partitions costs one
model load per worker. Any model works: the default, one you trained, or a
model file; workers need greentag installed, not the file.

Point it at a cluster by creating a client first; Dask uses it from then on::

    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import dask.bag
    from dask.delayed import delayed
except ImportError as exc:  # pragma: no cover - exercised only without dask
    raise ImportError('greentag.dask needs Dask: pip install "greentag[dask]"') from exc

from .errors import InputTypeError, MissingColumnError
from .model import DEFAULT_BATCH_SIZE, Tag, Tagger
from .parallel import cached_model, model_handle
from .validation import check_positive_int

__all__ = ["tag_bag", "tag_dataframe"]


@dataclass(frozen=True, repr=False)
class ModelBytes:
    """A model file's bytes and their SHA-256: what a Dask worker needs to build the model.

    Attributes
    ----------
    key : str
        SHA-256 of ``data``; workers cache the built model under it.
    data : bytes
        The model file (a zip of JSON and ``.npy`` arrays; loading it never unpickles).
    """

    key: str
    data: bytes

    def __repr__(self) -> str:
        return f"ModelBytes(key={self.key[:12]}..., {len(self.data):,} bytes)"

    def build(self) -> Tagger:
        """Load the model from the bytes, through the same checks as :meth:`Tagger.load`."""
        fd, name = tempfile.mkstemp(prefix="greentag-", suffix=".gtm")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(self.data)
            return Tagger.load(name)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(name)

    def model(self) -> Tagger:
        """Return this process's copy of the model, building it on first use."""
        return cached_model(self.key, self.build)


def model_bytes(model: Tagger | str | os.PathLike[str] | None) -> tuple[Tagger, ModelBytes]:
    """Resolve ``model`` and return it with the bytes to send to workers.

    Parameters
    ----------
    model : Tagger, path or None
        A model, a model file (loaded here first, so a bad file fails before
        any task runs), or None for the shipped default model.

    Returns
    -------
    (Tagger, ModelBytes)

    Raises
    ------
    TypeError
        For anything else.
    ModelError
        For a model file that does not load.

    Examples
    --------
    >>> tagger, payload = model_bytes(None)
    >>> payload.model().labels == tagger.labels
    True
    """
    if model is None:
        from .default import load_default

        model = load_default()
    if isinstance(model, (str, os.PathLike)):
        model = Tagger.load(model)
    if not isinstance(model, Tagger):
        raise InputTypeError(f"model must be a Tagger, a model file path or None, got {type(model).__name__}")
    # The saved copy the joblib workers use; its hash names the model everywhere.
    handle = model_handle(model)
    return model, ModelBytes(handle.key, Path(handle.path).read_bytes())


def _model_node(payload: ModelBytes) -> Any:
    # A named, pure node: the bytes are one key of the graph, fetched once per worker.
    return delayed(payload, name=f"greentag-model-{payload.key}", pure=True, traverse=False)


def _tag_partition(texts: Iterable[str], payload: ModelBytes, options: dict[str, Any]) -> list[list[Tag]]:
    return payload.model().tag_many(texts, **options)


def tag_bag(
    bag: dask.bag.Bag,
    model: Tagger | str | os.PathLike[str] | None = None,
    *,
    threshold: float | None = None,
    top_k: int | None = None,
    at_least_one: bool | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dask.bag.Bag:
    """Tag a Dask bag of texts; return a bag of tag lists in the same order.

    Parameters
    ----------
    bag : dask.bag.Bag
        Documents, one str per element.
    model : Tagger, path or None, default=None
        The model (see :func:`model_bytes`); None is the shipped default.
    threshold, top_k, at_least_one
        As in :meth:`greentag.Tagger.tag`; checked here, before any task runs.
    batch_size : int, default=1000
        Documents scored at a time inside a partition.

    Returns
    -------
    dask.bag.Bag
        Lazy; each element is the ``list[Tag]`` that ``model.tag`` gives the
        corresponding text (``Tag`` is a named tuple of label and score).

    Raises
    ------
    TypeError
        If ``bag`` is not a Dask bag, or for a bad model argument.
    ValueError
        For a bad threshold or top_k.

    Examples
    --------
    >>> import dask.bag as db
    >>> texts = db.from_sequence(["Wind farms feed the grid", "The port opened a terminal"], npartitions=2)
    >>> tags = tag_bag(texts, top_k=1).compute(scheduler="sync")
    >>> [len(t) for t in tags]
    [1, 1]
    """
    if not isinstance(bag, dask.bag.Bag):
        raise InputTypeError(f"tag_bag expects a dask.bag.Bag, got {type(bag).__name__}")
    tagger, payload = model_bytes(model)
    options = _checked_options(tagger, threshold, top_k, at_least_one, batch_size)
    tagged: dask.bag.Bag = bag.map_partitions(_tag_partition, _model_node(payload), options)  # type: ignore[no-untyped-call]
    return tagged


def _tag_frame_partition(frame: Any, payload: ModelBytes, options: dict[str, Any]) -> Any:
    return _tag_frame(frame, payload.model(), options)


def _tag_frame(frame: Any, model: Tagger, options: dict[str, Any]) -> Any:
    """:func:`greentag.tag_frame`, with the tags column typed as Arrow ``list<string>``.

    Dask cannot see inside an ``object`` column, so it could not write one
    to Parquet; an Arrow list type says exactly what the column holds.
    """
    import pandas as pd
    import pyarrow as pa  # type: ignore[import-untyped]

    from .frame import tag_frame

    tagged = tag_frame(frame, model=model, **options)
    column = options["tags_column"]
    tagged[column] = tagged[column].astype(pd.ArrowDtype(pa.list_(pa.string())))
    return tagged


def tag_dataframe(
    ddf: Any,
    text_column: str = "text",
    model: Tagger | str | os.PathLike[str] | None = None,
    *,
    scores: bool = False,
    threshold: float | None = None,
    top_k: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    tags_column: str = "tags",
    score_prefix: str = "score_",
) -> Any:
    """Tag the text column of a Dask dataframe; each partition as :func:`greentag.tag_frame` would.

    The result has the columns that the pandas function adds, so a Dask
    frame and a pandas frame tagged with the same model agree row for row.
    ``tags_column`` holds each row's labels, best first, in an Arrow
    ``list<string>`` column (``pandas.ArrowDtype``: each cell reads as a
    Python list of str), and with ``scores=True`` one float column per label
    holds its calibrated probability. Both serialise as they are: the frame
    goes to Parquet with ``to_parquet(path)`` and comes back with
    ``dask.dataframe.read_parquet(path, dtype_backend="pyarrow")``.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        The frame; its index, divisions and other columns are kept.
    text_column : str, default="text"
        The column holding the documents; missing values get no tags.
    model : Tagger, path or None, default=None
        The model (see :func:`model_bytes`); None is the shipped default.
    scores : bool, default=False
        Also add ``score_prefix + label`` columns with every label's probability.
    threshold, top_k
        As in :meth:`greentag.Tagger.tag`; checked here, before any task runs.
    batch_size : int, default=1000
        Documents scored at a time inside a partition.
    tags_column, score_prefix : str
        Names of the added columns (existing columns of those names are replaced).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, with the added columns.

    Raises
    ------
    TypeError
        If ``ddf`` is not a Dask dataframe, or for a bad model argument.
    KeyError
        If ``text_column`` is not a column.
    ValueError
        For a bad threshold or top_k.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> frame = pd.DataFrame({"text": ["Wind farms feed the grid", None]})
    >>> tagged = tag_dataframe(dd.from_pandas(frame, npartitions=1)).compute(scheduler="sync")
    >>> tagged["tags"].tolist()[1]
    []
    """
    import dask.dataframe as dd

    if not isinstance(ddf, dd.DataFrame):
        raise InputTypeError(f"tag_dataframe expects a dask.dataframe.DataFrame, got {type(ddf).__name__}")
    if text_column not in ddf.columns:
        raise MissingColumnError(f"no column {text_column!r} in the frame; its columns are {list(ddf.columns)}")
    tagger, payload = model_bytes(model)
    options: dict[str, Any] = _checked_options(tagger, threshold, top_k, None, batch_size)
    del options["at_least_one"]  # tag_frame follows the model's rule
    options.update(text_column=text_column, scores=scores, tags_column=tags_column, score_prefix=score_prefix)
    # The output's columns and dtypes, from the same function on the empty frame.
    meta = _tag_frame(ddf._meta, tagger, options)
    return ddf.map_partitions(_tag_frame_partition, _model_node(payload), options, meta=meta)  # type: ignore[no-untyped-call]


def _checked_options(
    model: Tagger, threshold: float | None, top_k: int | None, at_least_one: bool | None, batch_size: int
) -> dict[str, Any]:
    model.tag_options(
        threshold=threshold, top_k=top_k, at_least_one=at_least_one
    )  # raises OptionError naming a bad value
    check_positive_int("batch_size", batch_size)
    return {"threshold": threshold, "top_k": top_k, "at_least_one": at_least_one, "batch_size": batch_size}
