"""Chinese text: Han characters as terms, or words from the jieba segmenter.

Chinese is written without spaces, so a sentence reaches the tokenizer as one
run of Han characters. Two ways to find its terms:

- ``"chars"`` (the default): every character is a term, and the analyzer's
  bigrams of adjacent terms are then the character bigrams, which cover most
  two-character words (``光伏``, ``铁路``, ``口岸``) without a dictionary;
- ``"jieba"``: jieba's dictionary-based segmenter (optional; it ships its
  dictionary, but loading it costs about a second) splits the run into words.

``benchmarks/chinese_segmentation.py`` compares the two on the seed corpus.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache

from .errors import OptionError

__all__ = ["HAN_RUN", "SEGMENTERS", "build_segmenter"]

SEGMENTERS = ("chars", "jieba")
#: Runs of Han characters (CJK unified ideographs, extension A, compatibility).
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def build_segmenter(name: str) -> Callable[[str], list[str]]:
    """Return ``segment(run) -> words`` for a run of Han characters.

    Examples
    --------
    >>> build_segmenter("chars")("光伏电站")
    ['光', '伏', '电', '站']
    """
    if name == "chars":
        return list
    if name == "jieba":
        return _jieba_cut()
    raise OptionError(f"chinese segmenter must be one of {SEGMENTERS}, got {name!r}")


@lru_cache(maxsize=1)
def _jieba_cut() -> Callable[[str], list[str]]:
    try:
        import jieba
    except ImportError as error:
        raise ImportError("chinese='jieba' needs the jieba package: pip install jieba") from error
    jieba.setLogLevel(logging.WARNING)  # it logs the dictionary load at INFO
    cut: Callable[[str], list[str]] = jieba.lcut
    return cut
