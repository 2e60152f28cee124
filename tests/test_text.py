"""Preprocessing: normalisation, tokens, stop words, stemming, n-grams."""

from __future__ import annotations

import pickle

import pytest

from greentag.text import (
    EMAIL_TOKEN,
    NUMBER_TOKEN,
    URL_TOKEN,
    Analyzer,
    TextOptions,
    build_analyzer,
    build_normalizer,
    build_stemmer,
    build_tokenizer,
    ngrams,
    resolve_stop_words,
)

from .processes import printed_words


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ＡＢＣ Ｇreen", "abc green"),  # full-width letters fold to ASCII (NFKC)
        ("ﬁnance", "finance"),  # ligature
        ("<p>Solar&nbsp;<b>Park</b></p>", " solar  park  "),  # NFKC turns the no-break space into a space
        ("AT&amp;T", "at&t"),
        ("plain", "plain"),
    ],
    ids=["fullwidth", "ligature", "html", "entity", "plain"],
)
def test_normalizer(raw: str, expected: str) -> None:
    assert build_normalizer()(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Trans World Airlines <TWA> said", "trans world airlines <twa> said"),  # a ticker, not a tag
        ("Write to Jane <jane@example.org> today", "write to jane <jane@example.org> today"),
        ("if x < 5 the grid fails\n> quoted reply", "if x < 5 the grid fails\n> quoted reply"),
        ("a <bold> claim", "a <bold> claim"),  # "bold" is no HTML element
        ("<!DOCTYPE html><!-- note --><?xml version='1.0'?>Wind", "   wind"),
        ("<DIV CLASS=x>Wind<BR/></DIV>", " wind  "),
        ("<script type='x'>var grid = 1 < 2;</script>Wind<style>p {}</STYLE >", "  wind  "),
        ("Wind <script>never closed", "wind  never closed"),
    ],
    ids=[
        "ticker",
        "address",
        "comparison-and-quote",
        "not-an-element",
        "doctype-comment-pi",
        "upper-case",
        "script-and-style",
        "unclosed-script",
    ],
)
def test_only_html_markup_is_stripped(raw: str, expected: str) -> None:
    assert build_normalizer()(raw) == expected


def test_normalizer_keeps_case_and_html_when_asked() -> None:
    normalize = build_normalizer(lowercase=False, strip_html=False, unicode_form=None)
    assert normalize("<b>Grid</b>") == "<b>Grid</b>"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kazakh-Chinese trade", ["Kazakh", "Chinese", "trade"]),
        ("China's GDP", ["China's", "GDP"]),
        ("China\u2019s GDP", ["China\u2019s", "GDP"]),
        ("rose 5.93% to 1,250 tonnes", ["rose", "5.93", "to", "1,250", "tonnes"]),
        ("5G and G20", ["5G", "and", "G20"]),
        ("see https://example.org/a?b=1 now", ["see", "https://example.org/a?b=1", "now"]),
        ("mail press@ministry.gov.kz today", ["mail", "press@ministry.gov.kz", "today"]),
        ("", []),
        ("\x00\x01 \t\n", []),
    ],
    ids=["hyphen", "apostrophe", "curly-apostrophe", "numbers", "alnum", "url", "email", "empty", "control"],
)
def test_tokenizer(text: str, expected: list[str]) -> None:
    assert build_tokenizer()(text) == expected


def test_stop_words_sources() -> None:
    sklearn_words = resolve_stop_words("sklearn")
    assert {"the", "and", "of"} <= sklearn_words
    # Words that carry topic meaning are kept out of the fallback list.
    assert not {"interest", "mine", "mill", "system", "un"} & sklearn_words
    assert resolve_stop_words(None) == frozenset()
    assert resolve_stop_words(["The", "Of"]) == {"the", "of"}

    # "english" is NLTK's list where its data is installed, the built-in list where it is not.
    try:
        from nltk.corpus import stopwords

        nltk_words: frozenset[str] | None = frozenset(stopwords.words("english"))
    except LookupError:
        nltk_words = None
    assert resolve_stop_words("english") == (nltk_words if nltk_words is not None else sklearn_words)


def test_english_stop_words_fall_back_without_nltk_data(monkeypatch: pytest.MonkeyPatch) -> None:
    import greentag.text as text_module

    monkeypatch.setattr(text_module, "_nltk_stop_words", lambda: None)
    assert resolve_stop_words("english") == resolve_stop_words("sklearn")
    with pytest.raises(ValueError, match="needs NLTK's 'stopwords' data"):
        resolve_stop_words("nltk")


def test_stemmers() -> None:
    assert build_stemmer("snowball")("corridors") == "corridor"
    assert build_stemmer("porter")("investments") == "invest"
    assert build_stemmer(None)("investments") == "investments"
    with pytest.raises(ValueError, match="stemmer must be one of"):
        build_stemmer("lemmatizer")


def test_analyzer_terms_and_bigrams() -> None:
    analyzer = build_analyzer(stop_words="sklearn")
    assert analyzer("Electric buses for the new corridors") == [
        "electr",
        "buse",
        "new",
        "corridor",
        "electr buse",
        "buse new",
        "new corridor",
    ]


def test_analyzer_placeholders() -> None:
    analyzer = build_analyzer(stop_words="sklearn", ngram_range=(1, 1))
    # Addresses become a placeholder followed by the words of their host, which
    # say who wrote or where a link points; user names and paths are dropped.
    assert analyzer("Paid 1,250 tonnes; see www.energy.gov.kz/tariffs or write to press@nasa.gov") == [
        "paid",
        NUMBER_TOKEN,
        "tonn",
        URL_TOKEN,
        "energi",
        "gov",
        "kz",
        "write",
        EMAIL_TOKEN,
        "nasa",
        "gov",
    ]
    plain = build_analyzer(stop_words="sklearn", ngram_range=(1, 1), placeholders=False)
    assert plain("Paid 1,250 tonnes to press@nasa.gov") == ["paid", "tonn", "nasa", "gov"]


def test_analyzer_drops_stop_words_before_bigrams() -> None:
    analyzer = build_analyzer(stop_words="sklearn", stemmer=None)
    assert "trade services" in analyzer("trade in services")


def test_analyzer_cache_is_bounded() -> None:
    analyzer = Analyzer(TextOptions(stop_words="sklearn"), cache_size=10)
    for i in range(50):
        analyzer(f"word{i}x another{i}y")
    assert len(analyzer._cache) <= 12


def test_analyzer_cache_does_not_change_results() -> None:
    analyzer = build_analyzer(stop_words="sklearn")
    text = "Ports and railways expand; railway ports grow."
    assert analyzer(text) == analyzer(text) == build_analyzer(stop_words="sklearn")(text)


def test_analyzer_pickles_without_its_cache() -> None:
    analyzer = build_analyzer(stop_words="sklearn")
    analyzer("warm the cache")
    clone = pickle.loads(pickle.dumps(analyzer))
    assert clone("solar parks") == analyzer("solar parks")
    assert clone._cache == {"solar": "solar", "parks": "park"}


def test_surface_forms_map_stems_back_to_words() -> None:
    analyzer = build_analyzer(stop_words="sklearn")
    assert analyzer.surface_forms("Electric buses and more buses")["buse"] == "buses"


@pytest.mark.parametrize(
    "terms, ngram_range, expected",
    [
        (["a", "b", "c"], (1, 1), ["a", "b", "c"]),
        (["a", "b", "c"], (2, 2), ["a b", "b c"]),
        (["a", "b", "c"], (1, 3), ["a", "b", "c", "a b", "b c", "a b c"]),
        (["a"], (1, 2), ["a"]),
        ([], (1, 2), []),
    ],
    ids=["unigrams", "bigrams", "up-to-trigrams", "single", "empty"],
)
def test_ngrams(terms: list[str], ngram_range: tuple[int, int], expected: list[str]) -> None:
    assert ngrams(terms, ngram_range) == expected


@pytest.mark.parametrize(
    "options, message",
    [
        ({"ngram_range": (2, 1)}, "ngram_range"),
        ({"ngram_range": (1, 5)}, "ngram_range"),
        ({"stop_words": "french"}, "stop_words"),
        ({"stemmer": "lancaster"}, "stemmer"),
        ({"min_token_length": 0}, "min_token_length"),
        ({"unicode_form": "NFX"}, "unicode_form"),
    ],
    ids=["reversed-ngrams", "long-ngrams", "stop-words", "stemmer", "min-length", "unicode-form"],
)
def test_bad_text_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TextOptions(**options)  # type: ignore[arg-type]


def test_text_options_round_trip() -> None:
    options = TextOptions(stop_words=["b", "a"], ngram_range=(1, 3)).resolved()
    assert TextOptions.from_dict(options.to_dict()) == options
    assert options.stop_words == ("a", "b")
    with pytest.raises(ValueError, match="unknown text options"):
        TextOptions.from_dict({"colour": "green"})


def test_stemmers_load_without_importing_nltk_and_stem_as_nltk_does() -> None:
    words = ["added", "corridors", "organizers", "internationally", "running", "железнодорожные"]
    script = (
        "import sys; from greentag.text import build_stemmer; "
        f"stems = [build_stemmer(n)(w) for n in ('snowball', 'porter') for w in {words!r}]; "
        "print('nltk' in sys.modules, 'scipy.stats' in sys.modules); "
        "from nltk.stem.snowball import SnowballStemmer; from nltk.stem.porter import PorterStemmer; "
        f"print(stems == [SnowballStemmer('english').stem(w) for w in {words!r}] "
        f"+ [PorterStemmer().stem(w) for w in {words!r}])"
    )
    assert printed_words(script) == ["False", "False", "True"]
