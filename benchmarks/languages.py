"""How greentag reads Russian, Chinese and Kazakh: the choices behind the defaults, measured.

    python benchmarks/languages.py [--write] [--folds 5]

1. Chinese: Han characters with their bigrams (``chinese="chars"``) against
   jieba's words (``chinese="jieba"``); 5-fold cross-validated micro/macro-F1
   on the Chinese seed documents, training time and tagging speed.
2. Kazakh: the suffix stripper (``kazakh="suffixes"``) against character
   4-grams inside words (``kazakh="ngrams"``), the same way.
3. Language detection: accuracy on every seed document and on the held-out
   articles in ``tests/data``, and its cost per call on short and long texts.
4. English speed: the four-language pipeline against the English-only one of
   greentag 0.1 (``languages=("en",)``, no acronyms, no compounds), both
   trained on Reuters R90 from ``../shared/datasets`` (skipped when absent),
   tagging its test documents in one process, alternating calls.

Each fold trains on the whole seed corpus minus the fold's documents of that
language, so the other languages stay in training as in the shipped model,
and tags the held-out fold. ``--write`` puts the tables in BENCHMARKS.md
between the ``languages`` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import KFold

import greentag
from greentag.default import DEFAULT_MODEL_OPTIONS, seeds_path
from greentag.evaluation import f1_summary
from greentag.labels import indicator_matrix
from greentag.language import detect_language

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- languages: start -->", "<!-- languages: end -->"


def seed_records() -> list[dict[str, Any]]:
    records = []
    for path in sorted(seeds_path().glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                record.setdefault("lang", "en")
                records.append(record)
    return records


def heldout_records() -> list[dict[str, Any]]:
    records = []
    for path in sorted((ROOT / "tests" / "data").glob("heldout_*.jsonl")):
        records += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return records


def cross_validate(records: list[dict[str, Any]], lang: str, folds: int, **options: Any) -> dict[str, float]:
    """CV over one language's documents, the rest of the corpus always in training."""
    mine = [i for i, r in enumerate(records) if r["lang"] == lang]
    others = [i for i, r in enumerate(records) if r["lang"] != lang]
    classes = sorted({label for r in records for label in r["labels"]})
    truth = indicator_matrix([records[i]["labels"] for i in mine], classes).astype(bool)
    predicted = np.zeros_like(truth)
    train_seconds, tag_rates = [], []
    for train_pos, test_pos in KFold(folds, shuffle=True, random_state=0).split(mine):
        train_idx = others + [mine[p] for p in train_pos]
        started = time.perf_counter()
        model = greentag.train(
            [records[i]["text"] for i in train_idx],
            [records[i]["labels"] for i in train_idx],
            **{**DEFAULT_MODEL_OPTIONS, **options},
        )
        train_seconds.append(time.perf_counter() - started)
        texts = [records[mine[p]]["text"] for p in test_pos]
        started = time.perf_counter()
        results = model.tag_many(texts)
        tag_rates.append(len(texts) / (time.perf_counter() - started))
        for p, tags in zip(test_pos, results, strict=True):
            for tag in tags:
                predicted[p, classes.index(tag.label)] = True
    summary = f1_summary(truth, predicted, classes)
    return {
        "micro_f1": summary["micro"]["f1"],
        "macro_f1": summary["macro"]["f1"],
        "train_s": statistics.median(train_seconds),
        "docs_per_s": statistics.median(tag_rates),
    }


def detection_table(records: list[dict[str, Any]], heldout: list[dict[str, Any]]) -> list[str]:
    lines = ["| documents | language | n | detected correctly |", "|---|---|---:|---:|"]
    for name, docs in (("seed corpus", records), ("held-out articles (tests/data)", heldout)):
        for lang in greentag.LANGUAGES:
            subset = [r for r in docs if r["lang"] == lang]
            if subset:
                right = sum(detect_language(r["text"]) == lang for r in subset)
                lines.append(f"| {name} | {lang} | {len(subset)} | {right / len(subset):.1%} |")
    return lines


def detection_cost() -> list[str]:
    samples = {
        "English, 60 characters": "Kazakhstan opens a new rail corridor to the Caspian ports.",
        "Russian, 60 characters": "Казахстан открыл новый железнодорожный коридор к портам Каспия.",
        "Kazakh, 60 characters": "Қазақстан Каспий порттарына жаңа теміржол дәлізін ашты.",
        "Chinese, 25 characters": "哈萨克斯坦开通通往里海港口的新铁路走廊。",
        "short Cyrillic, no Kazakh letters (statistical detector)": "Бизнес форум открыт",
    }
    detect_language(samples["short Cyrillic, no Kazakh letters (statistical detector)"])  # load its model
    lines = ["| text | µs per call (median of 7 x 2,000) |", "|---|---:|"]
    for name, text in samples.items():
        runs = []
        for _ in range(7):
            started = time.perf_counter_ns()
            for _ in range(2000):
                detect_language(text)
            runs.append((time.perf_counter_ns() - started) / 2000 / 1000)
        lines.append(f"| {name} | {statistics.median(runs):.1f} |")
    long_text = " ".join(r["text"] for r in seed_records()[:40])
    started = time.perf_counter_ns()
    for _ in range(200):
        detect_language(long_text)
    lines.append(
        f"| English, {len(long_text):,} characters (first 3,000 read) | "
        f"{(time.perf_counter_ns() - started) / 200 / 1000:.1f} |"
    )
    return lines


def english_speed() -> list[str]:
    import gzip

    base = ROOT.parent / "shared" / "datasets" / "reuters21578"
    if not (base / "train.jsonl.gz").is_file():
        return ["(Reuters R90 not found in ../shared/datasets: English speed not measured)"]

    def read(name: str) -> list[dict[str, Any]]:
        with gzip.open(base / name, "rt", encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]

    train, test = read("train.jsonl.gz"), read("test.jsonl.gz")
    variants = {
        "English only (0.1)": {"languages": ("en",), "acronyms": None, "compounds": False},
        "four languages": {},
    }
    # Each model is saved and loaded back, as a user meets it: a model still holding its
    # training's heap tags at a speed that depends on what was trained before it (seen: the
    # second-trained of two equal pipelines 10% slower).
    models = {}
    with tempfile.TemporaryDirectory() as folder:
        for n, (name, kw) in enumerate(variants.items()):
            path = Path(folder) / f"model{n}.gtm"
            greentag.train([d["text"] for d in train], [d["labels"] for d in train], **kw).save(path)
            models[name] = greentag.Tagger.load(path)
    docs = [d["text"] for d in test]
    for model in models.values():
        model.tag_many(docs)  # both warm
    latencies: dict[str, list[int]] = {name: [] for name in models}
    rates: dict[str, list[float]] = {name: [] for name in models}
    # Batches first, alternating which goes first: after a loop of single-document calls the
    # next batches ran 10-25% slower, unevenly between the models.
    order = list(models.items())
    for round_ in range(5):
        for name, model in order if round_ % 2 == 0 else order[::-1]:
            started = time.perf_counter()
            model.tag_many(docs)
            rates[name].append(len(docs) / (time.perf_counter() - started))
    for _ in range(3):
        for doc in docs:
            for name, model in models.items():
                started = time.perf_counter_ns()
                model.tag(doc)
                latencies[name].append(time.perf_counter_ns() - started)
    lines = ["| pipeline (Reuters R90, warm) | tag p50 | tag p95 | tag_many docs/s, one core (median of 5) |"]
    lines.append("|---|---:|---:|---:|")
    for name in models:
        ordered = sorted(latencies[name])
        p50, p95 = ordered[len(ordered) // 2] / 1000, ordered[int(len(ordered) * 0.95)] / 1000
        lines.append(f"| {name} | {p50:.0f} µs | {p95:.0f} µs | {statistics.median(rates[name]):,.0f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args(argv)
    records = seed_records()
    load = os.getloadavg()
    out = [
        "## Languages: segmenting Chinese, stemming Kazakh, detecting the language",
        "",
        f"- Command: `python benchmarks/languages.py --write` ({args.folds}-fold CV per language; the rest of the "
        "seed corpus always in training)",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; greentag {greentag.__version__}; "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        f"- Load average at the start: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}",
        "",
        "| language | option | micro-F1 | macro-F1 | training (s, median fold) | tag_many docs/s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for lang, name, values in (("zh", "chinese", ("chars", "jieba")), ("kk", "kazakh", ("suffixes", "ngrams"))):
        for value in values:
            row = cross_validate(records, lang, args.folds, **{name: value})
            out.append(
                f"| {lang} | `{name}={value!r}` | {row['micro_f1']:.3f} | {row['macro_f1']:.3f} | "
                f"{row['train_s']:.1f} | {row['docs_per_s']:,.0f} |"
            )
            print(out[-1], file=sys.stderr, flush=True)
    out += ["", *detection_table(records, heldout_records()), "", *detection_cost(), "", *english_speed()]
    text = "\n".join(out)
    print(text)
    if args.write:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from gtbench.report import replace_section

        replace_section(ROOT / "BENCHMARKS.md", START, END, text, missing_at="end")


if __name__ == "__main__":
    main()
