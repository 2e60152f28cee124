"""Data readers and writers: every format, good and broken files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from greentag import DataError, read_dataset
from greentag.data import detect_format, iter_dataset, iter_documents, write_dataset

TEXTS = ["Solar park opens near the capital", "Freight trains cross the border, again", "Clinic opens"]
LABELS = [["energy", "green"], ["transport"], []]


@pytest.mark.parametrize(
    "name", ["data.jsonl", "data.jsonl.gz", "data.csv", "data.tsv", "data.txt", "data.ft"], ids=lambda n: n
)
def test_write_then_read_round_trip(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith((".txt", ".ft")):
        texts, labels = TEXTS[:2], LABELS[:2]  # fastText lines need at least one label
    else:
        texts, labels = TEXTS, LABELS
    assert write_dataset(path, texts, labels) == len(texts)
    assert read_dataset(path) == (texts, labels)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.CSV", "csv"),
        ("a.tsv.gz", "tsv"),
        ("a.txt", "fasttext"),
        ("a.ft", "fasttext"),
    ],
    ids=lambda v: str(v),
)
def test_detect_format(name: str, expected: str) -> None:
    assert detect_format(name) == expected


def test_unknown_suffix_needs_a_format(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot tell the format"):
        read_dataset(tmp_path / "data.xlsx")


def test_jsonl_accepts_a_single_label_string_and_label_key(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "labels": "x"}\n\n{"text": "b", "label": "y"}\n', encoding="utf-8")
    assert read_dataset(path) == (["a", "b"], [["x"], ["y"]])


def test_custom_field_names(tmp_path: Path) -> None:
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text('{"body": "grid", "topics": ["energy"]}\n', encoding="utf-8")
    assert read_dataset(jsonl, text_field="body", labels_field="topics") == (["grid"], [["energy"]])
    csv_path = tmp_path / "d.csv"
    csv_path.write_text("id,body,topics\n1,grid,energy;power\n", encoding="utf-8")
    assert read_dataset(csv_path, text_field="body", labels_field="topics") == (["grid"], [["energy", "power"]])
    assert read_dataset(csv_path, text_field="body", labels_field="topics", label_separator=",") == (
        ["grid"],
        [["energy;power"]],
    )


def test_csv_with_quoted_newlines_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text('\ufefftext,labels\n"line one\nline two, with comma",a|b\n', encoding="utf-8")
    assert read_dataset(path) == (["line one\nline two, with comma"], [["a", "b"]])


def test_fasttext_labels_anywhere_on_the_line(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_text("__label__a some text __label__b\n", encoding="utf-8")
    assert read_dataset(path) == (["some text"], [["a", "b"]])


def test_fasttext_custom_prefix(tmp_path: Path) -> None:
    path = tmp_path / "d.ft"
    path.write_text("#energy #green solar park\n", encoding="utf-8")
    assert read_dataset(path, label_prefix="#") == (["solar park"], [["energy", "green"]])


def test_label_folders(tmp_path: Path) -> None:
    for label, name, text in [
        ("energy", "a.txt", "solar"),
        ("green", "a.txt", "solar"),
        ("transport", "b.txt", "rail"),
        ("energy", "c.txt", "grid"),
    ]:
        (tmp_path / label).mkdir(exist_ok=True)
        (tmp_path / label / name).write_text(text, encoding="utf-8")
    texts, labels = read_dataset(tmp_path)
    assert sorted(zip(texts, map(tuple, labels), strict=True)) == [
        ("grid", ("energy",)),
        ("rail", ("transport",)),
        ("solar", ("energy", "green")),
    ]


def test_folder_of_data_files_is_concatenated_in_name_order(tmp_path: Path) -> None:
    write_dataset(tmp_path / "b.jsonl", ["second"], [["y"]])
    write_dataset(tmp_path / "a.jsonl", ["first"], [["x"]])
    (tmp_path / "taxonomy.json").write_text("{}", encoding="utf-8")
    assert read_dataset(tmp_path) == (["first", "second"], [["x"], ["y"]])


def test_iter_dataset_is_lazy(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "ok", "labels": []}\nnot json\n', encoding="utf-8")
    records = iter_dataset(path)
    assert next(records) == ("ok", [])
    with pytest.raises(DataError):
        next(records)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("d.jsonl", '{"text": "ok", "labels": []}\n{"text": "bad", \n', r"d.jsonl:2: not valid JSON"),
        ("d.jsonl", '["a list"]\n', r"d.jsonl:1: expected a JSON object"),
        ("d.jsonl", '{"labels": ["a"]}\n', r"d.jsonl:1: field 'text' is missing"),
        ("d.jsonl", '{"text": 5, "labels": ["a"]}\n', r"d.jsonl:1: field 'text' is a int"),
        ("d.jsonl", '{"text": "a"}\n', r"d.jsonl:1: field 'labels' is missing"),
        ("d.jsonl", '{"text": "a", "labels": [1]}\n', r"d.jsonl:1: 'labels' must be a string or a list of strings"),
        ("d.csv", "body,labels\nx,y\n", r"d.csv:1: no 'text' column; the header has \['body', 'labels'\]"),
        ("d.csv", "text,labels\nx,y,z\n", r"d.csv:2: expected 2 fields, found 3"),
        ("d.csv", "", r"d.csv:1: empty file"),
        ("d.txt", "__label__a __label__b\n", r"d.txt:1: a line with labels but no text"),
        ("d.txt", "no labels here\n", r"d.txt:1: no '__label__' label on the line"),
        ("d.txt", "__label__ text\n", r"d.txt:1: an empty label"),
    ],
    ids=[
        "jsonl-syntax",
        "jsonl-not-object",
        "jsonl-no-text",
        "jsonl-text-type",
        "jsonl-no-labels",
        "jsonl-label-type",
        "csv-missing-column",
        "csv-extra-field",
        "csv-empty",
        "fasttext-no-text",
        "fasttext-no-label",
        "fasttext-empty-label",
    ],
)
def test_broken_files_name_file_and_line(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_dataset(path)


@pytest.mark.parametrize("name", ["d.jsonl", "d.csv", "d.txt"], ids=lambda n: n)
def test_bad_encoding_names_the_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    good = {"d.jsonl": '{"text": "a", "labels": ["x"]}\n', "d.csv": "text,labels\na,x\n", "d.txt": "__label__x a\n"}[
        name
    ]
    path.write_bytes(good.encode() + b"\xff\xfe broken \xc3\x28\n")
    with pytest.raises(DataError, match=rf"{name}:\d+: not valid utf-8"):
        read_dataset(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_dataset(tmp_path / "nope.jsonl")


def test_gzip_corruption_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"text": "a", "labels": []}\n' * 100)[:-30])
    with pytest.raises(DataError, match=r"d\.jsonl\.gz"):
        read_dataset(path)


def test_iter_documents_formats(tmp_path: Path) -> None:
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(json.dumps({"id": "a1", "text": "x"}) + "\n" + json.dumps({"text": "y"}) + "\n", encoding="utf-8")
    assert list(iter_documents(jsonl)) == [("a1", "x"), (2, "y")]
    text = tmp_path / "in.txt"
    text.write_text("first\n\nthird\n", encoding="utf-8")
    assert list(iter_documents(text)) == [(1, "first"), (3, "third")]
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("id,text\nk1,hello\n", encoding="utf-8")
    assert list(iter_documents(csv_path)) == [("k1", "hello")]
