"""The command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from greentag.data import write_dataset

from .corpus import LABELS, TEXTS


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "greentag", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    write_dataset(folder / "train.jsonl", TEXTS, LABELS)
    result = run("train", str(folder / "train.jsonl"), "-o", str(folder / "model.gtm"), "--min-df", "1", "--cv", "3")
    assert result.returncode == 0, result.stderr
    assert "trained on 40 documents, 4 labels" in result.stdout
    return folder / "model.gtm"


def test_help_shows_examples() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout and "greentag tag" in result.stdout
    tag_help = run("tag", "--help")
    assert "--threshold" in tag_help.stdout and "examples:" in tag_help.stdout


def test_tag_text_with_a_trained_model(trained: Path) -> None:
    result = run("tag", "Wind turbines feed the power grid", "--model", str(trained))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "energy"


def test_tag_json_formats(trained: Path, tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("Nurses at the hospital treat patients", encoding="utf-8")
    result = run("tag", str(doc), "--model", str(trained), "--format", "json", "--top-k", "1")
    payload = json.loads(result.stdout)
    assert payload["source"] == str(doc)
    assert [t["label"] for t in payload["tags"]] == ["health"]
    lines = run(
        "tag", str(doc), "Freight trains and the port", "--model", str(trained), "--format", "jsonl"
    ).stdout.splitlines()
    assert [json.loads(line)["tags"][0]["label"] for line in lines] == ["health", "transport"]


def test_tag_reads_stdin(trained: Path) -> None:
    result = run("tag", "-", "--model", str(trained), "--format", "json", "--threshold", "0.0")
    assert result.returncode == 0
    result = run("tag", "-", "--model", str(trained), "--format", "json", stdin="The central bank raised rates")
    assert json.loads(result.stdout)["tags"][0]["label"] == "finance"


def test_tag_streams_a_file(trained: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(TEXTS)), encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    result = run("tag", "--input", str(source), "--output", str(out), "--model", str(trained), "--batch-size", "7")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [f"d{i}" for i in range(len(TEXTS))]
    from greentag import Tagger

    model = Tagger.load(trained)
    expected = [[t.label for t in tags] for tags in model.tag_many(TEXTS)]
    assert [[t["label"] for t in r["tags"]] for r in records] == expected


def test_explain_labels_info(trained: Path) -> None:
    explained = run("explain", "Solar power for electric buses", "--model", str(trained), "--label", "energy")
    assert explained.returncode == 0 and explained.stdout.startswith("energy ")
    assert "solar" in explained.stdout
    labels = run("labels", "--model", str(trained))
    assert [line.split()[0] for line in labels.stdout.splitlines()] == ["energy", "finance", "health", "transport"]
    info = json.loads(run("info", str(trained), "--format", "json").stdout)
    assert info["n_documents"] == 40 and info["labels"][0] == "energy"


def test_info_without_a_model_describes_the_shipped_one() -> None:
    shown = run("info")
    assert shown.returncode == 0, shown.stderr
    assert "languages  en, ru, zh, kk" in shown.stdout
    assert "14: agriculture" in shown.stdout


def test_evaluate(trained: Path, tmp_path: Path) -> None:
    data = tmp_path / "test.csv"
    write_dataset(data, TEXTS, LABELS)
    text = run("evaluate", str(trained), str(data))
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("40 documents") and "micro" in text.stdout
    report = json.loads(run("evaluate", str(trained), str(data), "--format", "json").stdout)
    assert report["micro"]["f1"] > 0.8


@pytest.mark.parametrize(
    "args, message",
    [
        (["tag", "x", "--model", "missing.gtm"], "greentag: error: model file 'missing.gtm' does not exist"),
        (["train", "missing.jsonl", "-o", "m.gtm"], "greentag: error: missing.jsonl: no such file"),
        (["info", "setup.py"], "is not a greentag model file"),
        (["tag"], "nothing to tag"),
        (["tag", "x", "--threshold", "2"], "must be between 0 and 1"),
    ],
    ids=["missing-model", "missing-data", "not-a-model", "no-input", "bad-threshold"],
)
def test_errors_are_one_line_without_traceback(args: list[str], message: str) -> None:
    result = run(*args, cwd=Path(__file__).resolve().parents[1])
    assert result.returncode in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_training_data_names_file_and_line(tmp_path: Path) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"text": "a", "labels": ["x"]}\n{oops}\n', encoding="utf-8")
    result = run("train", str(data), "-o", str(tmp_path / "m.gtm"))
    assert result.returncode == 1
    assert f"{data}:2: not valid JSON" in result.stderr
    assert not (tmp_path / "m.gtm").exists()


def test_a_closed_pipe_is_not_an_error(trained: Path) -> None:
    # `greentag labels | head -1`: the reader leaves early; no error message, exit 0.
    command = f"{sys.executable} -m greentag labels --model {trained} | head -1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("energy")
    assert "error" not in result.stderr.lower() and "Traceback" not in result.stderr
