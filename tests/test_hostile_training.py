"""Hostile and broken training data: bad arguments, degenerate labels, damaged files, and failed runs.

The ordinary cases (empty data, a length mismatch, a non-string label, a
label on every document or on one) are in test_training.py, and the basic
broken-file cases in test_data.py; these are the stranger ones, plus the
promise that a failed training run never damages an existing model file.
"""

from __future__ import annotations

import gzip
import io
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import greentag
from greentag import DataError, InputTypeError, LabelWarning, Tagger
from greentag.cli import main
from greentag.data import iter_documents, read_dataset, write_dataset

from .corpus import LABELS, TEXTS

FAST = {"min_df": 1, "cv": 3}


def train_quietly(texts: Any, labels: Any, **options: Any) -> Tagger:
    """Train, letting LabelWarnings through (the tests check them where they matter)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelWarning)
        return greentag.train(texts, labels, **{**FAST, **options})


def usable(model: Tagger, tmp_path: Path) -> None:
    """A trained model tags, explains and survives a save/load round trip."""
    for text in (TEXTS[0], "", "zzz qqq"):
        tags = model.tag(text)
        assert all(0.0 <= t.score <= 1.0 for t in tags)
        assert [e.label for e in model.explain(text)] == [t.label for t in tags]
    path = tmp_path / "model.gtm"
    model.save(path)
    loaded = Tagger.load(path)
    assert loaded.labels == model.labels
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS[:5]), model.predict_proba(TEXTS[:5]))


# ---------------------------------------------------------- bad arguments
def _texts_with(bad: object, at: int = 3) -> Iterator[object]:
    for i, text in enumerate(TEXTS):
        yield bad if i == at else text


BAD_TEXTS: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("none", lambda: None, InputTypeError, "train expects an iterable of str, got NoneType"),
    ("int", lambda: 5, InputTypeError, "train expects an iterable of str, got int"),
    ("one-string", lambda: "wind farm", InputTypeError, "got a single str"),
    ("bytes", lambda: b"wind farm", InputTypeError, "got a single bytes"),
    ("bytes-item", lambda: _texts_with(b"wind"), InputTypeError, r"texts\[3\] is bytes; decode it"),
    ("none-item", lambda: _texts_with(None), InputTypeError, r"texts\[3\] must be a str, got NoneType"),
    ("nan-item", lambda: _texts_with(float("nan")), InputTypeError, r"texts\[3\] must be a str, got float"),
    ("list-item", lambda: _texts_with(["wind"]), InputTypeError, r"texts\[3\] must be a str, got list"),
]


@pytest.mark.parametrize("texts, error, message", [b[1:] for b in BAD_TEXTS], ids=[b[0] for b in BAD_TEXTS])
def test_bad_texts(texts: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        greentag.train(texts(), LABELS, **FAST)


def _labels_with(entry: object, at: int = 3) -> list[object]:
    labels: list[object] = [list(doc) for doc in LABELS]
    labels[at] = entry
    return labels


BAD_LABELS: list[tuple[str, Callable[[], Any], str]] = [
    ("int", lambda: 5, "labels must be one entry per document .a list., got int"),
    ("dict", lambda: {"energy": [0, 1]}, "labels must be one entry per document .a list., got dict"),
    ("one-string", lambda: "energy", "not a single string"),
    ("indicator-matrix", lambda: np.zeros((len(TEXTS), 4)), "pass an indicator matrix to TopicTagger"),
    ("too-few", lambda: iter(LABELS[:-1]), f"got {len(TEXTS)} texts but {len(TEXTS) - 1} label entries"),
    ("too-many", lambda: [*LABELS, ["energy"]], f"got {len(TEXTS)} texts but {len(TEXTS) + 1} label entries"),
    ("int-entry", lambda: _labels_with(7), r"labels\[3\] must be a label string or a list of label strings, got int"),
    ("bytes-entry", lambda: _labels_with(b"energy"), r"labels\[3\] must be a label string or a list .* got bytes"),
    ("dict-entry", lambda: _labels_with({"energy": 1}), r"labels\[3\] must be a label string or a list .* got dict"),
    ("bytes-label", lambda: _labels_with([b"energy"]), r"labels\[3\] contains b'energy' \(bytes\)"),
    ("none-label", lambda: _labels_with([None]), r"labels\[3\] contains None \(NoneType\)"),
    ("nan-label", lambda: _labels_with([float("nan")]), r"labels\[3\] contains nan \(float\)"),
    ("nested-label", lambda: _labels_with([["energy"]]), r"labels\[3\] contains \['energy'\] \(list\)"),
    ("blank-label", lambda: _labels_with(["energy", " \t "]), r"labels\[3\] contains an empty label"),
    ("surrogate-label", lambda: _labels_with(["energy\udc80"]), r"labels\[3\] contains .* not valid Unicode text"),
    ("all-empty", lambda: [[] for _ in TEXTS], f"none of the {len(TEXTS)} training documents has a label"),
    ("all-none", lambda: [None for _ in TEXTS], f"none of the {len(TEXTS)} training documents has a label"),
    ("all-empty-tuples", lambda: iter([()] * len(TEXTS)), "none of the .* training documents has a label"),
]


@pytest.mark.parametrize("labels, message", [b[1:] for b in BAD_LABELS], ids=[b[0] for b in BAD_LABELS])
def test_bad_labels(labels: Callable[[], Any], message: str) -> None:
    with pytest.raises(DataError, match=message):
        greentag.train(TEXTS, labels(), **FAST)


@pytest.mark.parametrize(
    "texts, message",
    [
        ([""] * 6, "no terms left after applying"),
        (["the and of", "it is to", "a an the", "of in on", "and or", "is was"], "no terms left after applying"),
        (["!!!", "...", "???", "---", "***", "&&&"], "no terms left after applying"),
        (["\x00\x00", "\ud800", "\u200b", "\ufeff", " ", "\t"], "no terms left after applying"),
    ],
    ids=["empty-strings", "stop-words-only", "punctuation-only", "invisible-only"],
)
def test_texts_without_any_term(texts: list[str], message: str) -> None:
    with pytest.raises(DataError, match=message):
        greentag.train(texts, [["a"], ["b"]] * 3, **FAST)


# ------------------------------------------------------- degenerate labels
def test_one_document() -> None:
    with pytest.warns(LabelWarning, match="only 1 documents: too few to cross-validate"):
        model = greentag.train(["The wind farm feeds the grid."], [["energy"]], min_df=1)
    assert model.labels == ["energy"]
    assert [t.label for t in model.tag("wind farm")] == ["energy"]


def test_one_label_on_every_document(tmp_path: Path) -> None:
    with pytest.warns(LabelWarning, match=r"\['news'\] are on every training document"):
        model = greentag.train(TEXTS, [["news"]] * len(TEXTS), **FAST)
    assert [t.label for t in model.tag(TEXTS[5])] == ["news"]
    usable(model, tmp_path)


def test_label_missing_from_one_document_only(tmp_path: Path) -> None:
    labels = [[*doc, "news"] for doc in LABELS]
    labels[0] = list(LABELS[0])
    model = train_quietly(TEXTS, labels)
    assert "news" in model.labels
    usable(model, tmp_path)


def test_every_document_has_its_own_label(tmp_path: Path) -> None:
    labels = [[f"topic-{i:02d}"] for i in range(len(TEXTS))]
    with pytest.warns(LabelWarning, match=r"\['topic-00', 'topic-01', .*\.\.\. 30 more'\] have a single training"):
        model = greentag.train(TEXTS, labels, **FAST)
    assert len(model.labels) == len(TEXTS)
    usable(model, tmp_path)


def test_many_labels_on_every_document(tmp_path: Path) -> None:
    many = [f"label-{j:03d}" for j in range(150)]
    with pytest.warns(LabelWarning, match="are on every training document"):
        model = greentag.train(TEXTS, [many[:] for _ in TEXTS], **FAST)
    assert len(model.tag(TEXTS[0], top_k=3)) == 3
    usable(model, tmp_path)


def test_identical_texts_with_different_labels(tmp_path: Path) -> None:
    texts = ["The wind farm feeds the grid."] * 10
    model = train_quietly(texts, [["a"], ["b"]] * 5)
    probs = model.predict_proba(texts[:1])[0]
    assert np.all(np.isfinite(probs)) and np.all((probs >= 0) & (probs <= 1))
    usable(model, tmp_path)


def test_duplicate_and_padded_labels_count_once() -> None:
    labels = [[f" {label} " for label in doc] + list(doc) + list(doc) for doc in LABELS]
    model = greentag.train(TEXTS, labels, **FAST)
    reference = greentag.train(TEXTS, LABELS, **FAST)
    assert model.labels == reference.labels
    np.testing.assert_array_equal(model.predict_proba(TEXTS), reference.predict_proba(TEXTS))


def test_label_names_of_every_kind(tmp_path: Path) -> None:
    odd = {
        "energy": "énergie / энергия / 能源",
        "transport": "transport\nand logistics",
        "health": '"health" <script>',
        "finance": "__label__finance",
    }
    model = greentag.train(TEXTS, [[odd[label] for label in doc] for doc in LABELS], **FAST)
    assert sorted(model.labels) == sorted(odd.values())
    usable(model, tmp_path)


def test_labels_of_any_iterable_kind() -> None:
    as_lists = greentag.train(TEXTS, LABELS, **FAST)
    kinds = [
        (tuple(doc) for doc in LABELS),
        [set(doc) for doc in LABELS],
        [np.array(doc, dtype=str) for doc in LABELS],
        [doc or None for doc in LABELS],
    ]
    for labels in kinds:
        model = greentag.train(iter(TEXTS), labels, **FAST)
        np.testing.assert_array_equal(model.predict_proba(TEXTS), as_lists.predict_proba(TEXTS))


def test_hostile_texts_train(tmp_path: Path) -> None:
    texts = [
        f"{text} \x00 \ud800 <script>alert(1)</script> {'😀' * 5} {'q' * 5000}" if i % 3 == 0 else text
        for i, text in enumerate(TEXTS)
    ]
    model = train_quietly(texts, LABELS)
    assert model.tag(TEXTS[0])
    usable(model, tmp_path)


# ------------------------------------------------------------ damaged files
DAMAGED_FILES: list[tuple[str, str, bytes, str]] = [
    (
        "jsonl-nested-deeply",
        "d.jsonl",
        b'{"text": "a", "labels": ' + b"[" * 100_000 + b"\n",
        r"d.jsonl:1: JSON nested too deeply",
    ),
    ("jsonl-nan-text", "d.jsonl", b'{"text": NaN, "labels": []}\n', r"d.jsonl:1: field 'text' is a float"),
    (
        "jsonl-null-line",
        "d.jsonl",
        b'{"text": "a", "labels": ["x"]}\nnull\n',
        r"d.jsonl:2: expected a JSON object, got NoneType",
    ),
    (
        "jsonl-labels-object",
        "d.jsonl",
        b'{"text": "a", "labels": {"x": 1}}\n',
        r"d.jsonl:1: 'labels' must be a string or a list",
    ),
    (
        "jsonl-labels-number",
        "d.jsonl",
        b'{"text": "a", "labels": 3}\n',
        r"d.jsonl:1: 'labels' must be a string or a list",
    ),
    (
        "jsonl-truncated-line",
        "d.jsonl",
        b'{"text": "a", "labels": ["x"]}\n{"text": "b", "lab',
        r"d.jsonl:2: not valid JSON",
    ),
    ("jsonl-latin1", "d.jsonl", b'{"text": "caf\xe9", "labels": ["x"]}\n', r"d.jsonl:1: not valid utf-8"),
    ("jsonl-utf16", "d.jsonl", '{"text": "a", "labels": ["x"]}\n'.encode("utf-16"), r"d.jsonl:1: not valid utf-8"),
    ("jsonl-binary", "d.jsonl", bytes(range(256)), r"d.jsonl:1: "),
    ("jsonl-gz-not-gzip", "d.jsonl.gz", b'{"text": "a"}\n', r"d.jsonl.gz:1: cannot read: Not a gzipped file"),
    ("csv-gz-not-gzip", "d.csv.gz", b"text,labels\na,x\n", r"d.csv.gz:1: cannot read: Not a gzipped file"),
    (
        "csv-gz-truncated",
        "d.csv.gz",
        gzip.compress(b"text,labels\n" + b"a,x\n" * 500)[:-20],
        r"d.csv.gz:\d+: cannot read",
    ),
    ("csv-unterminated-quote", "d.csv", b'text,labels\n"wind farm,x\n', r"d.csv:2: malformed CSV"),
    ("csv-short-row", "d.csv", b"text,labels\nwind farm\n", r"d.csv:2: expected 2 fields, found 1"),
    ("csv-bad-header-encoding", "d.csv", b"t\xffxt,labels\na,x\n", r"d.csv:1: not valid utf-8"),
    ("csv-no-labels-column", "d.csv", b"text,topics\na,x\n", r"d.csv:1: no 'labels' column"),
    ("tsv-csv-content", "d.tsv", b"text,labels\na,x\n", r"d.tsv:1: no 'text' column"),
    ("fasttext-tabs-only", "d.txt", b"__label__x\t\t\n", r"d.txt:1: a line with labels but no text"),
    ("fasttext-prefix-only", "d.txt", b"__label__ wind\n", r"d.txt:1: an empty label"),
    ("fasttext-second-line", "d.txt", b"__label__x wind\n__label__y\n", r"d.txt:2: a line with labels but no text"),
]


@pytest.mark.parametrize("name, content, message", [d[1:] for d in DAMAGED_FILES], ids=[d[0] for d in DAMAGED_FILES])
def test_damaged_files_name_the_file_and_line(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_dataset(path)


GOOD_LINES = {
    "d.jsonl": b'{"text": "wind farm", "labels": ["energy"]}\n',
    "d.csv": b"wind farm,energy\n",
    "d.txt": b"__label__energy wind farm\n",
    "d.jsonl.gz": b'{"text": "wind farm", "labels": ["energy"]}\n',
}
HEADERS = {"d.csv": b"text,labels\n"}


@pytest.mark.parametrize("bad_line", [2, 3, 700], ids=["second-line", "third-line", "past-the-first-block"])
@pytest.mark.parametrize("name", sorted(GOOD_LINES))
def test_an_undecodable_byte_is_reported_on_its_own_line(tmp_path: Path, name: str, bad_line: int) -> None:
    # The decoder reads ahead in blocks of kilobytes; the error must still
    # name the line holding the byte, not the line where the block began.
    header = HEADERS.get(name, b"")
    body = [GOOD_LINES[name]] * (bad_line - 1 - header.count(b"\n"))
    lines = header + b"".join(body) + GOOD_LINES[name].replace(b"wind", b"w\xe9nd") + GOOD_LINES[name] * 50
    path = tmp_path / name
    path.write_bytes(gzip.compress(lines) if name.endswith(".gz") else lines)
    with pytest.raises(
        DataError, match=rf"{re.escape(name)}:{bad_line}: not valid utf-8 text \(invalid continuation byte\)"
    ):
        read_dataset(path)


def test_files_that_read_fine(tmp_path: Path) -> None:
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b'\xef\xbb\xbf{"text": "wind farm", "labels": ["energy"]}\r\n\r\n   \n')
    assert read_dataset(bom) == (["wind farm"], [["energy"]])
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"text,labels\nwind\x00farm,energy\n")
    assert read_dataset(nul) == (["wind\x00farm"], [["energy"]])
    big = tmp_path / "big.csv"
    write_dataset(big, ["wind " * 200_000], [["energy"]])  # a field far over csv's default limit
    assert read_dataset(big)[0] == ["wind " * 200_000]
    header_only = tmp_path / "header.csv"
    header_only.write_text("text,labels\n", encoding="utf-8")
    assert read_dataset(header_only) == ([], [])
    empty_gz = tmp_path / "empty.txt.gz"
    empty_gz.write_bytes(b"")
    assert read_dataset(empty_gz) == ([], [])
    escaped = tmp_path / "escaped.jsonl"
    escaped.write_text('{"text": "wind \\ud800 farm", "labels": "energy"}\n', encoding="utf-8")
    assert read_dataset(escaped) == (["wind \ud800 farm"], [["energy"]])


def test_label_folders_with_bad_entries(tmp_path: Path) -> None:
    (tmp_path / "energy").mkdir()
    (tmp_path / "energy" / "a.txt").write_text("wind farm", encoding="utf-8")
    (tmp_path / "energy" / "loop").symlink_to(tmp_path / "energy")
    (tmp_path / "transport").mkdir()  # an empty label folder
    assert read_dataset(tmp_path) == (["wind farm"], [["energy"]])
    (tmp_path / "energy" / "b.txt").write_bytes(b"caf\xe9")
    with pytest.raises(DataError, match=r"energy/b.txt: not valid utf-8"):
        read_dataset(tmp_path)
    (tmp_path / "energy" / "b.txt").unlink()
    (tmp_path / "energy" / "c.txt").mkdir()
    with pytest.raises(DataError, match=r"energy/c.txt: cannot read"):
        read_dataset(tmp_path)
    empty = tmp_path / "nothing"
    empty.mkdir()
    with pytest.raises(DataError, match="no label folders or data files found"):
        read_dataset(empty)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("in.csv", b"id,text\n1,caf\xe9\n", r"in.csv:2: not valid utf-8"),
        ("in.csv.gz", b"id,text\n1,a\n", r"in.csv.gz:1: cannot read"),
        ("in.csv", b'id,text\n1,"open quote\n', r"in.csv:2: malformed CSV"),
        ("in.jsonl", b"[" * 100_000 + b"\n", r"in.jsonl:1: JSON nested too deeply"),
        ("in.jsonl", b'{"id": 1}\n', r"in.jsonl:1: no string field 'text'"),
    ],
    ids=["csv-encoding", "csv-gz-not-gzip", "csv-open-quote", "jsonl-nested", "jsonl-no-text"],
)
def test_unlabeled_document_readers(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        list(iter_documents(path))


# ------------------------------------------------------------ write_dataset
UNWRITABLE: list[tuple[str, str, list[Any], list[Any], str]] = [
    ("lone-surrogate-text", "d.jsonl", ["ok", "bad \ud800"], [["x"], ["x"]], "record 1: it contains a lone surrogate"),
    ("lone-surrogate-label", "d.csv", ["ok"], [["x\udfff"]], "record 0: it contains a lone surrogate"),
    (
        "more-texts",
        "d.jsonl",
        ["a", "b", "c"],
        [["x"], ["y"]],
        r"more texts than label entries \(no labels for text 2\)",
    ),
    ("more-labels", "d.csv", ["a"], [["x"], ["y"]], "more label entries than the 1 texts"),
    ("non-str-text", "d.jsonl", ["a", 5], [["x"], ["y"]], "record 1: the text is a int"),
    ("non-str-label", "d.tsv", ["a"], [[5]], "record 0: labels must be strings"),
    ("fasttext-no-label", "d.txt", ["wind"], [[]], "record 0: fastText lines need at least one label"),
    ("fasttext-no-words", "d.txt", ["  \n "], [["x"]], "record 0: fastText lines need some text"),
    (
        "fasttext-label-space",
        "d.txt",
        ["wind"],
        [["green energy"]],
        "fastText labels cannot be empty or contain whitespace",
    ),
    ("fasttext-label-like-word", "d.ft", ["see __label__x here"], [["y"]], "would read back as a label"),
    ("csv-separator-in-label", "d.csv", ["wind"], [["a|b"]], "contains a label separator"),
    ("csv-comma-in-label", "d.csv", ["wind"], [["trade, services"]], "contains a label separator"),
]


@pytest.mark.parametrize("name, texts, labels, message", [u[1:] for u in UNWRITABLE], ids=[u[0] for u in UNWRITABLE])
def test_write_dataset_refuses_what_it_cannot_read_back(
    tmp_path: Path, name: str, texts: list[Any], labels: list[Any], message: str
) -> None:
    path = tmp_path / name
    path.write_text("previous content\n", encoding="utf-8")
    with pytest.raises(DataError, match=message):
        write_dataset(path, texts, labels)
    assert path.read_text(encoding="utf-8") == "previous content\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_write_dataset_interrupted_keeps_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl.gz"
    write_dataset(path, ["old"], [["x"]])
    before = path.read_bytes()

    def texts() -> Iterator[str]:
        yield from ["new one", "new two"]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_dataset(path, texts(), [["x"]] * 3)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["d.jsonl.gz"]


def test_write_dataset_accepts_a_plain_label_string(tmp_path: Path) -> None:
    write_dataset(tmp_path / "d.jsonl", ["wind farm"], ["energy"])
    assert read_dataset(tmp_path / "d.jsonl") == (["wind farm"], [["energy"]])


# --------------------------------------------- failed runs leave no damage
@pytest.fixture
def existing_model(small_model: Tagger, tmp_path: Path) -> Path:
    path = tmp_path / "out" / "model.gtm"
    path.parent.mkdir()
    small_model.save(path)
    return path


def run_cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(list(args), stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


BAD_TRAINING_FILES: list[tuple[str, str, bytes, str]] = [
    ("jsonl-syntax", "bad.jsonl", b'{"text": "wind", "labels": ["x"]}\n{oops\n', r"bad.jsonl:2: not valid JSON"),
    (
        "jsonl-no-labels-anywhere",
        "bad.jsonl",
        b'{"text": "wind", "labels": []}\n' * 3,
        "none of the 3 training documents has a label",
    ),
    ("csv-missing-column", "bad.csv", b"body,labels\nwind,x\n", r"bad.csv:1: no 'text' column"),
    ("csv-bad-encoding", "bad.csv", b"text,labels\nwind,x\ncaf\xe9,y\n", r"bad.csv:3: not valid utf-8"),
    (
        "fasttext-no-text",
        "bad.txt",
        b"__label__x wind farm\n__label__y\n",
        r"bad.txt:2: a line with labels but no text",
    ),
    ("empty-file", "bad.jsonl", b"", "no training documents"),
    ("gz-not-gzip", "bad.csv.gz", b"text,labels\n", r"bad.csv.gz:1: cannot read"),
]


@pytest.mark.parametrize(
    "name, content, message", [b[1:] for b in BAD_TRAINING_FILES], ids=[b[0] for b in BAD_TRAINING_FILES]
)
@pytest.mark.parametrize("out_of_core", [False, True], ids=["in-memory", "out-of-core"])
def test_cli_train_on_bad_data_leaves_the_existing_model_untouched(
    existing_model: Path, tmp_path: Path, name: str, content: bytes, message: str, out_of_core: bool
) -> None:
    data = tmp_path / name
    data.write_bytes(content)
    before = existing_model.read_bytes()
    code, err = run_cli("train", str(data), "-o", str(existing_model), *(["--out-of-core"] if out_of_core else []))
    assert code == 1
    assert re.search(message, err), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert existing_model.read_bytes() == before
    assert [p.name for p in existing_model.parent.iterdir()] == ["model.gtm"]


@pytest.mark.parametrize("where", ["training", "saving"])
def test_cli_train_interrupted_leaves_the_existing_model_untouched(
    existing_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    import os

    data = tmp_path / "good.jsonl"
    write_dataset(data, TEXTS, LABELS)
    before = existing_model.read_bytes()

    def interrupt(*args: object, **kwargs: object) -> Any:
        raise KeyboardInterrupt

    if where == "training":
        monkeypatch.setattr(greentag.training, "train", interrupt)
    else:
        monkeypatch.setattr(os, "fsync", interrupt)
    code, err = run_cli("train", str(data), "-o", str(existing_model), "--min-df", "1", "--cv", "3")
    assert code == 130 and "interrupted" in err
    assert existing_model.read_bytes() == before
    assert [p.name for p in existing_model.parent.iterdir()] == ["model.gtm"]


def test_cli_train_into_a_missing_folder_creates_nothing(tmp_path: Path) -> None:
    data = tmp_path / "good.jsonl"
    write_dataset(data, TEXTS, LABELS)
    code, err = run_cli("train", str(data), "-o", str(tmp_path / "no" / "such" / "model.gtm"), "--min-df", "1")
    assert code == 1 and "does not exist" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.jsonl"]


def test_out_of_core_source_that_changes_between_readings(tmp_path: Path) -> None:
    from greentag.training import train_out_of_core

    spool = tmp_path / "spool"
    spool.mkdir()
    readings = []

    def records() -> Iterator[tuple[str, list[str]]]:
        readings.append(1)
        for i, (text, labels) in enumerate(zip(TEXTS, LABELS, strict=True)):
            # The second reading finds a damaged record, as if the file was being rewritten.
            yield (text if len(readings) == 1 or i != 7 else None), labels  # type: ignore[misc]

    with pytest.raises((DataError, TypeError), match=r"texts?\[7\]|record|second reading|must be a str"):
        train_out_of_core(records, chunk_size=8, min_df=1, spool_dir=spool)
    assert list(spool.iterdir()) == []
