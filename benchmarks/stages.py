"""Where one document's time goes: ``model.tag(doc)`` stage by stage, beside fastText.

Usage::

    python benchmarks/stages.py            # prints the table
    python benchmarks/stages.py --write    # also puts it into BENCHMARKS.md (between "stages" markers)

This is the profile behind the speed table of ``benchmarks/speed.py``, not a
headline of its own: it runs in the current interpreter (an editable install
is fine) and splits the one-document path into its stages with a clock
between each, which costs a few microseconds of its own. Both systems are
trained on Reuters-21578 R90 through their public APIs (greentag's default
options; fastText as in ``benchmarks/run.py``), saved and loaded from file.
The 3,019 test documents are tagged one at a time, greentag and fastText
alternating document by document: a first pass straight after loading (the
caches empty, as a user's first documents meet them) and a warm pass.

Each staged result is checked against ``model.tag(doc)``, so the stages are
the ones the library runs. Beside them, two measures bound what is possible:

- fastText's ``predict(doc)``, the target's yardstick;
- a floor: lower-casing the text, splitting it on whitespace and one dict
  lookup per word, the least a Python tokeniser with a cache can do, with no
  passages, n-grams, TF-IDF, scoring or decision.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATASET = "reuters21578"
START, END = "<!-- written by benchmarks/stages.py: start -->", "<!-- written by benchmarks/stages.py: end -->"

STAGES = {
    "language": "detect the language",
    "normalise": "normalise (markup, NFKC, lower case)",
    "passages": "split into passages",
    "term_ids": "term ids by whitespace chunk (a new chunk is analysed: tokenised, stemmed)",
    "ngrams": "bigram ids by term-id pair",
    "score": "TF-IDF vector, dot product with every label's weights, passage pooling",
    "decide": "probabilities, per-label thresholds, `Tag` objects",
}


def staged_tag(model: Any, text: str, clock: Callable[[], int] = time.perf_counter_ns) -> tuple[list[Any], list[int]]:
    """Tag ``text`` as ``model.tag(text)`` does, returning the tags and each stage's nanoseconds."""
    from greentag.decision import decide
    from greentag.expit import expit
    from greentag.passages import split_passages

    scorer = model.scorer
    if scorer.text_options.ngram_range[1] > 2:
        # Such a model scores through n-gram strings, a path these stages do not describe.
        raise ValueError("the stage profile covers models with ngram_range up to bigrams")
    analyzer = scorer.analyzer
    min_words = analyzer.options.passage_min_words
    options = model.tag_options()
    marks = [clock()]
    lang = analyzer.language(text)
    marks.append(clock())
    normalized = analyzer._normalize(text)
    marks.append(clock())
    passages = [normalized.split()] if min_words is None else split_passages(normalized, min_words)
    marks.append(clock())
    ids = [scorer._term_ids(chunks, lang) for chunks in passages]
    marks.append(clock())
    rows, shared = scorer._rows_of_ids(ids)
    marks.append(clock())
    logits, known = scorer._one_of_rows(rows, shared)
    marks.append(clock())
    tags = decide(expit(logits), known, model.labels_, options)
    marks.append(clock())
    return tags, [b - a for a, b in pairwise(marks)]


def floor_us(text: str, cache: dict[str, int], clock: Callable[[], int] = time.perf_counter_ns) -> float:
    """Microseconds to lower-case ``text``, split it and look every word up in ``cache``."""
    start = clock()
    get = cache.get
    for chunk in text.lower().split():
        get(chunk)
    return (clock() - start) / 1000.0


class NewChunkTimer:
    """Counts and times the chunks an analyzer analyses, by wrapping its ``cache_new_chunk``."""

    def __init__(self, analyzer: Any, clock: Callable[[], int] = time.perf_counter_ns) -> None:
        self.analyzer, self.clock = analyzer, clock
        self.inner = analyzer.cache_new_chunk
        self.ns = self.count = 0

    def __call__(self, *args: Any) -> Any:
        start = self.clock()
        try:
            return self.inner(*args)
        finally:
            self.ns += self.clock() - start
            self.count += 1

    def __enter__(self) -> NewChunkTimer:
        self.analyzer.cache_new_chunk = self
        return self

    def __exit__(self, *exc: object) -> None:
        del self.analyzer.cache_new_chunk  # the class's method again


def _train(folder: Path) -> tuple[Any, Any, list[str], list[str], list[str]]:
    """Train, save and reload both systems; return them, the test texts as each is given them, and the train texts."""
    from gtbench import data
    from gtbench.systems import FastTextSystem

    import greentag

    train_texts, train_labels = data.load_split(DATASET, "train")
    test_texts, _ = data.load_split(DATASET, "test")
    greentag.train(train_texts, train_labels, n_jobs=-1).save(folder / "r90.gtm")
    model = greentag.load(folder / "r90.gtm")
    fasttext: Any = FastTextSystem()
    fasttext.fit(train_texts, train_labels, multi_label=True)
    fasttext.load(fasttext.save(folder))
    return model, fasttext, test_texts, fasttext.prepare(test_texts), train_texts


def measure() -> dict[str, Any]:
    """Both passes over the test documents; per-document microseconds by stage and in total."""
    from gtbench.measure import load_average

    import greentag

    with tempfile.TemporaryDirectory(prefix="greentag-stages-") as tmp:
        model, fasttext, texts, prepared, train_texts = _train(Path(tmp))
    clock = time.perf_counter_ns
    out: dict[str, Any] = {
        "n_docs": len(texts),
        "load_average": load_average(),
    }
    floor_cache: dict[str, int] = {}
    for name in ("first", "warm"):
        stages = np.empty((len(texts), len(STAGES)))
        whole, fast, floor = (np.empty(len(texts)) for _ in range(3))
        new_ns = new_count = 0
        for i, (text, ft_text) in enumerate(zip(texts, prepared, strict=True)):
            with NewChunkTimer(model.scorer.analyzer) as new_chunks:
                tags, spent = staged_tag(model, text)
            new_ns, new_count = new_ns + new_chunks.ns, new_count + new_chunks.count
            stages[i] = np.asarray(spent) / 1000.0
            start = clock()
            fasttext.raw_one(ft_text)
            fast[i] = (clock() - start) / 1000.0
            start = clock()
            expected = model.tag(text)
            whole[i] = (clock() - start) / 1000.0
            if tags != expected:
                raise AssertionError(f"staged tags differ from model.tag on test document {i}")
            if name == "first":
                floor_cache.update(dict.fromkeys(text.lower().split(), 0))
            floor[i] = floor_us(text, floor_cache)
        out[name] = {
            "stage_mean_us": dict(zip(STAGES, stages.mean(axis=0).tolist(), strict=True)),
            "stages_p50_us": float(np.median(stages.sum(axis=1))),
            "tag_p50_us": float(np.median(whole)),
            "fasttext_p50_us": float(np.median(fast)),
            "floor_p50_us": float(np.median(floor)),
            "new_chunks_mean_us": new_ns / 1000.0 / len(texts),
            "new_chunks_per_doc": new_count / len(texts),
        }
        if name == "first":
            # The staged pass filled the caches; a fresh load gives model.tag its own first pass.
            out[name]["tag_p50_us"] = float(_first_pass_p50(greentag, model, texts))
    out["batch"] = batch_bounds(model, fasttext, train_texts + texts)
    return out


def batch_bounds(model: Any, fasttext: Any, texts: list[str], repeats: int = 3) -> dict[str, float]:
    """Warm one-core docs/s of ``tag_many``, of fastText's ``predict(list)`` and of the floor, interleaved."""
    from gtbench.measure import interleaved_throughput

    prepared = fasttext.prepare(texts)
    cache = dict.fromkeys((chunk for text in texts for chunk in text.lower().split()), 0)
    calls: dict[str, Callable[[], Any]] = {
        "greentag": lambda: model.tag_many(texts, n_jobs=1),
        "fasttext": lambda: fasttext.raw_batch(prepared),
        "floor": lambda: [floor_us(text, cache) for text in texts],
    }
    # The warm-up run is the first call: the figures are second calls, caches warm.
    measured = interleaved_throughput(calls, len(texts), repeats=repeats)
    return {f"{name}_docs_per_s": entry["docs_per_s"] for name, entry in measured.items()} | {
        "n_docs": float(len(texts))
    }


def _first_pass_p50(greentag: Any, model: Any, texts: list[str]) -> float:
    """``model.tag(doc)`` p50 over a first pass of a fresh copy of ``model`` (caches empty)."""
    with tempfile.TemporaryDirectory(prefix="greentag-stages-") as tmp:
        model.save(Path(tmp) / "copy.gtm")
        fresh = greentag.load(Path(tmp) / "copy.gtm")
    clock = time.perf_counter_ns
    spent = []
    for text in texts:
        start = clock()
        fresh.tag(text)
        spent.append(clock() - start)
    return statistics.median(spent) / 1000.0


def table(result: dict[str, Any], command: str) -> str:
    first, warm = result["first"], result["warm"]
    mean_first, mean_warm = sum(first["stage_mean_us"].values()), sum(warm["stage_mean_us"].values())
    lines = [
        "## Where one document's time goes (Reuters-21578 R90, `model.tag(doc)` stage by stage)",
        "",
        f"- Command: `{command}`; the {result['n_docs']:,} R90 test documents one at a time, greentag and fastText "
        "alternating; a first pass straight after loading, then a warm pass",
        f"- Load average (1 min) at the end: {result['load_average']:.2f}; a clock between stages adds a little "
        "to each; the staged tags are checked against `model.tag(doc)`",
        "- A profile in the current interpreter, to show where the time goes: the headline figures are the speed "
        "table above, from a fresh non-editable install",
        "",
        "| stage | first pass: mean µs | share | warm: mean µs | share |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, label in STAGES.items():
        a, b = first["stage_mean_us"][key], warm["stage_mean_us"][key]
        lines.append(f"| {label} | {a:.1f} | {a / mean_first:.0%} | {b:.1f} | {b / mean_warm:.0%} |")
        if key == "term_ids" and "new_chunks_mean_us" in first:
            a, b = first["new_chunks_mean_us"], warm["new_chunks_mean_us"]
            lines.append(
                f"| of which analysing new chunks ({first['new_chunks_per_doc']:.1f} and "
                f"{warm['new_chunks_per_doc']:.1f} per document) | {a:.1f} | {a / mean_first:.0%} "
                f"| {b:.1f} | {b / mean_warm:.0%} |"
            )
    lines += [
        f"| **all stages, mean** | **{mean_first:.1f}** | | **{mean_warm:.1f}** | |",
        "",
        "| per document, p50 | first pass | warm |",
        "|---|---:|---:|",
        f"| all stages | {first['stages_p50_us']:.0f} µs | {warm['stages_p50_us']:.0f} µs |",
        f"| `model.tag(doc)`, the whole call | {first['tag_p50_us']:.0f} µs | {warm['tag_p50_us']:.0f} µs |",
        f"| fastText `predict(doc)` | {first['fasttext_p50_us']:.0f} µs | {warm['fasttext_p50_us']:.0f} µs |",
        f"| `model.tag` ÷ fastText | {first['tag_p50_us'] / first['fasttext_p50_us']:.2f}x "
        f"| {warm['tag_p50_us'] / warm['fasttext_p50_us']:.2f}x |",
        f"| floor: lower-case, split, one dict lookup per word | | {warm['floor_p50_us']:.0f} µs |",
        "",
    ]
    batch = result.get("batch")
    if batch:
        ft = batch["fasttext_docs_per_s"]
        lines += [
            f"One core, warm, all {batch['n_docs']:,.0f} R90 documents in one call (medians of 3, alternating):",
            "",
            "| one core, second call | docs/s | ÷ fastText |",
            "|---|---:|---:|",
            f"| greentag `tag_many(docs, n_jobs=1)` | {batch['greentag_docs_per_s']:,.0f} "
            f"| {batch['greentag_docs_per_s'] / ft:.2f}x |",
            f"| fastText `predict(list)` | {ft:,.0f} | 1.00x |",
            f"| floor: lower-case, split, one dict lookup per word | {batch['floor_docs_per_s']:,.0f} "
            f"| {batch['floor_docs_per_s'] / ft:.2f}x |",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python benchmarks/stages.py", description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="put the table into BENCHMARKS.md")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from gtbench import data
    from gtbench.report import replace_section

    reason = data.skip_reason(DATASET)
    if reason:
        raise SystemExit(f"cannot measure: {reason}")
    command = "python benchmarks/stages.py" + (" --write" if args.write else "")
    text = table(measure(), command)
    print(text)
    if args.write:
        replace_section(REPO / "BENCHMARKS.md", START, END, text, missing_at="end")
        print(f"updated {REPO / 'BENCHMARKS.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
