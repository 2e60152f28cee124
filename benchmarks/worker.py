"""One measurement in a fresh process: ``python benchmarks/worker.py SPEC_JSON RESULT_PATH``.

``benchmarks/run.py`` starts this script once per measurement so that peak
memory is that of one task alone (the kernel's high-water mark of a fresh
process, minus what the process held after its imports and data), and so that
no system's caches or threads leak into another's figures. The spec names the
task (``train``, ``tag``, ``speed`` or ``ablation``), the dataset and the
systems; the result is written as JSON to ``RESULT_PATH``.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

from gtbench import data
from gtbench.ablation import VARIANTS, quick_variants
from gtbench.measure import (
    TreeMemory,
    interleaved_latency,
    interleaved_throughput,
    load_average,
    one_core,
    quality,
    timed,
)
from gtbench.systems import SYSTEMS, GreentagSystem, System, path_size


def _dataset(spec: dict[str, Any]) -> data.Dataset:
    train_limit, test_limit = spec.get("limits") or (None, None)
    root = Path(spec["root"]) if spec.get("root") else data.DATASETS_DIR
    return data.load(spec["dataset"], train_limit=train_limit, test_limit=test_limit, root=root)


def _system(name: str, spec: dict[str, Any]) -> System:
    system = SYSTEMS[name](quick=bool(spec.get("quick")))
    system.preload()
    return system


def train_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Train one system, save its model; report time, peak memory and model size."""
    system = _system(spec["system"], spec)
    dataset = _dataset(spec)
    with TreeMemory() as memory:
        seconds, info = timed(lambda: system.fit(dataset.train_texts, dataset.train_labels, dataset.multi_label))
    folder = Path(spec["workdir"]) / dataset.name / system.name
    folder.mkdir(parents=True, exist_ok=True)
    path = system.save(folder)
    return {
        "train_s": seconds,
        "train_mem_bytes": memory.peak,
        "memory_sampled": memory.sampled,
        "model_bytes": path_size(path),
        "model_path": str(path),
        "info": info,
    }


def tag_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Load a model and tag the test split once: quality, load time, peak memory, first-pass speed."""
    system = _system(spec["system"], spec)
    dataset = _dataset(spec)
    texts = system.prepare(dataset.test_texts)
    path = Path(spec["model_path"])
    with TreeMemory() as memory:
        first_load_s, _ = timed(lambda: system.load(path))
        first_pass_s, raw = timed(lambda: system.raw_batch(texts))
    predicted = system.labels_of(raw)
    figures = quality(dataset.test_labels, predicted, dataset.labels, dataset.multi_label)
    loads = [timed(lambda: system.load(path))[0] for _ in range(int(spec.get("load_repeats", 3)))]
    return {
        **figures,
        "tag_mem_bytes": memory.peak,
        "load_s": statistics.median(loads),
        "first_load_s": first_load_s,
        "first_pass_docs_per_s": len(texts) / first_pass_s,
        "n_predicted_labels": sum(len(p) for p in predicted),
    }


def speed_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Batch throughput (all cores, then one core) and single-document latency, systems interleaved."""
    dataset = _dataset(spec)
    systems: dict[str, System] = {}
    texts: dict[str, list[str]] = {}
    for name, model_path in spec["models"].items():
        system = _system(name, spec)
        system.load(Path(model_path))
        systems[name] = system
        texts[name] = system.prepare(dataset.test_texts)
    repeats = int(spec["repeats"])
    n_docs = len(dataset.test_texts)
    result: dict[str, Any] = {name: {} for name in systems}
    load_before = load_average()

    # All cores first: greentag's worker processes must be started unpinned.
    all_cores = interleaved_throughput(
        {name: _bind(s.raw_batch_all_cores, texts[name]) for name, s in systems.items()}, n_docs, repeats=repeats
    )
    with one_core() as pinned:
        single = interleaved_throughput(
            {name: _bind(s.raw_batch, texts[name]) for name, s in systems.items()}, n_docs, repeats=repeats
        )
    step = max(1, n_docs // int(spec["latency_docs"]))
    subset = {name: texts[name][::step][: int(spec["latency_docs"])] for name in systems}
    latency = interleaved_latency({name: s.raw_one for name, s in systems.items()}, subset, repeats=repeats)
    for name in systems:
        result[name] = {
            "docs_per_s_all": all_cores[name]["docs_per_s"],
            "docs_per_s_1core": single[name]["docs_per_s"],
            "batch_seconds_all": all_cores[name]["seconds_all"],
            "batch_seconds_1core": single[name]["seconds_all"],
            "pinned": pinned,
            "p50_us": latency[name]["p50_us"],
            "p99_us": latency[name]["p99_us"],
            "latency_mean_us": latency[name]["mean_us"],
            "latency_docs": latency[name]["n_docs"],
            # Other work on the machine takes cores from the parallel run first.
            "load_average_1min": [load_before, load_average()],
        }
    greentag = systems.get(GreentagSystem.name)
    if greentag is not None:
        # The speed-ups must not change a single tag.
        docs = texts[GreentagSystem.name]
        one_by_one = [greentag.raw_one(text) for text in docs]
        result[GreentagSystem.name]["tag_many_equals_tag"] = greentag.raw_batch(docs) == one_by_one
        result[GreentagSystem.name]["parallel_equals_tag"] = greentag.raw_batch_all_cores(docs) == one_by_one
    return result


def ablation_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Train greentag once per recipe variant on one dataset; report test F1 and training time."""
    dataset = _dataset(spec)
    system = _system(GreentagSystem.name, spec)
    assert isinstance(system, GreentagSystem)
    variants = quick_variants() if spec.get("quick") else VARIANTS
    rows = []
    for variant in variants:
        seconds, info = timed(lambda v=variant: system.fit_with(dataset.train_texts, dataset.train_labels, v.options))
        predicted = system.labels_of(system.raw_batch(dataset.test_texts))
        figures = quality(dataset.test_labels, predicted, dataset.labels, dataset.multi_label)
        rows.append(
            {
                "name": variant.name,
                "description": variant.description,
                "options": variant.options,
                "train_s": seconds,
                "n_features": info["n_features"],
                **figures,
            }
        )
    return {"rows": rows}


def _bind(method: Any, texts: list[str]) -> Any:
    return lambda: method(texts)


TASKS = {"train": train_task, "tag": tag_task, "speed": speed_task, "ablation": ablation_task}


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    result = TASKS[spec["task"]](spec)
    Path(argv[1]).write_text(json.dumps(result, indent=1, default=_jsonable), encoding="utf-8")
    return 0


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
