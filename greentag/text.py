"""Text preprocessing: normalisation, tokenisation, stop words and stemming.

Every stage is a small callable built by a ``build_*`` factory, and
:func:`build_analyzer` composes them into the function that turns a document
into the list of terms (stemmed unigrams and bigrams) that the TF-IDF features
count. Nothing here needs NLTK data files: NLTK's stop-word list is used when
its data happens to be installed, and a built-in list otherwise.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any, Literal, TypeVar, cast

from . import kazakh
from .chinese import HAN_RUN, SEGMENTERS, build_segmenter
from .errors import GreentagWarning, OptionError, warn
from .language import LANGUAGES, detect_language
from .passages import split_passages
from .stemmers import porter_class, snowball_class

__all__ = [
    "Analyzer",
    "TextOptions",
    "build_analyzer",
    "build_normalizer",
    "build_stemmer",
    "build_tokenizer",
    "resolve_stop_words",
]

URL_TOKEN = "_url_"
EMAIL_TOKEN = "_email_"
NUMBER_TOKEN = "_num_"

# Words are runs of letters/digits, with inner apostrophes ("china's") kept
# so the stemmer can strip them. Numbers keep their separators ("5,93") so a
# figure becomes one placeholder instead of several.
_WORD = r"\w+(?:['\u2019]\w+)*"
_NUMBER = r"\d+(?:[.,]\d+)*(?!\w)"
_URL = r"(?:https?://|www\.)[^\s<>\"']+"
# The lookbehind starts an address only where a run of address characters
# starts: without it a long run like "a.a.a..." is rescanned from each of its
# positions, which takes quadratic time (hours for a megabyte).
_EMAIL = r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
# Trying the URL and e-mail branches at every word start doubles the cost of
# tokenising, so they are only used when the text could contain one.
_PLAIN_RE = re.compile(f"{_NUMBER}|{_WORD}")
_RICH_RE = re.compile(f"{_URL}|{_EMAIL}|{_NUMBER}|{_WORD}")
_HOST_SEPARATORS = re.compile(r"[\W_]+")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
# Only markup is stripped: a tag whose name is an HTML element, a comment, a
# doctype or a processing instruction. Other text in angle brackets is content
# (Reuters' "<TWA>" tickers, "Jane <jane@example.org>", "x < 5 ... y > 3"),
# and stripping every "<...>" span once cost 0.4 points of accuracy on
# 20 Newsgroups. The {0,2000} bound and [^<>] keep every match attempt short.
_HTML_ELEMENT_NAMES = (
    "a abbr address area article aside audio b base bdi bdo big blockquote body br button canvas caption "
    "center cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset "
    "figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i "
    "iframe img input ins kbd label legend li link main map mark menu meta meter nav noscript object ol "
    "optgroup option output p param picture pre progress q rp rt ruby s samp script section select small "
    "source span strike strong style sub summary sup svg table tbody td template textarea tfoot th thead "
    "time title tr track tt u ul var video wbr"
)
_HTML_ELEMENTS = frozenset(_HTML_ELEMENT_NAMES.split())
_TAG_RE = re.compile(r"<[!?][^<>]{0,2000}>|</?([a-zA-Z][a-zA-Z0-9]{0,15})(?=[\s/>])[^<>]{0,2000}>")
# Script and style elements hold code, not prose: their content goes too.
_CODE_OPEN_RE = re.compile(r"<(script|style)(?=[\s>])[^<>]{0,2000}>", re.IGNORECASE)
_CODE_CLOSE_RE = {name: re.compile(f"</{name}", re.IGNORECASE) for name in ("script", "style")}

# scikit-learn's English list is a good fallback but it drops words that carry
# topic meaning in news ("interest" rates, steel "mill", copper "mine", UN).
_CONTENT_WORDS_IN_SKLEARN_LIST = frozenset(
    [
        "amount",
        "bill",
        "bottom",
        "call",
        "con",
        "cry",
        "describe",
        "detail",
        "empty",
        "fill",
        "find",
        "fire",
        "found",
        "front",
        "full",
        "interest",
        "mill",
        "mine",
        "move",
        "name",
        "part",
        "serious",
        "show",
        "side",
        "sincere",
        "system",
        "thick",
        "thin",
        "top",
        "un",
    ]
)

_STOP_WORD_SOURCES = ("english", "nltk", "sklearn")
# The caches are bounded by entry count, so only short keys may enter: a
# stream of documents each holding one unique megabyte-long "word" would
# otherwise keep up to cache_size megabytes alive. Real words are far shorter.
MAX_CACHED_LENGTH = 64
_STEMMERS = ("snowball", "porter")
_KAZAKH_STEMMERS = ("suffixes", "ngrams")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_KAZAKH_LETTERS_RE = re.compile(r"[әғқңөұүһі]")
_COMPOUND_RE = re.compile(r"\w+(?:-\w+)+")
# Punctuation that can wrap a word or a number without adding a token or a
# compound: "(Corridors)," tokenises as "corridors" (see Analyzer.bare_chunk).
_WRAPPING = ".,;:!?\"'()[]\u00ab\u00bb\u201c\u201d\u2018\u2019"
# What a chunk cache holds for a chunk: its terms (Analyzer) or their ids (Scorer).
_Cached = TypeVar("_Cached")

#: Acronyms kept apart from the words they spell in lower case ("IT" is not
#: the stop word "it", "US" not "us"); they become terms such as ``_it``.
DEFAULT_ACRONYMS: tuple[str, ...] = (
    "AI", "EV", "EVs", "GDP", "ICT", "IT", "LNG", "US", "ВВП", "ИИ", "ИТ", "ЖИ", "СПГ", "ЖІӨ",
)  # fmt: skip

# What a model file written before an option existed meant by its absence.
_LEGACY_TEXT_OPTIONS: dict[str, Any] = {"languages": ("en",), "acronyms": None, "compounds": False}


@dataclass(frozen=True)
class TextOptions:
    """How documents are turned into terms; stored inside every model file.

    Parameters
    ----------
    unicode_form : {"NFKC", "NFC", None}, default="NFKC"
        Unicode normalisation applied first, so that full-width letters,
        ligatures and compatibility characters match their plain forms.
    lowercase : bool, default=True
        Lowercase the text before tokenising.
    strip_html : bool, default=True
        Drop HTML markup (tags of HTML elements, comments, doctypes, and
        the code inside ``<script>`` and ``<style>``) and decode entities
        such as ``&amp;``. Other text in angle brackets, such as a ticker
        ``<TWA>`` or an address ``<jane@example.org>``, is kept.
    placeholders : bool, default=True
        Replace URLs, e-mail addresses and numbers by the placeholder terms
        ``_url_``, ``_email_`` and ``_num_`` instead of dropping them.
    stop_words : str, list of str or None, default="english"
        ``"english"`` uses NLTK's list when its data is installed and the
        built-in list otherwise; ``"nltk"`` and ``"sklearn"`` pick one;
        a list gives the words; ``None`` keeps every word. A trained model
        stores the resolved list, so it behaves the same on every machine.
    stemmer : {"snowball", "porter", None}, default="snowball"
        NLTK stemmer applied to each token (cached).
    min_token_length : int, default=2
        Shorter tokens are dropped.
    ngram_range : tuple of int, default=(1, 2)
        Smallest and largest n-gram of terms to produce.
    passage_min_words : int or None, default=40
        Passages scored on their own are paragraphs merged until they have
        at least this many words (see :mod:`greentag.passages`); ``None``
        scores whole documents only.
    languages : tuple of str, default=("en", "ru", "zh", "kk")
        The languages read (see :mod:`greentag.language`). Latin words take
        the English pipeline, Han characters the Chinese one, and Cyrillic
        words NLTK's Snowball Russian stemmer or the Kazakh suffix stripper,
        by the document's language. ``("en",)`` is the English-only
        pipeline of greentag 0.1 (every word as an English word).
    acronyms : tuple of str or None, default=DEFAULT_ACRONYMS
        Upper-case words kept as their own terms before lowercasing.
    compounds : bool, default=True
        A hyphenated word ("e-government") is a term of its own as well as
        its parts.
    chinese : {"chars", "jieba"}, default="chars"
        How runs of Han characters become terms (see :mod:`greentag.chinese`).
    kazakh : {"suffixes", "ngrams"}, default="suffixes"
        Kazakh words are stemmed by :func:`greentag.kazakh.stem` or split
        into character 4-grams.
    """

    unicode_form: str | None = "NFKC"
    lowercase: bool = True
    strip_html: bool = True
    placeholders: bool = True
    stop_words: str | tuple[str, ...] | None = "english"
    stemmer: str | None = "snowball"
    min_token_length: int = 2
    ngram_range: tuple[int, int] = field(default=(1, 2))
    passage_min_words: int | None = 40
    languages: tuple[str, ...] = LANGUAGES
    acronyms: tuple[str, ...] | None = DEFAULT_ACRONYMS
    compounds: bool = True
    chinese: str = "chars"
    kazakh: str = "suffixes"

    def __post_init__(self) -> None:
        # Lists become tuples so options stay hashable and comparable.
        if isinstance(self.stop_words, (list, set, frozenset)):
            object.__setattr__(self, "stop_words", tuple(sorted(self.stop_words, key=str)))
        object.__setattr__(self, "ngram_range", tuple(self.ngram_range))
        for name in ("languages", "acronyms"):
            value = getattr(self, name)
            if isinstance(value, (list, set, frozenset)):
                object.__setattr__(self, name, tuple(value))
        self.validate()

    @property
    def multilingual(self) -> bool:
        """Whether words are routed by script (anything but the English-only pipeline)."""
        return self.languages != ("en",)

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first bad option."""
        if self.unicode_form not in ("NFKC", "NFC", "NFKD", "NFD", None):
            raise OptionError(f"unicode_form must be 'NFKC', 'NFC', 'NFKD', 'NFD' or None, got {self.unicode_form!r}")
        if isinstance(self.stop_words, str) and self.stop_words not in _STOP_WORD_SOURCES:
            raise OptionError(
                f"stop_words must be one of {_STOP_WORD_SOURCES}, a list of words or None, got {self.stop_words!r}"
            )
        if not (
            self.stop_words is None
            or isinstance(self.stop_words, str)
            or (isinstance(self.stop_words, tuple) and all(isinstance(word, str) for word in self.stop_words))
        ):
            raise OptionError(
                f"stop_words must be one of {_STOP_WORD_SOURCES}, a list of words or None, got {self.stop_words!r:.80}"
            )
        if self.stemmer not in (*_STEMMERS, None):
            raise OptionError(f"stemmer must be one of {_STEMMERS} or None, got {self.stemmer!r}")
        languages = self.languages
        if (
            not isinstance(languages, tuple)
            or not languages
            or len(set(languages)) != len(languages)
            or not set(languages) <= set(LANGUAGES)
        ):
            raise OptionError(f"languages must be distinct codes among {LANGUAGES}, got {languages!r}")
        if self.acronyms is not None and not (
            isinstance(self.acronyms, tuple) and all(isinstance(a, str) and a.isalpha() for a in self.acronyms)
        ):
            raise OptionError(f"acronyms must be a list of words or None, got {self.acronyms!r:.80}")
        if self.chinese not in SEGMENTERS:
            raise OptionError(f"chinese must be one of {SEGMENTERS}, got {self.chinese!r}")
        if self.kazakh not in _KAZAKH_STEMMERS:
            raise OptionError(f"kazakh must be one of {_KAZAKH_STEMMERS}, got {self.kazakh!r}")
        for name in ("lowercase", "strip_html", "placeholders", "compounds"):
            # A model file is untrusted: "no" would otherwise count as True.
            if not isinstance(getattr(self, name), bool):
                raise OptionError(f"{name} must be True or False, got {getattr(self, name)!r}")
        words = self.passage_min_words
        if words is not None and (isinstance(words, bool) or not isinstance(words, int) or words < 1):
            raise OptionError(f"passage_min_words must be a positive int or None, got {words!r}")
        length = self.min_token_length
        if isinstance(length, bool) or not isinstance(length, int) or length < 1:
            raise OptionError(f"min_token_length must be a positive int, got {self.min_token_length!r}")
        low, high = self.ngram_range if len(self.ngram_range) == 2 else (0, -1)
        if (
            isinstance(low, bool)
            or isinstance(high, bool)
            or not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high <= 3)
        ):
            raise OptionError(
                f"ngram_range must be (min_n, max_n) with 1 <= min_n <= max_n <= 3, got {self.ngram_range!r}"
            )

    def resolved(self) -> TextOptions:
        """Return a copy whose ``stop_words`` is the explicit word list."""
        words = resolve_stop_words(self.stop_words, self.languages)
        return TextOptions(**{**asdict(self), "stop_words": tuple(sorted(words))})

    def to_dict(self) -> dict[str, Any]:
        """Return the options as JSON-ready data."""
        data = asdict(self)
        data["ngram_range"] = list(self.ngram_range)
        data["languages"] = list(self.languages)
        if isinstance(self.stop_words, tuple):
            data["stop_words"] = list(self.stop_words)
        if isinstance(self.acronyms, tuple):
            data["acronyms"] = list(self.acronyms)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextOptions:
        """Build options from :meth:`to_dict` output, ignoring nothing silently.

        An option missing from ``data`` takes the value that data written
        before the option existed meant (English only, no acronyms, no
        compounds), so an old model file reads its text exactly as before.
        """
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise OptionError(f"unknown text options: {sorted(unknown)}")
        data = {**_LEGACY_TEXT_OPTIONS, **data}
        for name in ("languages", "acronyms"):
            if isinstance(data.get(name), list):
                data[name] = tuple(data[name])
        if isinstance(data.get("stop_words"), list):
            data["stop_words"] = tuple(data["stop_words"])
        if "ngram_range" in data:
            data["ngram_range"] = tuple(data["ngram_range"])
        return cls(**data)


def resolve_stop_words(stop_words: str | Iterable[str] | None, languages: Sequence[str] = ("en",)) -> frozenset[str]:
    """Return the stop-word set for a ``stop_words`` option.

    ``"english"`` prefers NLTK's list and falls back to the built-in one when
    NLTK's data is not installed; nothing is ever downloaded. A named source
    also brings the function words of the other ``languages``: Russian and
    Chinese from the ``stop-words`` package, Kazakh from
    :data:`greentag.kazakh.STOP_WORDS`. A list gives every word itself.

    Examples
    --------
    >>> "the" in resolve_stop_words("sklearn")
    True
    >>> "interest" in resolve_stop_words("sklearn")
    False
    >>> resolve_stop_words(None)
    frozenset()
    """
    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        return _english_stop_words(stop_words) | _other_stop_words(languages)
    return frozenset(str(word).lower() for word in stop_words)


def _english_stop_words(stop_words: str) -> frozenset[str]:
    if stop_words == "sklearn":
        return _sklearn_stop_words()
    if stop_words == "nltk":
        words = _nltk_stop_words()
        if words is None:
            raise OptionError("stop_words='nltk' needs NLTK's 'stopwords' data; install it or use 'english'")
        return words
    if stop_words == "english":
        return _nltk_stop_words() or _sklearn_stop_words()
    raise OptionError(f"stop_words must be one of {_STOP_WORD_SOURCES}, a list of words or None, got {stop_words!r}")


def _other_stop_words(languages: Sequence[str]) -> frozenset[str]:
    words: set[str] = set()
    if "kk" in languages:
        words |= kazakh.STOP_WORDS
    kept = [name for lang, name in (("ru", "russian"), ("zh", "chinese")) if lang in languages]
    if kept:
        try:
            from stop_words import get_stop_words
        except ImportError as error:
            raise ImportError("Russian and Chinese stop words need the stop-words package") from error
        for name in kept:
            words.update(word.lower() for word in get_stop_words(name))
    return frozenset(words)


def _sklearn_stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) - _CONTENT_WORDS_IN_SKLEARN_LIST


def _nltk_stop_words() -> frozenset[str] | None:
    try:
        from nltk.corpus import stopwords

        return frozenset(stopwords.words("english"))
    except (LookupError, OSError, ImportError):
        return None


def build_normalizer(
    *, unicode_form: str | None = "NFKC", lowercase: bool = True, strip_html: bool = True
) -> Callable[[str], str]:
    """Return ``normalize(text) -> text`` for the given settings.

    Examples
    --------
    >>> build_normalizer()("\uff27reen <b>Energy</b> &amp; Co")
    'green  energy  & co'
    """

    # TextOptions has checked the form; the cast names the strings it can be.
    form = cast("Literal['NFC', 'NFD', 'NFKC', 'NFKD'] | None", unicode_form)

    def normalize(text: str) -> str:
        if strip_html:
            if "<" in text:
                text = _TAG_RE.sub(_strip_tag, _drop_code_elements(text))
            if "&" in text:
                text = html.unescape(text)
        if form is not None and not text.isascii():
            text = unicodedata.normalize(form, text)
        return text.lower() if lowercase else text

    return normalize


def build_acronym_marker(acronyms: Sequence[str]) -> Callable[[str], str]:
    """Return ``mark(text)``: each acronym becomes ``_`` plus its lower case, a plural its singular.

    The analyzer applies it to each new whitespace chunk before lowercasing it,
    so that "IT" stays apart from the stop word "it".

    Examples
    --------
    >>> build_acronym_marker(["IT", "EVs"])("IT-firms export EVs; it works")
    '_it-firms export _ev; it works'
    """
    terms = {a: "_" + (a[:-1] if a.endswith("s") and a[:-1].isupper() else a).lower() for a in acronyms}
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(terms, key=len, reverse=True))) + r")(?!\w)")

    def mark(text: str) -> str:
        return pattern.sub(lambda match: terms[match.group(0)], text)

    return mark


def _strip_tag(match: re.Match[str]) -> str:
    name = match.group(1)
    return " " if name is None or name.lower() in _HTML_ELEMENTS else match.group(0)


def _drop_code_elements(text: str) -> str:
    """Replace each ``<script>`` and ``<style>`` element, content included, by a space.

    An element without its closing tag is left for the tag pass, and the
    scan stops there: each search starts where the last one ended, so the
    work stays linear in the text.
    """
    pieces: list[str] = []
    position = 0
    while (opening := _CODE_OPEN_RE.search(text, position)) is not None:
        closing = _CODE_CLOSE_RE[opening.group(1).lower()].search(text, opening.end())
        if closing is None:
            break
        pieces += (text[position : opening.start()], " ")
        position = closing.start()  # the closing tag itself goes with the tag pass
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


def build_tokenizer() -> Callable[[str], list[str]]:
    """Return ``tokenize(text) -> tokens``; it needs no NLTK data.

    No token ever contains whitespace, so tokenising a text equals tokenising
    its whitespace-separated chunks one by one (:class:`Analyzer` relies on it).

    Examples
    --------
    >>> build_tokenizer()("china's 5g rollout: 1,250 towers, see www.example.org")
    ["china's", '5g', 'rollout', '1,250', 'towers', 'see', 'www.example.org']
    """

    def tokenize(text: str) -> list[str]:
        if "@" in text or "://" in text or "www." in text:
            return _RICH_RE.findall(text)
        return _PLAIN_RE.findall(text)

    return tokenize


def build_stemmer(name: str | None = "snowball") -> Callable[[str], str]:
    """Return an NLTK stemmer's ``stem`` function, or the identity for ``None``.

    Examples
    --------
    >>> build_stemmer("snowball")("corridors")
    'corridor'
    """
    if name is None:
        return _identity
    # NLTK's own stemmers, loaded without NLTK's ~1 s package import (see stemmers.py).
    if name == "snowball":
        snowball: Callable[[str], str] = snowball_class()("english").stem
        return snowball
    if name == "porter":
        porter: Callable[[str], str] = porter_class()().stem
        return porter
    raise OptionError(f"stemmer must be one of {_STEMMERS} or None, got {name!r}")


def _identity(token: str) -> str:
    return token


class Analyzer:
    """Turn a document into its terms: unigrams and n-grams of stemmed tokens.

    Built by :func:`build_analyzer`. Results are cached at two levels because
    news repeats the same few thousand words: token -> term, and
    whitespace-separated chunk -> its terms. The chunk cache lets a document
    that repeats known words skip the tokenising regex entirely, which is most
    of the cost of analysing it. Both caches are bounded so that a stream of
    millions of documents cannot grow them without limit.

    With several ``languages``, each token is routed by its script (see
    :class:`TextOptions`), and the caches are kept per document language,
    because a Cyrillic word's stem depends on whether the text is Russian or
    Kazakh. ``lang=None`` in the methods below means "detect it".

    Parameters
    ----------
    options : TextOptions
        The preprocessing settings; ``stop_words`` may be unresolved.
    cache_size : int, default=200_000
        Number of distinct tokens (and, separately, of distinct chunks) kept
        in the caches before they are reset.
    """

    def __init__(self, options: TextOptions, *, cache_size: int = 200_000) -> None:
        self.options = options
        self.cache_size = cache_size
        self.languages = options.languages
        self._multilingual = options.multilingual
        # With acronyms, chunks keep their case until chunk_terms marks the
        # acronyms and lowercases them: only new chunks pay for that, where a
        # pass over every text would cost a quarter of the tagging time.
        self._mark_acronyms = (
            build_acronym_marker(options.acronyms)
            if self._multilingual and options.acronyms and options.lowercase
            else None
        )
        self._acronyms = frozenset(options.acronyms or ()) if self._mark_acronyms is not None else frozenset()
        self._normalize = build_normalizer(
            unicode_form=options.unicode_form,
            lowercase=options.lowercase and self._mark_acronyms is None,
            strip_html=options.strip_html,
        )
        self._tokenize = build_tokenizer()
        self._stem = build_stemmer(options.stemmer)
        self._stop_words = resolve_stop_words(options.stop_words, options.languages)
        self._caches: dict[str, dict[str, str]] = {lang: {} for lang in self.languages}
        # Terms known in advance (a model's token_terms): they survive a reset of the caches.
        self._known: dict[str, Mapping[str, str]] = {}
        self._chunk_caches: dict[str, dict[str, tuple[str, ...]]] = {lang: {} for lang in self.languages}
        first = self.languages[0]
        self._cache, self._chunks = self._caches[first], self._chunk_caches[first]
        if self._multilingual:
            russian: Callable[[str], str] = snowball_class()("russian").stem
            self._cyrillic_stems = {"ru": russian, "kk": kazakh.stem}
            self._segment = build_segmenter(options.chinese)

    def __getstate__(self) -> dict[str, Any]:
        # Callables from NLTK and closures do not pickle; rebuild them instead.
        return {"options": self.options, "cache_size": self.cache_size, "known": self._known}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["options"], cache_size=state["cache_size"])  # type: ignore[misc]
        self.remember(state.get("known", {}))

    def token_terms(self, keep: Collection[str] | None = None) -> dict[str, dict[str, str]]:
        """Return the term of every token in the caches, per document language, sorted by token.

        Training saves these with the model (only tokens whose term is in
        ``keep``, the terms the model's features use), so that a loaded model
        starts with the stems of its training vocabulary instead of computing
        each again: stemming is most of what a first pass over new text costs.
        """
        tables = {}
        for lang, cache in self._caches.items():
            table = {token: term for token, term in sorted(cache.items()) if keep is None or term in keep}
            if table:
                tables[lang] = table
        return tables

    def remember(self, token_terms: Mapping[str, Mapping[str, str]]) -> None:
        """Fill the token caches with known terms, as :meth:`token_terms` gives them.

        The terms must be what this analyzer computes for those tokens (a
        model's own table is); languages the analyzer does not read are ignored.
        """
        for lang, table in token_terms.items():
            if lang in self._caches:
                self._known[lang] = table
                self._caches[lang].update(table)

    def language(self, text: str, lang: str | None = None) -> str:
        """Return ``lang`` if given, else the detected language of ``text`` among :attr:`languages`."""
        if lang is not None:
            return lang if lang in self._caches else self.languages[0]
        if not self._multilingual:
            return self.languages[0]
        return detect_language(text, self.languages)

    def _term(self, token: str, lang: str = "en") -> str:
        """Map one token to its term ('' drops it); the slow path behind the cache."""
        options = self.options
        if token[0].isdigit() and _NUMBER_RE.fullmatch(token):
            return NUMBER_TOKEN if options.placeholders else ""
        if "@" in token:
            return EMAIL_TOKEN if options.placeholders else ""
        if "://" in token or token.startswith("www."):
            return URL_TOKEN if options.placeholders else ""
        if len(token) < options.min_token_length or token in self._stop_words:
            return ""
        if self._multilingual and token[0] == "_" and options.acronyms:
            return token  # an acronym marked by the normalizer
        token = token.replace("\u2019", "'")
        stem = self._stem
        if self._multilingual and not token.isascii() and _CYRILLIC_RE.search(token):
            stem = self._cyrillic_stems[self._cyrillic_language(token, lang)]
        term = stem(token)
        if term in self._stop_words:
            return ""
        return term

    @staticmethod
    def _cyrillic_language(token: str, lang: str) -> str:
        if lang in ("ru", "kk"):
            return lang
        # A Cyrillic name inside English or Chinese text: its letters tell.
        return "kk" if _KAZAKH_LETTERS_RE.search(token) else "ru"

    def _token_terms(self, token: str, lang: str) -> list[str] | None:
        """The terms of a token that makes several (Han text, Kazakh n-grams); ``None`` for one term."""
        if token.isascii():
            return None
        if HAN_RUN.search(token):
            terms: list[str] = []
            for piece in re.split(f"({HAN_RUN.pattern})", token):
                if not piece:
                    continue
                if HAN_RUN.fullmatch(piece):
                    words = self._segment(piece)
                    # Single characters are parts of words, not function words: only whole words are dropped.
                    terms.extend(
                        words if self.options.chinese == "chars" else (w for w in words if w not in self._stop_words)
                    )
                else:
                    term = self._term(piece, lang)
                    if term:
                        terms.append(term)
            return terms
        if self.options.kazakh == "ngrams" and self._cyrillic_language(token, lang) == "kk":
            if len(token) < self.options.min_token_length or token in self._stop_words:
                return []
            return kazakh.char_ngrams(token)
        return None

    def _address_terms(self, token: str, lang: str = "en") -> list[str]:
        """An e-mail address or a URL: its placeholder, then the words of its host.

        The host says who wrote or where a link points ("nasa", "gov", "who"),
        which is topical; the user name and the path are noise.
        """
        email = "@" in token
        placeholder = EMAIL_TOKEN if email else URL_TOKEN
        terms = [placeholder] if self.options.placeholders else []
        host = token.rsplit("@", 1)[1] if email else token.split("://", 1)[-1].split("/", 1)[0]
        for part in _HOST_SEPARATORS.split(host):
            term = self._term(part, lang) if part and part != "www" else ""
            if term:
                terms.append(term)
        return terms

    def unigrams(self, text: str, lang: str | None = None) -> list[str]:
        """Return the document's terms in order, before n-grams are added."""
        return self._chunks_to_terms(self._normalize(text).split(), self.language(text, lang))

    def passage_unigrams(self, text: str, lang: str | None = None) -> list[list[str]]:
        """Return the unigram terms of each passage of ``text`` (see :mod:`greentag.passages`).

        Concatenated, the passages' terms equal :meth:`unigrams` of the whole text.
        """
        lang = self.language(text, lang)
        return [self._chunks_to_terms(chunks, lang) for chunks in self.passage_chunks(text)]

    def passage_chunks(self, text: str) -> list[list[str]]:
        """Return the whitespace-separated chunks of each passage of the normalised ``text``."""
        normalized = self._normalize(text)
        min_words = self.options.passage_min_words
        if min_words is None:
            return [normalized.split()]
        return split_passages(normalized, min_words)

    def _chunks_to_terms(self, chunks: list[str], lang: str) -> list[str]:
        # No token can contain whitespace (see build_tokenizer), so the text's
        # tokens are the tokens of its whitespace-separated chunks, in order,
        # and a chunk's terms can be cached like a token's.
        cache = self._chunk_caches[lang]
        if len(cache) > self.cache_size:
            cache.clear()
        get = cache.get
        terms: list[str] = []
        extend = terms.extend
        for chunk in chunks:
            found = get(chunk)
            if found is None:
                found = self.cache_new_chunk(cache, chunk, lang, tuple)
            extend(found)
        return terms

    def cache_new_chunk(
        self,
        cache: dict[str, _Cached],
        chunk: str,
        lang: str,
        convert: Callable[[tuple[str, ...]], _Cached],
    ) -> _Cached:
        """Return and cache ``convert(terms)`` for a chunk missing from ``cache``.

        Another spelling of a cached chunk ("Ports," after "ports") is a
        lookup by its :meth:`bare_chunk`; only a chunk new in every spelling
        is analysed (:meth:`chunk_terms`), and it is cached under both names.
        """
        bare = self.bare_chunk(chunk)
        found = cache.get(bare) if bare != chunk else None
        if found is None:
            found = convert(self.chunk_terms(bare, lang))
            if len(bare) <= MAX_CACHED_LENGTH:
                cache[bare] = found
        if len(chunk) <= MAX_CACHED_LENGTH:
            cache[chunk] = found
        return found

    def bare_chunk(self, chunk: str) -> str:
        """Return a chunk with the same terms as ``chunk`` that its other spellings share.

        A word wrapped in punctuation or written in capitals gives the bare
        word in lower case, and every plain ASCII number gives ``"0"``; any other
        chunk gives itself. The chunk caches look a new chunk up by it, so that
        "Corridors," costs a lookup once "corridors" is known, not an analysis.

        Examples
        --------
        >>> analyzer = build_analyzer()
        >>> analyzer.bare_chunk("(Corridors),"), analyzer.bare_chunk("1,250."), analyzer.bare_chunk("IT,")
        ('corridors', '0', 'IT,')
        """
        core = chunk.strip(_WRAPPING)
        if core.isalpha():
            if self._mark_acronyms is None:
                return core  # already lower case, if the options lowercase at all
            # An acronym is marked before lowercasing, so neither spelling may be one.
            lower = core.lower()
            if lower.isalpha() and core not in self._acronyms and lower not in self._acronyms:
                return lower
        elif core[:1].isdigit() and core.isascii() and _NUMBER_RE.fullmatch(core):
            return "0"  # not other digits: Kazakh n-grams take any non-ASCII token apart
        return chunk

    def chunk_terms(self, chunk: str, lang: str = "en") -> tuple[str, ...]:
        """Return the terms of one whitespace-free chunk; the slow path behind the chunk cache.

        ``lang`` is the document's language (one of :attr:`languages`).
        """
        cache = self._caches[lang]
        if len(cache) > self.cache_size:
            cache.clear()
            cache.update(self._known.get(lang, {}))
        if chunk.isalpha() and chunk not in self._acronyms:
            # A word alone, most new chunks: nothing to mark, and it is its only token.
            if self._mark_acronyms is not None:
                chunk = chunk.lower()
            tokens = [chunk] if chunk.isalpha() else self._tokenize(chunk)
        else:
            if self._mark_acronyms is not None:
                chunk = self._mark_acronyms(chunk).lower()
            tokens = self._tokenize(chunk)
        terms = []
        for token in tokens:
            term = cache.get(token)
            if term is None:
                if "@" in token or "://" in token or token.startswith("www."):
                    terms.extend(self._address_terms(token, lang))
                    continue
                if self._multilingual and (several := self._token_terms(token, lang)) is not None:
                    terms.extend(several)
                    continue
                term = self._term(token, lang)
                if len(token) <= MAX_CACHED_LENGTH:
                    cache[token] = term
            if term:
                terms.append(term)
        if self.options.compounds and "-" in chunk:
            for compound in _COMPOUND_RE.findall(chunk):
                if compound[0] != "_" and (term := self._term(compound, lang)):
                    terms.append(term)
        return tuple(terms)

    def __call__(self, text: str, lang: str | None = None) -> list[str]:
        return ngrams(self.unigrams(text, lang), self.options.ngram_range)

    def surface_forms(self, text: str, lang: str | None = None) -> dict[str, str]:
        """Map each unigram term of ``text`` to the first token that produced it."""
        lang = self.language(text, lang)
        forms: dict[str, str] = {}
        for chunk in self._normalize(text).split():
            if self._mark_acronyms is not None:
                chunk = self._mark_acronyms(chunk).lower()
            for token in self._tokenize(chunk):
                several = self._token_terms(token, lang) if self._multilingual else None
                for term in several if several is not None else [self._term(token, lang)]:
                    if term and term not in forms:
                        forms[term] = token[1:].upper() if term[0] == "_" and term == token else token
            if self.options.compounds and "-" in chunk:
                for compound in _COMPOUND_RE.findall(chunk):
                    term = self._term(compound, lang) if compound[0] != "_" else ""
                    if term and term not in forms:
                        forms[term] = compound
        return forms


def ngrams(terms: Sequence[str], ngram_range: tuple[int, int]) -> list[str]:
    """Return the n-grams of ``terms`` for ``min_n <= n <= max_n``, joined by spaces.

    Examples
    --------
    >>> ngrams(["green", "hydrogen", "plant"], (1, 2))
    ['green', 'hydrogen', 'plant', 'green hydrogen', 'hydrogen plant']
    """
    low, high = ngram_range
    out = list(terms) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        if n == 2:
            out.extend(map(" ".join, pairwise(terms)))
        else:
            out.extend([" ".join(terms[i : i + n]) for i in range(len(terms) - n + 1)])
    return out


def build_analyzer(options: TextOptions | None = None, **overrides: Any) -> Analyzer:
    """Return the analyzer for ``options`` (defaults when omitted).

    Parameters
    ----------
    options : TextOptions, optional
        Base settings.
    **overrides
        Individual :class:`TextOptions` fields that replace those in ``options``.

    Examples
    --------
    >>> analyzer = build_analyzer(stop_words="sklearn")
    >>> analyzer("Electric buses for the Almaty corridors")
    ['electr', 'buse', 'almati', 'corridor', 'electr buse', 'buse almati', 'almati corridor']
    """
    options = options or TextOptions()
    if overrides:
        options = TextOptions(**{**asdict(options), **overrides})
    if options.stemmer is None and options.min_token_length == 1:
        warn("min_token_length=1 without a stemmer keeps single letters; expect noisy terms", GreentagWarning)
    return Analyzer(options)
