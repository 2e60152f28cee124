"""pandas integration: tag the text column of a DataFrame.

pandas is an optional dependency (``pip install "greentag[pandas]"``); this
module is imported only when :func:`tag_frame` is called, so ``import
greentag`` never loads pandas.
"""

from __future__ import annotations

import os
from typing import Any

from .errors import InputTypeError, MissingColumnError
from .model import DEFAULT_BATCH_SIZE, Tagger

try:
    import pandas as pd
except ImportError as exc:  # pragma: no cover - exercised only without pandas
    raise ImportError('greentag.tag_frame needs pandas: pip install "greentag[pandas]"') from exc

__all__ = ["tag_frame"]


def tag_frame(
    df: pd.DataFrame,
    text_column: str = "text",
    *,
    model: Tagger | str | os.PathLike[str] | None = None,
    scores: bool = False,
    threshold: float | None = None,
    top_k: int | None = None,
    n_jobs: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    tags_column: str = "tags",
    score_prefix: str = "score_",
) -> pd.DataFrame:
    """Return a copy of ``df`` with the tags of each row's text.

    Parameters
    ----------
    df : pandas.DataFrame
        The frame; its index and other columns are kept as they are.
    text_column : str, default="text"
        The column holding the documents. Missing values (None, NaN) get no
        tags and NaN scores.
    model : Tagger, path or None, default=None
        A model, a model file to load, or None for the shipped default model.
    scores : bool, default=False
        Also add one column per label with its calibrated probability,
        named ``score_prefix + label`` in the model's label order.
    threshold, top_k : optional
        As in :meth:`greentag.Tagger.tag`.
    n_jobs : int, optional
        Worker processes for tagging (``-1``: every core).
    batch_size : int, default=1000
        Documents per batch handed to a worker.
    tags_column : str, default="tags"
        Name of the added column holding each row's list of labels, best first.
    score_prefix : str, default="score_"
        Prefix of the score columns.

    Returns
    -------
    pandas.DataFrame
        A new frame. Added columns replace existing columns of the same name,
        as with :meth:`pandas.DataFrame.assign`, so tagging a tagged frame
        again refreshes its tags.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame.
    KeyError
        If ``text_column`` is not one of its columns.
    InputTypeError
        If a cell of ``text_column`` is neither a str nor missing; the
        message names the row.

    Examples
    --------
    >>> import pandas as pd
    >>> from greentag import load_default
    >>> from greentag.frame import tag_frame
    >>> df = pd.DataFrame({"text": ["The new metro line opens next year.", None]}, index=["a", "b"])
    >>> tagged = tag_frame(df, scores=True)
    >>> tagged.loc["a", "tags"][0] in load_default().labels
    True
    >>> tagged.loc["b", "tags"]
    []
    >>> [c for c in tagged.columns if c.startswith("score_")] == ["score_" + l for l in load_default().labels]
    True
    """
    if not isinstance(df, pd.DataFrame):
        hint = f"; use series.to_frame({text_column!r})" if isinstance(df, pd.Series) else ""
        raise InputTypeError(f"tag_frame expects a pandas DataFrame, got {type(df).__name__}{hint}")
    if text_column not in df.columns:
        raise MissingColumnError(f"no column {text_column!r} in the frame; its columns are {list(df.columns)}")
    tagger = _resolve_model(model)

    cells = df[text_column].tolist()
    present = []
    for position, cell in enumerate(cells):
        if isinstance(cell, str):
            present.append(position)
        elif not _is_missing(cell):
            raise InputTypeError(
                f"{text_column!r} at row {df.index[position]!r} is {type(cell).__name__}, expected str "
                "(or a missing value)"
            )
    texts = [cells[i] for i in present]

    tags: list[list[str]] = [[] for _ in cells]
    for position, row_tags in zip(
        present,
        tagger.tag_many(texts, threshold=threshold, top_k=top_k, n_jobs=n_jobs, batch_size=batch_size),
        strict=True,
    ):
        tags[position] = [t.label for t in row_tags]
    added: dict[str, Any] = {tags_column: pd.Series(tags, index=df.index, dtype=object)}

    if scores:
        import numpy as np

        values = np.full((len(cells), len(tagger.labels)), np.nan)
        if texts:
            values[present] = tagger.predict_proba(texts)
        for j, label in enumerate(tagger.labels):
            added[score_prefix + label] = pd.Series(values[:, j], index=df.index)
    return df.assign(**added)


def _resolve_model(model: Tagger | str | os.PathLike[str] | None) -> Tagger:
    if model is None:
        from .default import load_default

        return load_default()
    if isinstance(model, Tagger):
        return model
    if isinstance(model, (str, os.PathLike)):
        return Tagger.load(model)
    raise InputTypeError(f"model must be a Tagger, a model file path or None, got {type(model).__name__}")


def _is_missing(value: object) -> bool:
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))
