"""Which language a document is written in: English, Russian, Chinese or Kazakh.

The script decides most documents for free: text without Cyrillic or Han
characters is English, text that is mostly Han is Chinese. Only Cyrillic text
needs a choice, between Russian and Kazakh, and Kazakh writes nine letters
that Russian never uses (ә ғ қ ң ө ұ ү һ і): their share settles all but short
or mixed snippets. Those go to py3langid, an offline detector that ships its
model inside its package, restricted to the two languages; its model costs
about 0.8 s to load, so it is loaded on the first snippet that needs it.

A document's language only chooses how its Cyrillic words are stemmed: Latin
words always take the English pipeline and Han characters the Chinese one, so
a Chinese headline over an English body, or English names inside Russian text,
are read correctly whichever language wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from .errors import OptionError

__all__ = ["LANGUAGES", "check_language", "detect_language"]

#: The languages greentag reads, by ISO 639-1 code.
LANGUAGES: tuple[str, ...] = ("en", "ru", "zh", "kk")

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_KAZAKH_RE = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
# Enough text to know the language; the rest of a long document only costs time.
_SAMPLE = 3000
# In Kazakh news about one Cyrillic letter in twelve is one of the nine; in
# Russian none is. Below these counts the letters alone do not settle it.
_KAZAKH_SHARE = 0.02
_RUSSIAN_MIN_LETTERS = 60


def check_language(lang: Any, languages: Iterable[str] = LANGUAGES) -> str:
    """Return ``lang`` if the model reads it, else raise :class:`~greentag.errors.OptionError`."""
    allowed = tuple(languages)
    if not isinstance(lang, str) or lang not in allowed:
        raise OptionError(f"lang must be one of {allowed}, got {lang!r}")
    return lang


def detect_language(text: str, languages: Iterable[str] = LANGUAGES) -> str:
    """Return the language of ``text``, among ``languages``.

    Parameters
    ----------
    text : str
        The document.
    languages : iterable of str, default=LANGUAGES
        The candidates (a model's languages). The first one is the answer
        when the text gives no evidence, as an empty string does.

    Examples
    --------
    >>> detect_language("Rail freight to Europe doubles")
    'en'
    >>> detect_language("Қазақстан мен Қытай көлік дәлізін дамытады")
    'kk'
    >>> detect_language("Казахстан и Китай развивают транспортный коридор")
    'ru'
    >>> detect_language("中欧班列开行数量创新高")
    'zh'
    """
    candidates = tuple(languages)
    fallback = candidates[0] if candidates else "en"
    sample = text[:_SAMPLE]
    if sample.isascii() or not (_HAN_RE.search(sample) or _CYRILLIC_RE.search(sample)):
        # Latin script (an English text with a dash or an accent, say): no counting needed.
        return "en" if "en" in candidates else fallback
    han = len(_HAN_RE.findall(sample))
    cyrillic = len(_CYRILLIC_RE.findall(sample))
    # A Han character carries about as much as a short Latin word.
    latin_words = len(_LATIN_RE.findall(sample)) / 5
    if han and "zh" in candidates and han >= max(cyrillic, latin_words) / 2:
        return "zh"
    cyrillic_langs = [lang for lang in ("ru", "kk") if lang in candidates]
    if cyrillic and cyrillic >= latin_words and cyrillic_langs:
        if len(cyrillic_langs) == 1:
            return cyrillic_langs[0]
        kazakh = len(_KAZAKH_RE.findall(sample))
        if kazakh >= max(2, _KAZAKH_SHARE * cyrillic):
            return "kk"
        if kazakh == 0 and cyrillic >= _RUSSIAN_MIN_LETTERS:
            return "ru"
        detected: str = _cyrillic_detector()(sample)
        return detected
    if "en" in candidates:
        return "en"
    return fallback


@lru_cache(maxsize=1)
def _cyrillic_detector() -> Any:
    """py3langid restricted to Russian and Kazakh; the letter rule when it is missing."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:  # pragma: no cover - py3langid is a dependency
        return _by_kazakh_letters
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(["ru", "kk"])

    def classify(sample: str) -> str:
        lang: str = identifier.classify(sample)[0]
        return lang

    return classify


def _by_kazakh_letters(sample: str) -> str:
    return "kk" if _KAZAKH_RE.search(sample) else "ru"
