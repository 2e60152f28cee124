"""Hostile and broken documents given to tag, tag_many, tag_stream and explain, and many threads at once.

Ordinary type checks (None, bytes, an int, a list to ``tag``; a bad item in
``tag_many``) are in test_model.py; these are the stranger cases: every entry
point, every script and odd character, megabytes of text built to defeat the
tokeniser, and concurrent use of one model and of the default model.
"""

from __future__ import annotations

import gc
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import greentag
from greentag import InputTypeError, Tagger
from greentag import default as default_module

from .corpus import TEXTS

WIND = "The wind farm added forty turbines and now feeds the regional grid."
MIB = 1 << 20


@pytest.fixture(scope="module")
def model_file(small_model: Tagger, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inputs") / "model.gtm"
    small_model.save(path)
    return path


def fresh(model_file: Path) -> Tagger:
    """A private copy of the small model, with empty caches."""
    return Tagger.load(model_file)


def check_tags(model: Tagger, text: str) -> list[greentag.Tag]:
    """Tag ``text`` every way there is and check that the answers agree and make sense."""
    tags = model.tag(text)
    scores = [t.score for t in tags]
    assert all(0.0 <= s <= 1.0 for s in scores), tags
    assert scores == sorted(scores, reverse=True), tags
    assert len({t.label for t in tags}) == len(tags)
    assert {t.label for t in tags} <= set(model.labels)
    assert model.tag_many([text, text], batch_size=1) == [tags, tags]
    assert list(model.tag_stream(iter([text]))) == [tags]
    assert [e.label for e in model.explain(text)] == [t.label for t in tags]
    probs = model.predict_proba([text])
    assert probs.shape == (1, len(model.labels)) and np.all((probs >= 0) & (probs <= 1))
    return tags


# --------------------------------------------------------------- wrong types
NOT_TEXT: list[tuple[object, str]] = [
    (None, "must be a str, got NoneType"),
    (b"wind farm", "is bytes; decode it to str first"),
    (bytearray(b"wind farm"), "is bytes; decode it to str first"),
    (np.bytes_(b"wind farm"), "is bytes; decode it to str first"),
    (memoryview(b"wind farm"), "must be a str, got memoryview"),
    (3.5, "must be a str, got float"),
    (float("nan"), "must be a str, got float"),
    (7, "must be a str, got int"),
    (True, "must be a str, got bool"),
    (["wind farm"], "must be a str, got list"),
    (("wind farm",), "must be a str, got tuple"),
    ({"text": "wind farm"}, "must be a str, got dict"),
    (Path("wind.txt"), "must be a str, got PosixPath|must be a str, got WindowsPath"),
    (object(), "must be a str, got object"),
]
NOT_TEXT_IDS = [
    "none",
    "bytes",
    "bytearray",
    "numpy-bytes",
    "memoryview",
    "float",
    "nan",
    "int",
    "bool",
    "list",
    "tuple",
    "dict",
    "path",
    "object",
]


@pytest.mark.parametrize("bad, message", NOT_TEXT, ids=NOT_TEXT_IDS)
def test_every_single_text_entry_point_rejects_non_strings(small_model: Tagger, bad: object, message: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: small_model.tag(bad),  # type: ignore[arg-type]
        lambda: small_model.explain(bad),  # type: ignore[arg-type]
        lambda: small_model.explain(bad, "energy"),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(InputTypeError, match=message):
            call()


@pytest.mark.parametrize("bad, message", NOT_TEXT, ids=NOT_TEXT_IDS)
def test_a_bad_item_is_named_by_its_index_in_every_batch_entry_point(
    small_model: Tagger, bad: object, message: str
) -> None:
    # Index 5 with batches of 2: the check must count across batches.
    texts: list[object] = [WIND] * 5 + [bad] + [WIND]
    calls: list[Callable[[], object]] = [
        lambda: small_model.tag_many(texts, batch_size=2),  # type: ignore[arg-type]
        lambda: small_model.tag_many(iter(texts)),  # type: ignore[arg-type]
        lambda: list(small_model.tag_stream(texts, batch_size=2)),  # type: ignore[arg-type]
        lambda: small_model.predict_proba(texts),  # type: ignore[arg-type]
        lambda: small_model.decision_function(texts),  # type: ignore[arg-type]
        lambda: small_model.evaluate(texts, [["energy"]] * len(texts)),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(TypeError, match=rf"texts\[5\] {message}"):
            call()


@pytest.mark.parametrize(
    "bad, message",
    [
        (None, "iterable of str, got NoneType"),
        (3, "iterable of str, got int"),
        (b"wind farm", "got a single bytes"),
        (bytearray(b"wind farm"), "got a single bytearray"),
        ("wind farm", "got a single str"),
    ],
    ids=["none", "int", "bytes", "bytearray", "str"],
)
def test_batch_entry_points_reject_a_single_document(small_model: Tagger, bad: object, message: str) -> None:
    for call in (small_model.tag_many, lambda t: list(small_model.tag_stream(t))):
        with pytest.raises(InputTypeError, match=message):
            call(bad)


def test_top_level_functions_reject_non_strings() -> None:
    with pytest.raises(InputTypeError, match="is bytes; decode it to str first"):
        greentag.tag(b"wind farm")  # type: ignore[arg-type]
    with pytest.raises(InputTypeError, match="must be a str, got NoneType"):
        greentag.explain(None)  # type: ignore[arg-type]
    with pytest.raises(InputTypeError, match=r"texts\[1\] must be a str, got int"):
        greentag.tag_many(["wind", 1])  # type: ignore[list-item]


def test_str_subclasses_are_text(small_model: Tagger) -> None:
    class Headline(str):
        pass

    assert small_model.tag(np.str_(WIND)) == small_model.tag(WIND)
    assert small_model.tag(Headline(WIND)) == small_model.tag(WIND)
    assert small_model.tag_many(np.array([WIND, "rail"])) == small_model.tag_many([WIND, "rail"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"threshold": float("nan")}, "threshold must be a number in"),
        ({"threshold": float("inf")}, "threshold must be a number in"),
        ({"threshold": -1e-9}, "threshold must be a number in"),
        ({"threshold": True}, "threshold must be a number in"),
        ({"top_k": -1}, "top_k must be a positive int"),
        ({"top_k": True}, "top_k must be a positive int"),
        ({"top_k": "3"}, "top_k must be a positive int"),
    ],
    ids=[
        "threshold-nan",
        "threshold-inf",
        "threshold-negative",
        "threshold-bool",
        "top-k-negative",
        "top-k-bool",
        "top-k-str",
    ],
)
def test_bad_options_are_value_errors_everywhere(small_model: Tagger, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        small_model.tag(WIND, **kwargs)
    with pytest.raises(ValueError, match=message):
        small_model.tag_many([WIND], **kwargs)


@pytest.mark.parametrize(
    "top_n", [0, -1, 2.5, "3", None, True], ids=["zero", "negative", "float", "str", "none", "bool"]
)
def test_explain_rejects_a_bad_top_n(small_model: Tagger, top_n: object) -> None:
    with pytest.raises(ValueError, match="top_n must be a positive int"):
        small_model.explain(WIND, top_n=top_n)  # type: ignore[arg-type]


@pytest.mark.parametrize("label", [5, ["energy"], "", "ENERGY"], ids=["int", "list", "empty", "wrong-case"])
def test_explain_rejects_an_unknown_label(small_model: Tagger, label: object) -> None:
    with pytest.raises(KeyError, match="unknown label"):
        small_model.explain(WIND, label)  # type: ignore[call-overload]


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, True, "10"], ids=["zero", "negative", "float", "bool", "str"])
def test_bad_batch_size(small_model: Tagger, batch_size: object) -> None:
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        small_model.tag_many([WIND], batch_size=batch_size)  # type: ignore[arg-type]


# ------------------------------------------------------------- empty texts
@pytest.mark.parametrize(
    "text",
    ["", " ", "\t\n\r\x0b\x0c", "\u00a0\u2003\u3000\u2028", "\u200b\u200b", "!!! ... ??? --- ***", "\ufeff"],
    ids=["empty", "space", "ascii-whitespace", "unicode-spaces", "zero-width-spaces", "punctuation", "bom"],
)
def test_blank_texts_get_no_tags(small_model: Tagger, text: str) -> None:
    assert small_model.tag(text) == []
    assert small_model.explain(text) == []
    assert small_model.tag_many([text, text]) == [[], []]
    assert small_model.explain(text, "energy").terms == []


# ------------------------------------------------------ scripts and oddities
ODD_TEXTS = {
    "cyrillic": "Ветряная электростанция подключена к энергосистеме региона.",
    "chinese": "风电场新增四十台涡轮机，并入区域电网。",
    "arabic": "أضافت مزرعة الرياح أربعين توربينا إلى الشبكة الإقليمية.",
    "hebrew-rtl-override": "\u202ewind farm\u202c חוות רוח",
    "devanagari": "पवन फार्म ने चालीस टर्बाइन जोड़े",
    "thai": "ฟาร์มกังหันลมเพิ่มกังหันสี่สิบตัว",
    "emoji": "🌬️💨 wind farm ⚡🔌 grid 👩🏽‍🔧 🇰🇿🇨🇳 🚆",
    "zalgo": "w\u0351\u0334i\u0358\u0322n\u0360\u035dd f\u0489a\u0336r\u0337m",
    "control-characters": "".join(map(chr, range(32))) + " wind farm \x7f\x80\x9f",
    "nul-bytes": "wind\x00farm\x00\x00grid",
    "lone-surrogates": "\ud800 wind \udfff farm \udbff\udc00 grid \udc80",
    "html": "<html><script>alert('x')</script><style>p{}</style><p>Wind <b>farm</b> &amp; grid</p></html>",
    "broken-html": "<a href='unterminated wind <<<< farm > >> <!-- grid",
    "entities": "&#0; &#xD800; &#99999999; &#x110000; &nbsp;&amp;&lt;&gt; &bogus; wind farm",
    "math-letters": "𝐰𝐢𝐧𝐝 𝐟𝐚𝐫𝐦 𝐠𝐫𝐢𝐝",
    "fullwidth": "ｗｉｎｄ ｆａｒｍ ｇｒｉｄ",
    "ligatures-and-case": "ﬁnance ﬂow İstanbul STRASSE straße ΣΊΣΥΦΟΣ",
    "line-endings": "wind\r\nfarm\rgrid\n\n\u2029turbines\x85power",
    "urls-and-emails": "see https://example.org/wind?farm=1&grid=2 or mail wind.farm@example.org www.wind",
    "numbers": "1,250.75 3.14e10 ٣٤٥ ⅻ ½ 10⁹ 0x1F 1.2.3.4.5.6",
    "private-use-and-noncharacters": "\ue000\uf8ff\ufdd0\uffff\U0010ffff wind farm",
}


@pytest.mark.parametrize("text", ODD_TEXTS.values(), ids=ODD_TEXTS.keys())
def test_odd_texts_are_tagged_without_error(small_model: Tagger, text: str) -> None:
    check_tags(small_model, text)


@pytest.mark.parametrize(
    "variant",
    [
        "wind\x00farm\x00grid",
        "<b>wind</b> <i>farm</i> <span class='x'>grid</span>",
        "𝐰𝐢𝐧𝐝 𝐟𝐚𝐫𝐦 𝐠𝐫𝐢𝐝",
        "ｗｉｎｄ ｆａｒｍ ｇｒｉｄ",
        "WIND FARM GRID",
        "\ud800wind\udfff farm\u200b grid",
        "wind\r\nfarm\rgrid",
    ],
    ids=["nul-separated", "html", "math-letters", "fullwidth", "upper-case", "surrogates", "line-endings"],
)
def test_disguised_words_are_read_as_the_words(small_model: Tagger, variant: str) -> None:
    assert small_model.tag(variant) == small_model.tag("wind farm grid")
    assert small_model.tag("wind farm grid")  # the comparison is not between two empty lists


# ---------------------------------------------------------- very long texts
def _words(n_chars: int) -> str:
    text = " ".join(TEXTS) + "\n\n"
    return (text * (n_chars // len(text) + 1))[:n_chars]


LONG_SHAPES: dict[str, Callable[[int], str]] = {
    # Ordinary prose with paragraphs.
    "prose": _words,
    # One word with no end: the stemmer and the caches see a huge token.
    "one-huge-token": lambda n: "q" * n,
    # A run of address characters before an "@": the e-mail pattern used to
    # rescan it from every position (quadratic: hours for a megabyte).
    "address-run-before-at": lambda n: "a." * (n // 2 - 1) + "a@",
    "address-run-after-at": lambda n: "@" + "a-" * (n // 2 - 1),
    "html-tags": lambda n: ("<b>wind</b> &amp; <p class='x'>farm</p> " * (n // 38 + 1))[:n],
    "unclosed-tag-run": lambda n: "<" + "a" * (n - 1),
    "unclosed-comment-run": lambda n: ("<!--" * (n // 4 + 1))[:n],
    "unclosed-script-run": lambda n: ("<script>" * (n // 8 + 1))[:n],
    "script-elements": lambda n: ("<script>x</script>wind " * (n // 23 + 1))[:n],
    "non-tag-brackets": lambda n: ("<twa> <a@b.org> x < y > " * (n // 24 + 1))[:n],
    "entity-soup": lambda n: ("&amp;&#65;&bogus;" * (n // 17 + 1))[:n],
    "numbers": lambda n: ("1,234.5 " * (n // 8 + 1))[:n],
    "dotted-number": lambda n: "1." * (n // 2 - 1) + "1x",
    "newline-runs": lambda n: ("wind.\n" + " " * 50 + "\n") * (n // 57),
    "nul-bytes": lambda n: "\x00" * n,
    # Each character expands to 18 under NFKC.
    "expanding-ligature": lambda n: "\ufdfa" * (n // 18),
    "cjk": lambda n: ("风电场并入区域电网 " * (n // 10 + 1))[:n],
}


def test_a_ten_megabyte_document(model_file: Path) -> None:
    model = fresh(model_file)
    text = LONG_SHAPES["prose"](10 * MIB)
    tags = model.tag(text)
    assert tags and all(0.0 <= t.score <= 1.0 for t in tags)
    assert [e.label for e in model.explain(text)] == [t.label for t in tags]


@pytest.mark.parametrize(
    "shape", ["address-run-before-at", "one-huge-token", "unclosed-script-run", "unclosed-comment-run"]
)
def test_ten_megabytes_built_against_the_tokeniser(shape: str, model_file: Path) -> None:
    # No timing assertion: a shape that took quadratic time would hang here
    # for hours instead of taking a second or two.
    assert fresh(model_file).tag(LONG_SHAPES[shape](10 * MIB)) == []


def _peak_bytes(model_file: Path, text: str) -> int:
    model = fresh(model_file)  # empty caches, so both sizes start alike
    gc.collect()
    tracemalloc.start()
    try:
        model.tag(text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("shape", LONG_SHAPES)
def test_memory_grows_in_proportion_to_the_text(shape: str, model_file: Path) -> None:
    small_text = LONG_SHAPES[shape](64 * 1024)
    large_text = LONG_SHAPES[shape](640 * 1024)
    small, large = _peak_bytes(model_file, small_text), _peak_bytes(model_file, large_text)
    # Ten times the text may take ten times the memory, plus slack for
    # allocator rounding; quadratic growth would take a hundred times.
    assert large <= 15 * small + MIB, (small, large)
    # Even the worst shapes stay within a few hundred bytes per character
    # (an expanding ligature becomes four words of 18 characters).
    assert large <= 1000 * len(large_text), large


def test_a_stream_of_unique_huge_tokens_does_not_fill_the_caches(model_file: Path) -> None:
    # The caches are bounded by entry count; without a bound on key length,
    # documents that each hold a unique 256 KiB "word" would all stay cached.
    model = fresh(model_file)
    model.tag(WIND)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(40):
            # Digits: a number placeholder, so no time goes on stemming.
            model.tag(f"{i} wind {i:06d}{'7' * (256 * 1024)} farm")
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 2 * MIB, retained


# ------------------------------------------------------------------ threads
THREAD_TEXTS = [*TEXTS[:12], *ODD_TEXTS.values(), "", "wind " * 500, "rail freight and a bank loan"]


def _sequential(model: Tagger) -> dict[str, Any]:
    return {
        "tag": [model.tag(t) for t in THREAD_TEXTS],
        "tag_many": model.tag_many(THREAD_TEXTS, batch_size=3),
        "stream": list(model.tag_stream(iter(THREAD_TEXTS), batch_size=5)),
        "explain": [[(e.label, e.terms) for e in model.explain(t)] for t in THREAD_TEXTS],
        "proba": model.predict_proba(THREAD_TEXTS),
    }


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(np.array_equal(a[k], b[k]) if k == "proba" else a[k] == b[k] for k in a)


def _run_together(n_threads: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n_threads)
    results: list[Any] = [None] * n_threads

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # compared below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_one_model_used_by_sixteen_threads_gives_the_sequential_results(model_file: Path) -> None:
    model = fresh(model_file)
    expected = _sequential(model)
    # A tiny cache is cleared over and over while other threads read and fill it.
    model.analyzer.cache_size = 4
    results = _run_together(16, lambda i: _sequential(model))
    for result in results:
        assert isinstance(result, dict), result
        assert _same(result, expected)


def test_default_model_loads_once_for_sixteen_concurrent_first_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = {
        "tag": greentag.tag(WIND),
        "tag_many": greentag.tag_many([WIND, "rail freight", ""]),
        "stream": list(greentag.tag_stream([WIND])),
        "explain": [e.label for e in greentag.explain(WIND)],
    }
    calls = [
        lambda: ("tag", greentag.tag(WIND)),
        lambda: ("tag_many", greentag.tag_many([WIND, "rail freight", ""])),
        lambda: ("stream", list(greentag.tag_stream([WIND]))),
        lambda: ("explain", [e.label for e in greentag.explain(WIND)]),
    ]
    loads: list[object] = []
    real_load = Tagger.load

    def counting_load(path: object) -> Tagger:
        loads.append(path)
        return real_load(path)  # type: ignore[arg-type]

    default_module._reset_for_tests()
    try:
        monkeypatch.setattr(Tagger, "load", staticmethod(counting_load))
        results = _run_together(16, lambda i: calls[i % len(calls)]())
    finally:
        monkeypatch.undo()
        default_module._reset_for_tests()
    assert len(loads) == 1
    for result in results:
        assert isinstance(result, tuple), result
        assert result[1] == expected[result[0]]


def test_saving_while_other_threads_tag(model_file: Path, tmp_path: Path) -> None:
    model = fresh(model_file)
    expected = model.tag_many(THREAD_TEXTS)

    def work(i: int) -> Any:
        if i % 4 == 0:
            model.save(tmp_path / f"copy-{i}.gtm")
            return None
        return model.tag_many(THREAD_TEXTS)

    results = _run_together(8, work)
    assert all(r is None or r == expected for r in results), results
    for i in range(0, 8, 4):
        assert Tagger.load(tmp_path / f"copy-{i}.gtm").tag_many(THREAD_TEXTS) == expected
