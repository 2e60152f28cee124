"""Property-based tests (hypothesis): preprocessing, tagging, the data readers and writers, model files.

Texts are drawn from all of Unicode, lone surrogates and control characters
included. The only exceptions allowed are the documented ones. Example counts
are kept modest so the file runs in seconds; tests/conftest.py turns off the
example database and makes runs repeatable.
"""

from __future__ import annotations

import contextlib
import gzip
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import greentag
from greentag import DataError, InputTypeError, LabelWarning, ModelError, Tagger
from greentag.data import iter_documents, read_dataset, write_dataset
from greentag.text import TextOptions, build_analyzer, build_tokenizer

from .corpus import TEXTS

SOME = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow])

# Every code point, lone surrogates included.
any_char = st.characters(exclude_categories=())
any_text = st.text(any_char, max_size=200)
# Text that mixes the corpus's words with anything, so that some terms are known.
WORDS = sorted({w.strip(".,").lower() for t in TEXTS for w in t.split()})
mixed_text = st.lists(st.one_of(st.sampled_from(WORDS), any_text), max_size=30).map(" ".join)
texts = st.one_of(any_text, mixed_text)
# What UTF-8 can hold: everything but lone surrogates.
encodable_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    # Hypothesis runs many examples in one test call, so each gets a folder of its own.
    with tempfile.TemporaryDirectory(prefix="greentag-prop-") as folder:
        yield Path(folder)


# ------------------------------------------------------------ preprocessing
ANALYZER = build_analyzer(TextOptions(stop_words="sklearn"))
TOKENIZE = build_tokenizer()


@SOME
@given(texts)
def test_analyzer_gives_clean_terms(text: str) -> None:
    unigrams = ANALYZER.unigrams(text)
    assert all(isinstance(t, str) and t and t == t.strip() and " " not in t for t in unigrams)
    terms = ANALYZER(text)
    assert terms[: len(unigrams)] == unigrams
    assert len(terms) == len(unigrams) + max(0, len(unigrams) - 1)  # unigrams and bigrams
    assert set(ANALYZER.surface_forms(text)) <= set(unigrams)


@SOME
@given(texts)
def test_analyzer_does_not_depend_on_its_caches(text: str) -> None:
    uncached = build_analyzer(TextOptions(stop_words="sklearn"))
    uncached.cache_size = -1  # cleared before every document
    assert ANALYZER(text) == uncached(text) == ANALYZER(text)


@SOME
@given(texts)
def test_tokens_never_span_whitespace(text: str) -> None:
    # The analyzer caches whitespace-separated chunks on this promise.
    tokens = TOKENIZE(text)
    assert all(not any(c.isspace() for c in token) for token in tokens)
    assert tokens == [token for chunk in text.split() for token in TOKENIZE(chunk)]


# ------------------------------------------------------------------ tagging
def check_tags(tags: list[greentag.Tag], model: Tagger) -> None:
    scores = [t.score for t in tags]
    assert all(isinstance(s, float) and 0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert len({t.label for t in tags}) == len(tags)
    assert {t.label for t in tags} <= set(model.labels)


@SOME
@given(texts)
def test_tag_never_fails_and_gives_ranked_probabilities(small_model: Tagger, text: str) -> None:
    tags = small_model.tag(text)
    check_tags(tags, small_model)
    probs = small_model.predict_proba([text])[0]
    assert np.all((probs >= 0) & (probs <= 1))
    for tag in tags:
        assert tag.score == pytest.approx(float(probs[small_model.labels.index(tag.label)]), abs=1e-6)
    explained = small_model.explain(text)
    assert [(e.label, e.score) for e in explained] == [(t.label, t.score) for t in tags]


@SOME
@given(texts, st.floats(0.0, 1.0), st.integers(1, 5))
def test_threshold_and_top_k_hold(small_model: Tagger, text: str, threshold: float, top_k: int) -> None:
    tags = small_model.tag(text, threshold=threshold, top_k=top_k, at_least_one=False)
    check_tags(tags, small_model)
    assert len(tags) <= top_k
    assert all(t.score >= threshold for t in tags)


@SOME
@given(st.lists(texts, max_size=12), st.integers(1, 5))
def test_tag_many_equals_tag_one_by_one(small_model: Tagger, batch: list[str], batch_size: int) -> None:
    one_by_one = [small_model.tag(t) for t in batch]
    assert small_model.tag_many(batch, batch_size=batch_size) == one_by_one
    assert list(small_model.tag_stream(iter(batch), batch_size=batch_size)) == one_by_one


@SOME
@given(
    st.one_of(
        st.none(),
        st.binary(max_size=20),
        st.integers(),
        st.floats(allow_nan=True),
        st.booleans(),
        st.lists(st.text(max_size=5), max_size=3),
        st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    )
)
def test_anything_but_str_is_an_input_type_error(small_model: Tagger, value: object) -> None:
    for call in (small_model.tag, small_model.explain, lambda v: small_model.tag_many([v])):
        with pytest.raises(InputTypeError):
            call(value)


# ------------------------------------------------------------ model files
@pytest.fixture(scope="module")
def saved_pair(small_model: Tagger, tmp_path_factory: pytest.TempPathFactory) -> tuple[Tagger, bytes]:
    path = tmp_path_factory.mktemp("prop") / "model.gtm"
    small_model.save(path)
    return Tagger.load(path), path.read_bytes()


@SOME
@given(st.lists(texts, min_size=1, max_size=6))
def test_save_load_keeps_every_score(small_model: Tagger, saved_pair: tuple[Tagger, bytes], batch: list[str]) -> None:
    loaded, _ = saved_pair
    np.testing.assert_array_equal(loaded.predict_proba(batch), small_model.predict_proba(batch))
    assert loaded.tag_many(batch) == small_model.tag_many(batch)


labels_strategy = st.lists(st.sampled_from(["energy", "transport", "health", "é/能源"]), max_size=3)


@FEW
@given(st.lists(st.tuples(mixed_text, labels_strategy), min_size=1, max_size=14), st.sampled_from([1, 2]))
def test_training_on_anything_gives_a_model_or_a_data_error(records: list[tuple[str, list[str]]], max_n: int) -> None:
    train_texts = [t for t, _ in records]
    labels = [labels for _, labels in records]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelWarning)
        try:
            model = greentag.train(train_texts, labels, min_df=1, cv=2, ngram_range=(1, max_n))
        except DataError as exc:
            assert "label" in str(exc) or "no terms left" in str(exc)
            return
    probe = [*train_texts, "wind farm grid", ""]
    with scratch() as folder:
        model.save(folder / "model.gtm")
        loaded = Tagger.load(folder / "model.gtm")
    np.testing.assert_array_equal(loaded.predict_proba(probe), model.predict_proba(probe))
    assert loaded.tag_many(probe) == model.tag_many(probe)
    for tags in model.tag_many(probe):
        check_tags(tags, model)


@SOME
@given(st.data())
def test_damaged_model_files_fail_cleanly_or_load_unchanged(
    small_model: Tagger, saved_pair: tuple[Tagger, bytes], data: st.DataObject
) -> None:
    _, original = saved_pair
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        position = data.draw(st.integers(0, len(damaged) - 1), label="position")
        damaged[position] = data.draw(st.integers(0, 255), label="value")
    cut = data.draw(st.one_of(st.none(), st.integers(0, len(damaged))), label="cut")
    if cut is not None:
        del damaged[cut:]
    with scratch() as folder:
        path = folder / "model.gtm"
        path.write_bytes(bytes(damaged))
        try:
            loaded = Tagger.load(path)
        except ModelError:
            return
    probe = TEXTS[:6]
    np.testing.assert_array_equal(loaded.predict_proba(probe), small_model.predict_proba(probe))


# ------------------------------------------------------------------ readers
SUFFIXES = [".jsonl", ".jsonl.gz", ".csv", ".tsv", ".txt", ".csv.gz", ".txt.gz"]


def _file_content(data: st.DataObject) -> bytes:
    """Random bytes, or a real-looking file with a few bytes changed."""
    templates = [
        b'{"text": "wind farm", "labels": ["energy"]}\n{"text": "rail", "labels": "transport"}\n',
        b'text,labels\nwind farm,energy|green\n"rail, port",transport\n',
        b"text\tlabels\nwind farm\tenergy\n",
        b"__label__energy wind farm\n__label__transport __label__trade rail port\n",
    ]
    content = bytearray(data.draw(st.one_of(st.binary(max_size=300), st.sampled_from(templates)), label="content"))
    for _ in range(data.draw(st.integers(0, 3), label="edits")):
        if content:
            content[data.draw(st.integers(0, len(content) - 1))] = data.draw(st.integers(0, 255))
    return bytes(content)


@SOME
@given(st.data(), st.sampled_from(SUFFIXES))
def test_readers_give_records_or_a_data_error(data: st.DataObject, suffix: str) -> None:
    content = _file_content(data)
    if suffix.endswith(".gz") and data.draw(st.booleans(), label="compress"):
        content = gzip.compress(content)
    with scratch() as folder:
        path = folder / f"data{suffix}"
        path.write_bytes(content)
        try:
            read_texts, read_labels = read_dataset(path)
        except DataError as exc:
            assert str(path) in str(exc)
        else:
            assert all(isinstance(t, str) for t in read_texts)
            assert all(isinstance(ls, list) and all(isinstance(x, str) and x for x in ls) for ls in read_labels)
        if suffix.startswith((".jsonl", ".csv", ".tsv")):
            try:
                documents = list(iter_documents(path))
            except DataError as exc:
                assert str(path) in str(exc)
            else:
                assert all(isinstance(text, str) for _, text in documents)


label_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
clean_label = label_text.map(str.strip).filter(bool)
records = st.lists(st.tuples(encodable_text, st.lists(clean_label, max_size=3)), max_size=8)


def _expected(fmt: str, rows: list[tuple[str, list[str]]]) -> tuple[list[str], list[list[str]]]:
    """What each format reads back: fastText keeps words, not the spacing between them."""
    if fmt == "fasttext":
        return [" ".join(text.split()) for text, _ in rows], [labels for _, labels in rows]
    return [text for text, _ in rows], [labels for _, labels in rows]


def _representable(fmt: str, rows: list[tuple[str, list[str]]]) -> bool:
    if fmt in ("csv", "tsv"):
        return all(not any(mark in label for mark in "|;,") for _, labels in rows for label in labels)
    if fmt == "fasttext":
        return all(
            labels
            and text.split()
            and not any(word.startswith("__label__") for word in text.split())
            and all(label == "".join(label.split()) for label in labels)
            for text, labels in rows
        )
    return True


@SOME
@given(
    records,
    st.sampled_from(
        [("jsonl", ".jsonl"), ("jsonl", ".jsonl.gz"), ("csv", ".csv"), ("tsv", ".tsv"), ("fasttext", ".txt")]
    ),
)
def test_write_then_read_is_the_identity(rows: list[tuple[str, list[str]]], format_and_suffix: tuple[str, str]) -> None:
    fmt, suffix = format_and_suffix
    with scratch() as folder:
        path = folder / f"data{suffix}"
        if not _representable(fmt, rows):
            with pytest.raises(DataError, match="cannot write record"):
                write_dataset(path, [t for t, _ in rows], [ls for _, ls in rows])
            assert not path.exists()
            return
        assert write_dataset(path, [t for t, _ in rows], [ls for _, ls in rows]) == len(rows)
        assert read_dataset(path) == _expected(fmt, rows)


@SOME
@given(
    st.lists(st.tuples(any_text, st.lists(st.text(any_char, max_size=6), max_size=3)), max_size=5),
    st.sampled_from([".jsonl", ".csv", ".txt"]),
)
def test_write_dataset_writes_or_refuses_anything(rows: list[tuple[str, list[str]]], suffix: str) -> None:
    with scratch() as folder:
        path = folder / f"data{suffix}"
        try:
            count = write_dataset(path, [t for t, _ in rows], [ls for _, ls in rows])
        except DataError:
            assert list(folder.iterdir()) == []
            return
        assert count == len(rows)
        # Whatever was written reads back, one record per row.
        read_texts, _ = read_dataset(path)
        assert len(read_texts) == len(rows)
