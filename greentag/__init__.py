"""greentag: tag news and policy documents with topics.

>>> import greentag
>>> tags = greentag.tag("Kazakhstan and China open an electric truck corridor.")
>>> [t.label for t in tags]  # doctest: +SKIP
['transport_logistics', 'green_technology']

The functions here are thin calls into one :class:`Tagger`: the shipped
default model (:func:`load_default`), or one you train with :func:`train` or
load with :meth:`Tagger.load`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .default import load_default
from .errors import DataError, GreentagError, GreentagWarning, InputTypeError, LabelWarning, ModelError
from .language import LANGUAGES, detect_language
from .model import Explanation, Tag, Tagger

if TYPE_CHECKING:
    import pandas

    from .data import read_dataset
    from .estimator import TopicTagger
    from .training import train

__all__ = [
    "LANGUAGES",
    "DataError",
    "Explanation",
    "GreentagError",
    "GreentagWarning",
    "InputTypeError",
    "LabelWarning",
    "ModelError",
    "Tag",
    "Tagger",
    "TopicTagger",
    "__version__",
    "detect_language",
    "explain",
    "load",
    "load_default",
    "read_dataset",
    "tag",
    "tag_frame",
    "tag_many",
    "tag_stream",
    "train",
]


def __getattr__(name: str) -> Any:
    # Loaded on first use, so that a process that only tags does not pay for
    # them: scikit-learn's estimator machinery would more than double the
    # time of ``import greentag``, and training and reading datasets add a
    # tenth to a cold start.
    if name == "TopicTagger":
        from .estimator import TopicTagger

        return TopicTagger
    if name == "train":
        from .training import train

        return train
    if name == "read_dataset":
        from .data import read_dataset

        return read_dataset
    raise AttributeError(f"module 'greentag' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def tag(text: str, *, threshold: float | None = None, top_k: int | None = None, lang: str | None = None) -> list[Tag]:
    """Tag one document with the default model; see :meth:`Tagger.tag`.

    Examples
    --------
    >>> tags = tag("The new metro line and the rail freight terminal open next year.")
    >>> tags[0].label
    'transport_logistics'
    >>> 0.0 <= tags[0].score <= 1.0
    True
    """
    return load_default().tag(text, threshold=threshold, top_k=top_k, lang=lang)


def tag_many(
    texts: Iterable[str],
    *,
    threshold: float | None = None,
    top_k: int | None = None,
    lang: str | None = None,
    n_jobs: int | None = None,
    batch_size: int = 1000,
) -> list[list[Tag]]:
    """Tag many documents with the default model; see :meth:`Tagger.tag_many`.

    Examples
    --------
    >>> texts = ["Wind farms feed the power grid.", "The port opens a container terminal."]
    >>> results = tag_many(texts)
    >>> results == [tag(text) for text in texts]
    True
    """
    return load_default().tag_many(
        texts, threshold=threshold, top_k=top_k, lang=lang, n_jobs=n_jobs, batch_size=batch_size
    )


def tag_stream(
    texts: Iterable[str],
    *,
    threshold: float | None = None,
    top_k: int | None = None,
    lang: str | None = None,
    n_jobs: int | None = None,
    batch_size: int = 1000,
) -> Iterator[list[Tag]]:
    """Lazily tag a stream of documents with the default model; see :meth:`Tagger.tag_stream`.

    Examples
    --------
    >>> lines = (f"Wind farm {i} feeds the power grid." for i in range(1000))
    >>> stream = tag_stream(lines, batch_size=100)
    >>> next(stream) == tag("Wind farm 0 feeds the power grid.")
    True
    """
    return load_default().tag_stream(
        texts, threshold=threshold, top_k=top_k, lang=lang, n_jobs=n_jobs, batch_size=batch_size
    )


def explain(text: str, *, top_n: int = 10, lang: str | None = None) -> list[Explanation]:
    """Explain each tag the default model gives ``text``; see :meth:`Tagger.explain`.

    Examples
    --------
    >>> explanation = explain("Wind farms and solar panels for the grid")[0]
    >>> explanation.label in load_default().labels
    True
    """
    return load_default().explain(text, top_n=top_n, lang=lang)


def tag_frame(
    df: pandas.DataFrame,
    text_column: str = "text",
    *,
    model: Tagger | str | os.PathLike[str] | None = None,
    scores: bool = False,
    threshold: float | None = None,
    top_k: int | None = None,
    n_jobs: int | None = None,
    batch_size: int = 1000,
    tags_column: str = "tags",
    score_prefix: str = "score_",
) -> pandas.DataFrame:
    """Tag the texts of a pandas DataFrame; see :func:`greentag.frame.tag_frame`.

    pandas is an optional dependency (``pip install "greentag[pandas]"``),
    imported only when this function is called.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"text": ["Wind farms and solar panels feed the grid."]})
    >>> tag_frame(df, scores=True).columns[:2].tolist()
    ['text', 'tags']
    """
    from .frame import tag_frame as _tag_frame

    return _tag_frame(
        df,
        text_column,
        model=model,
        scores=scores,
        threshold=threshold,
        top_k=top_k,
        n_jobs=n_jobs,
        batch_size=batch_size,
        tags_column=tags_column,
        score_prefix=score_prefix,
    )


def load(path: str) -> Tagger:
    """Load a model file; the same as :meth:`Tagger.load`.

    Examples
    --------
    >>> from greentag.default import default_model_path
    >>> load(str(default_model_path())).labels == load_default().labels
    True
    """
    return Tagger.load(path)
