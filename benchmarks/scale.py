"""Scale: throughput against processes, memory against input size, out-of-core training.

Prints Markdown tables (and with ``--write`` puts them in the "## Scale" section
of BENCHMARKS.md):

1. tagging throughput of ``tag_many`` with 1 and 2 processes (median of
   interleaved repeats, after a warm-up that starts the worker processes);
2. peak memory of ``greentag tag --input FILE --output FILE`` for 20,000 and
   200,000 generated documents, each run in a fresh process;
3. peak memory of out-of-core against in-memory training as the corpus grows;
4. Reuters-21578 R90: out-of-core against in-memory training (micro/macro F1,
   time, peak memory), when ../shared/datasets is present.

Every measurement of memory runs in a fresh process and reads the kernel's
high-water mark of its resident set (``ru_maxrss``), so one run cannot inflate
another. The documents are generated here from word lists written for this
script (no dataset text); they look like short news items to the tagger.

Usage::

    python benchmarks/scale.py                 # everything: about ten minutes on two cores
    python benchmarks/scale.py --quick         # smaller sizes: about two minutes
    python benchmarks/scale.py --write         # also update the Scale section of BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATASETS = REPO.parent / "shared" / "datasets"

# Words written for this script, grouped loosely by the default model's topics.
_TOPIC_WORDS_TEXT = {
    "energy": "power grid electricity solar wind turbine pipeline gas oil refinery reactor hydro coal tariff",
    "transport": "railway freight corridor port container truck logistics cargo terminal border shipping route",
    "trade": "export import customs tariff exporters goods quota trade agreement shipment duties partner",
    "services": "tourism hotels visitors consulting insurance banking services software outsourcing fair",
    "finance": "investment fund loan bank bonds investors capital credit lender equity venture stake",
    "industry": "factory plant manufacturing steel assembly output machinery production workers textile",
    "green": "emissions carbon electric battery recycling hydrogen renewable climate efficiency clean",
}
TOPIC_WORDS = {name: words.split() for name, words in _TOPIC_WORDS_TEXT.items()}
_FILLER_TEXT = (
    "the minister said on tuesday that a new plan was signed after talks with officials from both "
    "countries and will start next year according to a statement issued by the government in the capital"
)
FILLER = _FILLER_TEXT.split()


def generate_documents(n: int, seed: int = 0, words: int = 90) -> Iterator[tuple[str, str, list[str]]]:
    """Yield ``(id, text, topics)``: one or two topics, about half the words from them."""
    rng = random.Random(seed)
    names = sorted(TOPIC_WORDS)
    for i in range(n):
        topics = rng.sample(names, 2 if rng.random() < 0.3 else 1)
        chosen = [
            rng.choice(TOPIC_WORDS[rng.choice(topics)]) if rng.random() < 0.45 else rng.choice(FILLER)
            for _ in range(words)
        ]
        yield f"doc-{i}", " ".join(chosen).capitalize() + ".", topics


def write_jsonl(path: Path, n: int, seed: int = 0, with_labels: bool = False) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for doc_id, text, topics in generate_documents(n, seed):
            record: dict[str, Any] = {"id": doc_id, "text": text}
            if with_labels:
                record["labels"] = topics
            handle.write(json.dumps(record) + "\n")
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run_child(*args: str) -> dict[str, Any]:
    """Run one task of this script in a fresh interpreter and return its JSON."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--task", *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"task {args} failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


# ------------------------------------------------------------------- tasks
def task_cli(input_path: str, n_jobs: str) -> dict[str, Any]:
    """Stream a file through the command line, in this process, and report its peak memory."""
    from greentag.cli import main

    output = Path(tempfile.mkdtemp()) / "out.jsonl"
    started = time.perf_counter()
    code = main(["tag", "--input", input_path, "--output", str(output), "--quiet", "--n-jobs", n_jobs])
    seconds = time.perf_counter() - started
    with open(output, encoding="utf-8") as handle:
        lines = sum(1 for _ in handle)
    output.unlink()
    return {"code": code, "seconds": seconds, "documents": lines, "peak_mb": peak_rss_mb()}


def task_train(mode: str, path: str, test_path: str, chunk_size: str) -> dict[str, Any]:
    """Train in memory or out of core; report time, peak memory above the imports, and test F1."""
    import sklearn.linear_model
    import sklearn.svm  # noqa: F401 (both modes' imports come before the baseline)

    import greentag
    from greentag.data import iter_dataset, read_dataset
    from greentag.text import Analyzer, TextOptions

    Analyzer(TextOptions().resolved())  # NLTK and the stop words, which both modes load
    baseline = peak_rss_mb()
    started = time.perf_counter()
    if mode == "in-memory":
        texts, labels = read_dataset(path)
        model = greentag.train(texts, labels, n_jobs=-1)
        del texts, labels
    else:
        model = greentag.train(lambda: iter_dataset(path), out_of_core=True, chunk_size=int(chunk_size), n_jobs=-1)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    report: dict[str, Any] = {"seconds": seconds, "peak_mb": peak, "above_imports_mb": peak - baseline}
    if test_path:
        test_texts, test_labels = read_dataset(test_path)
        scores = model.evaluate(test_texts, test_labels)
        report.update(micro=scores["micro"]["f1"], macro=scores["macro"]["f1"])
    return report


# --------------------------------------------------------------- sections
def throughput(n_docs: int, repeats: int) -> list[str]:
    import greentag

    model = greentag.load_default()
    texts = [text for _, text, _ in generate_documents(n_docs, seed=1)]
    model.tag_many(texts[:2000], n_jobs=2, batch_size=500)  # starts the two worker processes
    timings: dict[int, list[float]] = {1: [], 2: []}
    results: dict[int, Any] = {}
    for _ in range(repeats):
        for n_jobs in (1, 2):  # interleaved, so load from elsewhere hits both alike
            started = time.perf_counter()
            results[n_jobs] = model.tag_many(iter(texts), n_jobs=n_jobs)
            timings[n_jobs].append(time.perf_counter() - started)
    assert results[1] == results[2], "two processes must give exactly the one-process tags"
    rate = {n: n_docs / statistics.median(t) for n, t in timings.items()}
    return [
        f"Tagging {n_docs:,} generated documents of 90 words with the default model, `tag_many(texts, n_jobs=N)`,",
        f"median of {repeats} interleaved repeats after a warm-up that starts the workers:",
        "",
        "| processes | documents / s | seconds | speed-up |",
        "|---:|---:|---:|---:|",
        *(f"| {n} | {rate[n]:,.0f} | {statistics.median(timings[n]):.2f} | {rate[n] / rate[1]:.2f}x |" for n in (1, 2)),
        "",
        "Both give exactly the same tags (checked).",
    ]


def stream_memory(sizes: list[int], folder: Path) -> list[str]:
    rows = []
    peaks: dict[tuple[int, str], float] = {}
    for size in sizes:
        path = write_jsonl(folder / f"docs-{size}.jsonl", size, seed=2)
        megabytes = path.stat().st_size / 1e6
        for n_jobs in ("1", "2"):
            result = run_child("cli", str(path), n_jobs)
            assert result["code"] == 0 and result["documents"] == size
            peaks[size, n_jobs] = result["peak_mb"]
            rows.append(
                f"| {size:,} | {megabytes:,.0f} MB | {n_jobs} | {result['peak_mb']:,.0f} MB | "
                f"{size / result['seconds']:,.0f} |"
            )
        path.unlink()
    small, large = sizes[0], sizes[-1]
    ratio = peaks[large, "1"] / peaks[small, "1"]
    return [
        "`greentag tag --input docs.jsonl --output tags.jsonl --quiet --n-jobs N`, each run in a fresh process;",
        "peak resident memory of the main process (`ru_maxrss`; with two processes each worker holds its",
        "own copy of the model, about as much again):",
        "",
        "| documents | input | processes | peak memory | documents / s (with start-up) |",
        "|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Ten times the input: peak memory x{ratio:.2f} with one process (target: within 30%).",
    ]


def training_memory(sizes: list[int], folder: Path, chunk_size: int) -> list[str]:
    rows = []
    for size in sizes:
        path = write_jsonl(folder / f"train-{size}.jsonl", size, seed=3, with_labels=True)
        for mode in ("in-memory", "out-of-core"):
            result = run_child("train", mode, str(path), "", str(chunk_size))
            rows.append(
                f"| {size:,} | {mode} | {result['above_imports_mb']:,.0f} MB | {result['peak_mb']:,.0f} MB | "
                f"{result['seconds']:.1f} s |"
            )
        path.unlink()
    return [
        f"Training on generated labeled corpora (7 topics), out of core with `chunk_size={chunk_size}`;",
        "peak memory above what the process held after its imports, and the absolute peak:",
        "",
        "| documents | training | peak above imports | peak | time |",
        "|---:|---|---:|---:|---:|",
        *rows,
    ]


def reuters(chunk_size: int) -> list[str]:
    folder = DATASETS / "reuters21578"
    if not (folder / "train.jsonl.gz").exists():
        return [f"Reuters R90 skipped: {folder} is not available."]
    rows = []
    for mode in ("in-memory", "out-of-core"):
        r = run_child("train", mode, str(folder / "train.jsonl.gz"), str(folder / "test.jsonl.gz"), str(chunk_size))
        rows.append(
            f"| {mode} | {r['micro']:.3f} | {r['macro']:.3f} | {r['seconds']:.1f} s | {r['above_imports_mb']:,.0f} MB |"
        )
    return [
        "Reuters-21578 R90 (ModApte: 7,770 training and 3,019 test documents, 90 labels), default options;",
        f"out of core with `chunk_size={chunk_size}`, 5 epochs, every tenth document held out for calibration:",
        "",
        "| training | micro-F1 | macro-F1 | time | peak above imports |",
        "|---|---:|---:|---:|---:|",
        *rows,
    ]


def environment() -> str:
    import greentag

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"greentag {greentag.__version__}, Python {platform.python_version()}, {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} cores, load average {load:.1f} at the start "
        "(the machine is shared: compare ratios within a table, not across runs)."
    )


def write_section(markdown: str, path: Path) -> None:
    """Replace (or append) the "## Scale" section of ``path``, leaving the rest as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    heading = re.search(r"(?m)^## Scale$", text)
    if heading is None:
        path.write_text(text.rstrip("\n") + ("\n\n" if text else "") + markdown, encoding="utf-8")
        return
    following = re.compile(r"(?m)^## ").search(text, heading.end())
    end = following.start() if following else len(text)
    tail = "\n" + text[end:] if following else ""
    path.write_text(text[: heading.start()] + markdown + tail, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--write", action="store_true", help="update the Scale section of BENCHMARKS.md")
    parser.add_argument("--task", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.task:
        name, *rest = args.task
        result = task_cli(*rest) if name == "cli" else task_train(*rest)
        print(json.dumps(result))
        return

    stream_sizes = [2_000, 20_000] if args.quick else [20_000, 200_000]
    train_sizes = [5_000, 20_000] if args.quick else [20_000, 100_000]
    command = "python benchmarks/scale.py" + (" --quick" if args.quick else "")
    with tempfile.TemporaryDirectory(prefix="greentag-scale-") as tmp:
        folder = Path(tmp)
        parts = [
            "## Scale",
            "",
            f"Measured with `{command}` ({time.strftime('%Y-%m-%d')}); {environment()}",
            "",
            "### Throughput against processes",
            "",
            *throughput(4_000 if args.quick else 40_000, 3 if args.quick else 5),
            "",
            "### Memory against input size: streaming the command line",
            "",
            *stream_memory(stream_sizes, folder),
            "",
            "### Memory against corpus size: training out of core",
            "",
            *training_memory(train_sizes, folder, 2_000),
            "",
            "### Out-of-core against in-memory training on Reuters R90",
            "",
            *reuters(1_000),
            "",
        ]
    markdown = "\n".join(parts)
    print(markdown)
    if args.write:
        write_section(markdown, REPO / "BENCHMARKS.md")
        print(f"updated the Scale section of {REPO / 'BENCHMARKS.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
