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
    python benchmarks/scale.py --sections throughput reuters
"""

from __future__ import annotations

import argparse
import contextlib
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
    """The process's peak resident memory so far (since the last :func:`reset_peak`, where supported)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def reset_peak() -> float:
    """Restart the peak-memory count from the current resident size (Linux); return that size in MB.

    Importing NLTK costs more memory at its peak than tagging or out-of-core
    training ever adds, so a peak counted from the start would hide growth.
    """
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to VmRSS
    return peak_rss_mb()


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
    import greentag
    from greentag.cli import main

    greentag.load_default()  # the start-up: imports, NLTK, the model (the command reuses it)
    start_peak = peak_rss_mb()
    baseline = reset_peak()
    output = Path(tempfile.mkdtemp()) / "out.jsonl"
    started = time.perf_counter()
    code = main(["tag", "--input", input_path, "--output", str(output), "--quiet", "--n-jobs", n_jobs])
    seconds = time.perf_counter() - started
    stream_peak = peak_rss_mb()
    with open(output, encoding="utf-8") as handle:
        lines = sum(1 for _ in handle)
    output.unlink()
    return {
        "code": code,
        "seconds": seconds,
        "documents": lines,
        "start_peak_mb": start_peak,
        "stream_peak_mb": stream_peak,
        "growth_mb": stream_peak - baseline,
    }


def task_train(mode: str, path: str, test_path: str, chunk_size: str) -> dict[str, Any]:
    """Train in memory or out of core; report time, peak memory above the imports, and test F1."""
    import sklearn.linear_model
    import sklearn.svm  # noqa: F401 (both modes' imports come before the baseline)

    import greentag
    from greentag.data import iter_dataset, read_dataset
    from greentag.text import Analyzer, TextOptions

    Analyzer(TextOptions().resolved())  # NLTK and the stop words, which both modes load
    baseline = reset_peak()
    started = time.perf_counter()
    # One process each (n_jobs=1): in-memory training's parallel fits run in other processes,
    # whose memory this process's peak would not show.
    if mode == "in-memory":
        texts, labels = read_dataset(path)
        model = greentag.train(texts, labels, n_jobs=1)
        del texts, labels
    else:
        model = greentag.train(lambda: iter_dataset(path), out_of_core=True, chunk_size=int(chunk_size), n_jobs=1)
    seconds = time.perf_counter() - started
    report: dict[str, Any] = {"seconds": seconds, "baseline_mb": baseline, "growth_mb": peak_rss_mb() - baseline}
    if test_path:
        test_texts, test_labels = read_dataset(test_path)
        scores = model.evaluate(test_texts, test_labels)
        report.update(micro=scores["micro"]["f1"], macro=scores["macro"]["f1"])
    return report


# --------------------------------------------------------------- sections
def sample_texts(n_docs: int) -> tuple[list[str], str]:
    """Distinct real documents from ../shared/datasets (read at run time), else generated ones.

    Repeating a few thousand articles would flatter both sides, since the
    analyser caches the terms of every word form it has seen; distinct
    documents keep its caches honest.
    """
    from greentag.data import iter_dataset

    texts: list[str] = []
    seen: set[str] = set()
    for name in ("reuters21578", "bbc_news", "ag_news", "20newsgroups"):
        for split in ("train", "test"):
            path = DATASETS / name / f"{split}.jsonl.gz"
            if not path.exists():
                continue
            for text, _ in iter_dataset(path):
                if text not in seen and len(texts) < n_docs:
                    seen.add(text)
                    texts.append(text)
    if len(texts) == n_docs:
        words = statistics.median(len(text.split()) for text in texts)
        return texts, f"{n_docs:,} distinct articles and posts from ../shared/datasets (median {words:.0f} words)"
    texts = [text for _, text, _ in generate_documents(n_docs, seed=1)]
    return texts, f"{n_docs:,} generated documents of 90 words"


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process and its children that are alive (the workers)."""
    try:
        import psutil
    except ImportError:  # psutil comes with the bench extra; without it, this process only
        return time.process_time()
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(child.cpu_times()[:2])
    return float(total)


def throughput(n_docs: int, repeats: int) -> list[str]:
    import greentag

    model = greentag.load_default()
    texts, what = sample_texts(n_docs)
    model.tag_many(texts[:4000], n_jobs=2, batch_size=500)  # starts the two workers and warms their caches
    timings: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[float]] = {1: [], 2: []}
    results: dict[int, Any] = {}
    for _ in range(repeats):
        for n_jobs in (1, 2):  # interleaved, so load from elsewhere hits both alike
            started, cpu_started = time.perf_counter(), _cpu_seconds()
            results[n_jobs] = model.tag_many(iter(texts), n_jobs=n_jobs)
            timings[n_jobs].append(time.perf_counter() - started)
            cpu[n_jobs].append(_cpu_seconds() - cpu_started)
    assert results[1] == results[2], "two processes must give exactly the one-process tags"
    rate = {n: n_docs / statistics.median(t) for n, t in timings.items()}
    return [
        f"Tagging {what} with the default model, `tag_many(texts, n_jobs=N)`, batches of 1,000;",
        f"median of {repeats} interleaved repeats, after a warm-up that starts the workers. *CPU seconds*",
        "add up the calling process and its workers: the work itself, whatever else runs on the machine.",
        "",
        "| processes | documents / s | seconds | speed-up | CPU seconds, all processes |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {n} | {rate[n]:,.0f} | {statistics.median(timings[n]):.2f} | {rate[n] / rate[1]:.2f}x | "
            f"{statistics.median(cpu[n]):.2f} |"
            for n in (1, 2)
        ),
        "",
        "Both give exactly the same tags (checked). When the CPU seconds of two processes match those of",
        "one, the split costs nothing and the wall-clock speed-up is bounded only by the cores that other",
        "work leaves free (see the load average above).",
    ]


def stream_memory(sizes: list[int], folder: Path) -> list[str]:
    rows = []
    peaks: dict[tuple[int, str], tuple[float, float]] = {}
    for size in sizes:
        path = write_jsonl(folder / f"docs-{size}.jsonl", size, seed=2)
        megabytes = path.stat().st_size / 1e6
        for n_jobs in ("1", "2"):
            r = run_child("cli", str(path), n_jobs)
            assert r["code"] == 0 and r["documents"] == size
            whole = max(r["start_peak_mb"], r["stream_peak_mb"])
            peaks[size, n_jobs] = (whole, r["stream_peak_mb"])
            rows.append(
                f"| {size:,} | {megabytes:,.0f} MB | {n_jobs} | {whole:,.0f} MB | {r['stream_peak_mb']:,.0f} MB | "
                f"{r['growth_mb']:+,.1f} MB | {size / r['seconds']:,.0f} |"
            )
        path.unlink()
    small, large = sizes[0], sizes[-1]
    ratio_whole = peaks[large, "1"][0] / peaks[small, "1"][0]
    ratio_stream = peaks[large, "1"][1] / peaks[small, "1"][1]
    return [
        "`greentag tag --input docs.jsonl --output tags.jsonl --quiet --n-jobs N` with the default model,",
        "each run in a fresh process. *Peak* is the process's resident high-water mark (`VmHWM`) over the",
        "whole run; *while streaming* restarts that count after start-up (imports, NLTK, the model),",
        "whose own peak is larger than anything streaming adds; *growth* is the streaming peak minus the",
        "memory held when streaming began. Two processes: the calling process only (each worker holds",
        "its own model and NLTK, and the same bounded batches); their documents / s include starting",
        "the workers, which import NLTK (about two seconds each on this machine).",
        "",
        "| documents | input | processes | peak | peak while streaming | growth | documents / s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Ten times the documents, one process: peak x{ratio_whole:.2f}, peak while streaming "
        f"x{ratio_stream:.2f} (target: within 30%, that is at most x1.30).",
    ]


def training_memory(sizes: list[int], folder: Path, chunk_size: int) -> list[str]:
    rows = []
    for size in sizes:
        path = write_jsonl(folder / f"train-{size}.jsonl", size, seed=3, with_labels=True)
        for mode in ("in-memory", "out-of-core"):
            result = run_child("train", mode, str(path), "", str(chunk_size))
            rows.append(
                f"| {size:,} | {mode} | {result['baseline_mb']:,.0f} MB | {result['growth_mb']:+,.0f} MB | "
                f"{result['seconds']:.1f} s |"
            )
        path.unlink()
    return [
        "Training on generated labeled corpora (7 topics), one process each, out of core with",
        f"`chunk_size={chunk_size}`: memory held after the imports, and how far the peak rose above it:",
        "",
        "| documents | training | after imports | peak growth | time |",
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
            f"| {mode} | {r['micro']:.3f} | {r['macro']:.3f} | {r['seconds']:.1f} s | {r['growth_mb']:+,.0f} MB |"
        )
    return [
        "Reuters-21578 R90 (ModApte: 7,770 training and 3,019 test documents, 90 labels), default options;",
        f"one process each; out of core with `chunk_size={chunk_size}`, 5 epochs, every tenth document held out",
        "for calibration and thresholds (in memory: 5-fold cross-validation):",
        "",
        "| training | micro-F1 | macro-F1 | time | peak growth |",
        "|---|---:|---:|---:|---:|",
        *rows,
    ]


def environment() -> str:
    import greentag

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))  # gtbench, the benchmark helpers beside this script
    from gtbench.report import git_commit

    return (
        f"greentag {greentag.__version__} (commit {git_commit(REPO) or 'unknown'}), Python {platform.python_version()}, {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} cores, load average {load:.1f} at the start "
        "(the machine is shared: compare ratios within a table, not across runs)."
    )


SCALE_INTRO = (
    "## Scale\n\nEach table names the command that measured it; `--write` replaces only the tables it measured.\n"
)


def write_section(measured: dict[str, str], order: list[str], path: Path) -> None:
    """Put the measured "### " subsections into the "## Scale" section of ``path``.

    A subsection that was not measured this time (or was written by hand,
    such as the notes on reading the numbers) is kept as it is, so measuring
    one table never deletes the others. Tables keep the order of ``order``;
    other subsections follow in the order they had.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    heading = re.search(r"(?m)^## Scale$", text)
    if heading is None:
        start = end = len(text)
        existing: dict[str, str] = {}
    else:
        start = heading.start()
        following = re.compile(r"(?m)^## ").search(text, heading.end())
        end = following.start() if following else len(text)
        pieces = re.split(r"(?m)^(?=### )", text[heading.end() : end])[1:]
        existing = {piece.split("\n", 1)[0][4:].strip(): piece.rstrip("\n") for piece in pieces}
    merged = {**existing, **measured}
    titles = [title for title in order if title in merged] + [title for title in existing if title not in order]
    section = SCALE_INTRO + "".join(f"\n{merged[title]}\n" for title in titles)
    before = text[:start].rstrip("\n") + "\n\n" if text[:start].strip() else ""
    after = "\n" + text[end:] if end < len(text) else ""
    path.write_text(before + section + after, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--write", action="store_true", help="update the Scale section of BENCHMARKS.md")
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=("throughput", "stream", "train", "reuters"),
        default=["throughput", "stream", "train", "reuters"],
        help="measure only these (default: all)",
    )
    parser.add_argument("--task", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.task:
        name, *rest = args.task
        result = task_cli(*rest) if name == "cli" else task_train(*rest)
        print(json.dumps(result))
        return

    stream_sizes = [2_000, 20_000] if args.quick else [20_000, 200_000]
    train_sizes = [5_000, 20_000] if args.quick else [20_000, 100_000]
    command = " ".join(["python benchmarks/scale.py", *sys.argv[1:]])
    sections = {
        "throughput": (
            "Throughput against processes",
            lambda folder: throughput(4_000 if args.quick else 30_000, 3 if args.quick else 5),
        ),
        "stream": ("Memory against input size: streaming the command line", lambda f: stream_memory(stream_sizes, f)),
        "train": ("Memory against corpus size: training out of core", lambda f: training_memory(train_sizes, f, 2_000)),
        "reuters": ("Out-of-core against in-memory training on Reuters R90", lambda folder: reuters(1_000)),
    }
    measured_with = f"Measured with `{command}` ({time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC); {environment()}"
    measured: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="greentag-scale-") as tmp:
        for name in args.sections:
            title, measure = sections[name]
            measured[title] = "\n".join([f"### {title}", "", measured_with, "", *measure(Path(tmp))]).rstrip("\n")
            print(measured[title] + "\n", flush=True)
    if args.write:
        write_section(measured, [title for title, _ in sections.values()], REPO / "BENCHMARKS.md")
        print(f"updated the Scale section of {REPO / 'BENCHMARKS.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
