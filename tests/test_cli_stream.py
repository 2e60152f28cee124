"""``greentag tag --input FILE --output FILE``: streaming, progress, and what Ctrl-C leaves behind."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from greentag.cli import _JsonlSink, main
from greentag.model import Tagger

from .corpus import TEXTS

DOCS = [f"{TEXTS[i % len(TEXTS)]} {TEXTS[(3 * i + 1) % len(TEXTS)]}" for i in range(120)]
IDS = [f"doc-{i}" for i in range(len(DOCS))]


@pytest.fixture(scope="module")
def model_path(small_model: Tagger, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "small.gtm"
    small_model.save(path)
    return path


class _Terminal(io.StringIO):
    """A standard error that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _write_input(path: Path, fmt: str) -> None:
    if fmt == "jsonl":
        path.write_text(
            "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(IDS, DOCS, strict=True)), encoding="utf-8"
        )
    elif fmt in ("csv", "tsv"):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="," if fmt == "csv" else "\t")
            writer.writerow(["id", "text"])
            writer.writerows(zip(IDS, DOCS, strict=True))
    else:
        path.write_text("".join(t + "\n" for t in DOCS), encoding="utf-8")


def _run(*args: str, err: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), err if err is not None else io.StringIO()
    code = main(list(args), stdout=out, stderr=err, stdin=io.StringIO())
    return code, out.getvalue(), err.getvalue()


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    ("fmt", "suffix", "expected_ids"),
    [
        ("jsonl", ".jsonl", IDS),
        ("csv", ".csv", IDS),
        ("tsv", ".tsv", IDS),
        ("text", ".txt", list(range(1, len(DOCS) + 1))),  # plain text: the id is the line number
    ],
    ids=["jsonl", "csv", "tsv", "text"],
)
def test_every_format_streams_to_jsonl_with_the_model_tags(
    model_path: Path, small_model: Tagger, tmp_path: Path, fmt: str, suffix: str, expected_ids: list[object]
) -> None:
    source, target = tmp_path / f"in{suffix}", tmp_path / "out.jsonl"
    _write_input(source, fmt)
    code, stdout, _ = _run(
        "tag", "--input", str(source), "--output", str(target), "--model", str(model_path), "--batch-size", "16"
    )
    assert code == 0 and stdout == ""
    records = _records(target)
    assert [r["id"] for r in records] == expected_ids
    expected = [[{"label": t.label, "score": round(t.score, 6)} for t in tags] for tags in small_model.tag_many(DOCS)]
    assert [r["tags"] for r in records] == expected


def test_without_output_the_records_go_to_stdout(model_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    _write_input(source, "jsonl")
    code, stdout, stderr = _run("tag", "--input", str(source), "--model", str(model_path), "--top-k", "1")
    assert code == 0 and stderr == ""
    records = [json.loads(line) for line in stdout.splitlines()]
    assert [r["id"] for r in records] == IDS
    assert all(len(r["tags"]) <= 1 for r in records)


def test_two_processes_write_the_same_file(model_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    _write_input(source, "text")
    outputs = []
    for n_jobs in ("1", "2"):
        target = tmp_path / f"out{n_jobs}.jsonl"
        args = ("--model", str(model_path), "--batch-size", "10", "--n-jobs", n_jobs, "--quiet")
        assert _run("tag", "--input", str(source), "--output", str(target), *args)[0] == 0
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    ("terminal", "quiet", "bar"),
    [(True, False, True), (True, True, False), (False, False, False)],
    ids=["terminal", "terminal-quiet", "not-a-terminal"],
)
def test_progress_bar_only_on_a_terminal_and_not_with_quiet(
    model_path: Path, tmp_path: Path, terminal: bool, quiet: bool, bar: bool
) -> None:
    source, target = tmp_path / "in.txt", tmp_path / "out.jsonl"
    _write_input(source, "text")
    err = _Terminal() if terminal else io.StringIO()
    args = ["tag", "--input", str(source), "--output", str(target), "--model", str(model_path)]
    code, _, stderr = _run(*args, *(["--quiet"] if quiet else []), err=err)
    assert code == 0
    assert (f"{len(DOCS)} docs" in stderr) is bar  # tqdm's final count
    assert (stderr == "") is quiet
    assert len(_records(target)) == len(DOCS)  # the bar never lands in the output


def test_a_missing_input_fails_before_touching_the_output(model_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    code, _, stderr = _run("tag", "--input", str(tmp_path / "nope.jsonl"), "--output", str(target))
    assert code == 1
    assert "nope.jsonl: no such file" in stderr
    assert not target.exists()


def test_a_bad_record_stops_with_its_line_and_leaves_whole_records(model_path: Path, tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [json.dumps({"id": i, "text": t}) for i, t in zip(IDS, DOCS, strict=True)]
    lines[50] = "{not json"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, stderr = _run(
        "tag", "--input", str(source), "--output", str(target), "--model", str(model_path), "--batch-size", "8"
    )
    assert code == 1
    assert "in.jsonl:51: not valid JSON" in stderr
    ids = [r["id"] for r in _records(target)]
    assert ids == IDS[: len(ids)]


def test_rollback_cuts_a_half_written_block(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    sink = _JsonlSink(target, io.StringIO())
    sink.write(['{"id": 1}\n', '{"id": 2}\n'])
    # What a write cut short by a signal leaves: part of a block, in the buffer or the file.
    sink._file.write(b'{"id": 3}\n{"id"')  # type: ignore[union-attr]
    sink.rollback()
    sink.close()
    assert target.read_text(encoding="utf-8") == '{"id": 1}\n{"id": 2}\n'
    assert sink.records == 2


def _wait_for_lines(path: Path, count: int, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        if process.poll() is not None:
            pytest.fail(f"greentag exited early: {process.stderr.read().decode() if process.stderr else ''}")
        time.sleep(0.05)
    pytest.fail(f"no output in {path} after {timeout} s")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a subprocess is POSIX")
@pytest.mark.parametrize("n_jobs", ["1", "2"], ids=["one-process", "two-processes"])
def test_ctrl_c_leaves_a_valid_truncated_file(model_path: Path, tmp_path: Path, n_jobs: str) -> None:
    target = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "greentag", "tag", "--input", "-", "--input-format", "jsonl"]
    command += ["--output", str(target), "--model", str(model_path), "--batch-size", "5", "--n-jobs", n_jobs]
    # A shell that starts the tests in the background makes them ignore SIGINT, and children
    # inherit that; a user's greentag gets the default handler, so give it that here.
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdin is not None
    # Feed the documents slowly, so the interrupt lands while the stream is mid-way.
    sent = 0
    for doc_id, text in zip(IDS, DOCS, strict=True):
        process.stdin.write((json.dumps({"id": doc_id, "text": text}) + "\n").encode())
        process.stdin.flush()
        sent += 1
        if sent == 40:
            _wait_for_lines(target, 10, process)
            process.send_signal(signal.SIGINT)
            break
    try:
        _, stderr = process.communicate(timeout=120)
    except BrokenPipeError:  # it stopped reading: fine
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr.decode()
    assert b"interrupted" in stderr
    records = [json.loads(line) for line in target.read_bytes().decode("utf-8").splitlines()]
    assert target.read_bytes().endswith(b"\n")
    assert 10 <= len(records) <= sent
    assert [r["id"] for r in records] == IDS[: len(records)]
    assert all(isinstance(r["tags"], list) for r in records)
