"""Turning results into ``BENCHMARKS.md`` and ``results.json``: tables, ratios, targets, environment."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .data import HEADLINE

__all__ = ["FIGURES", "check_targets", "environment", "markdown", "ratios", "replace_section"]

PEERS = ("sklearn", "fasttext")
TITLES = {"greentag": "greentag", "sklearn": "scikit-learn", "fasttext": "fastText"}
MiB = 1024 * 1024


def _f1(x: float) -> str:
    return f"{x:.3f}"


def _seconds(x: float) -> str:
    return f"{x:.3g} s" if x >= 0.01 else f"{x * 1000:.3g} ms"


def _rate(x: float) -> str:
    return f"{x:,.0f}"


def _us(x: float) -> str:
    return f"{x:,.0f} µs" if x >= 10 else f"{x:.1f} µs"


def _mib(x: float) -> str:
    return f"{x / MiB:,.0f} MiB" if x >= 10 * MiB else f"{x / MiB:.1f} MiB"


def _mb(x: float) -> str:
    return f"{x / 1e6:,.1f} MB"


# (key, label, formatter, higher_is_better); the order of the detail tables.
FIGURES: tuple[tuple[str, str, Callable[[float], str], bool], ...] = (
    ("micro_f1", "micro-F1", _f1, True),
    ("macro_f1", "macro-F1", _f1, True),
    ("accuracy", "accuracy", _f1, True),
    ("train_s", "training wall time", _seconds, False),
    ("docs_per_s_1core", "batch docs/s, one core", _rate, True),
    ("docs_per_s_all", "batch docs/s, all cores", _rate, True),
    ("first_pass_docs_per_s", "first batch after loading, docs/s (one core, cold caches)", _rate, True),
    ("p50_us", "single-document latency p50", _us, False),
    ("p99_us", "single-document latency p99", _us, False),
    ("train_mem_bytes", "peak memory while training", _mib, False),
    ("tag_mem_bytes", "peak memory while tagging (load + tag the test set)", _mib, False),
    ("model_bytes", "model file size", _mb, False),
    ("load_s", "model load time", _seconds, False),
)
_FORMAT = {key: fmt for key, _, fmt, _ in FIGURES}


def ratios(systems: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """greentag's figure divided by each peer's, for every figure both have."""
    mine = systems.get("greentag", {})
    out: dict[str, dict[str, float]] = {}
    for peer in PEERS:
        theirs = systems.get(peer, {})
        pairs = {}
        for key, *_ in FIGURES:
            a, b = mine.get(key), theirs.get(key)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
                pairs[key] = a / b
        if pairs:
            out[peer] = pairs
    return out


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Evaluate issue 4's targets on the results; a target without data is marked unknown (None)."""
    datasets = results["datasets"]
    r90 = datasets.get(HEADLINE, {}).get("systems", {})
    gt, ft = r90.get("greentag", {}), r90.get("fasttext", {})
    GiB = 1024**3

    def row(name: str, value: Any, goal: str, met: bool | None) -> dict[str, Any]:
        return {"target": name, "value": value, "goal": goal, "met": met}

    def get(system: dict[str, Any], key: str) -> float | None:
        value = system.get(key)
        return float(value) if isinstance(value, (int, float)) else None

    micro, macro, train_s = get(gt, "micro_f1"), get(gt, "macro_f1"), get(gt, "train_s")
    p50, ft_p50 = get(gt, "p50_us"), get(ft, "p50_us")
    rate, ft_rate = get(gt, "docs_per_s_all"), get(ft, "docs_per_s_all")
    mem, size = get(gt, "train_mem_bytes"), get(gt, "model_bytes")
    rows = [
        row("R90 micro-F1", micro, ">= 0.88", None if micro is None else micro >= 0.88),
        row("R90 macro-F1", macro, ">= 0.55", None if macro is None else macro >= 0.55),
        row("R90 training time (s)", train_s, "< 60 s", None if train_s is None else train_s < 60),
        row(
            "R90 tag latency p50 vs fastText",
            None if p50 is None or ft_p50 is None else p50 / ft_p50,
            "<= 3x fastText",
            None if p50 is None or ft_p50 is None else p50 <= 3 * ft_p50,
        ),
        row(
            "R90 tag_many throughput vs fastText batch predict",
            None if rate is None or ft_rate is None else rate / ft_rate,
            ">= 1x fastText",
            None if rate is None or ft_rate is None else rate >= ft_rate,
        ),
        row(
            "R90 peak training memory (MiB)",
            None if mem is None else mem / MiB,
            "<= 1024 MiB",
            None if mem is None else mem <= GiB,
        ),
        row(
            "R90 model file (MB)",
            None if size is None else size / 1e6,
            "<= 20 MB",
            None if size is None else size <= 20e6,
        ),
    ]
    for name, entry in datasets.items():
        if name == HEADLINE or entry.get("status") != "ok":
            continue
        systems = entry["systems"]
        gt_d, sk_d = systems.get("greentag", {}), systems.get("sklearn", {})
        keys = ("micro_f1", "macro_f1") if entry["multi_label"] else ("accuracy",)
        for key in keys:
            a, b = get(gt_d, key), get(sk_d, key)
            rows.append(
                row(
                    f"{name} {key} vs scikit-learn",
                    None if a is None or b is None else a - b,
                    ">= scikit-learn (difference >= 0)",
                    None if a is None or b is None else a >= b,
                )
            )
    return rows


def environment(command: str, repo: Path) -> dict[str, Any]:
    """Machine, versions, date and command, for the report's header."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for dist in ("greentag", "numpy", "scipy", "scikit-learn", "nltk", "joblib", "fasttext-numpy2-wheel", "psutil"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = None
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_bytes": memory,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "versions": versions,
        "git": git_commit(repo),
        "load_average_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def git_commit(repo: Path) -> str | None:
    """Return the short commit of ``repo`` (marked when greentag/ has uncommitted changes), or None."""
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "greentag"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + (" (greentag/ has uncommitted changes)" if dirty else "")


# ----------------------------------------------------------------- markdown
def _cell(system: dict[str, Any], key: str) -> str:
    value = system.get(key)
    return _FORMAT[key](value) if isinstance(value, (int, float)) else "-"


def _status_cell(system: dict[str, Any]) -> str:
    return "ok" if system.get("status") == "ok" else f"{system.get('status')}: {system.get('reason', '')}"


def _summary(results: dict[str, Any]) -> list[str]:
    keys = (
        "micro_f1", "macro_f1", "accuracy", "train_s", "docs_per_s_1core", "docs_per_s_all",
        "p50_us", "p99_us", "train_mem_bytes", "tag_mem_bytes", "model_bytes", "load_s",
    )  # fmt: skip
    heads = (
        "micro-F1", "macro-F1", "accuracy", "train", "docs/s 1 core", "docs/s all cores",
        "p50", "p99", "train mem", "tag mem", "model", "load",
    )  # fmt: skip
    lines = [
        "| dataset | system | " + " | ".join(heads) + " |",
        "|---|---|" + "---:|" * len(heads),
    ]
    for name, entry in results["datasets"].items():
        if entry.get("status") != "ok":
            continue
        for system_name, system in entry["systems"].items():
            title = TITLES[system_name]
            if system.get("status") != "ok":
                lines.append(f"| {name} | {title} | " + " | ".join(["-"] * len(keys)) + " |")
                continue
            cells = [_cell(system, key) for key in keys]
            if system_name == "greentag":
                cells = [
                    _with_ratios(cell, key, entry.get("ratios", {})) for cell, key in zip(cells, keys, strict=True)
                ]
                title = f"**{title}**"
            lines.append(f"| {name} | {title} | " + " | ".join(cells) + " |")
    return lines


def _with_ratios(cell: str, key: str, pairs: dict[str, dict[str, float]]) -> str:
    found = [f"{pairs[p][key]:.2g}x {('sk' if p == 'sklearn' else 'ft')}" for p in PEERS if key in pairs.get(p, {})]
    if not found or key.endswith("f1") or key == "accuracy":
        return cell
    return f"{cell} ({', '.join(found)})"


def _detail(name: str, entry: dict[str, Any], cores: int) -> list[str]:
    systems = entry["systems"]
    names = list(systems)
    peers = [p for p in PEERS if p in entry.get("ratios", {})]
    head = "| figure | " + " | ".join(TITLES[n] for n in names) + "".join(f" | greentag ÷ {TITLES[p]}" for p in peers)
    lines = [
        f"### {name}",
        "",
        f"{entry['task']}, {entry['n_train']:,} train / {entry['n_test']:,} test documents, {entry['n_labels']} labels.",
        "",
        head + " |",
        "|---|" + "---:|" * (len(names) + len(peers)),
    ]
    for key, label, _, higher in FIGURES:
        if not any(key in systems[n] for n in names):
            continue
        better = "higher" if higher else "lower"
        row = f"| {label} ({better} is better) | " + " | ".join(_cell(systems[n], key) for n in names)
        for peer in peers:
            value = entry["ratios"][peer].get(key)
            row += f" | {value:.3g}x" if value is not None else " | -"
        lines.append(row + " |")
    skipped = [f"{TITLES[n]}: {_status_cell(systems[n])}" for n in names if systems[n].get("status") != "ok"]
    if skipped:
        lines += ["", "Not measured: " + "; ".join(skipped) + "."]
    gt = systems.get("greentag", {})
    load = gt.get("load_average_1min")
    if load and None not in load:
        lines += [
            "",
            f"Load average (1 min) when the speed measurements started and ended: {load[0]:.2f} and {load[1]:.2f}, "
            f"with {cores} cores: the higher it is, the fewer cores other work left to greentag's parallel run.",
        ]
    if "tag_many_equals_tag" in gt:
        lines += [
            "",
            f"greentag check: `tag_many(texts) == [tag(t) for t in texts]`: {gt['tag_many_equals_tag']}; "
            f"with `n_jobs=-1`: {gt['parallel_equals_tag']}.",
        ]
    return [*lines, ""]


def _targets(results: dict[str, Any]) -> list[str]:
    lines = ["| target | measured | goal | met |", "|---|---:|---|:---:|"]
    for row in results["targets"]:
        value = row["value"]
        shown = "-" if value is None else (f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}")
        met = {True: "yes", False: "**no**", None: "-"}[row["met"]]
        lines.append(f"| {row['target']} | {shown} | {row['goal']} | {met} |")
    return lines


def _ablation(ablation: dict[str, Any]) -> list[str]:
    rows = ablation.get("rows", [])
    if not rows:
        return [f"Not run: {ablation.get('reason', 'no rows')}."]
    base = rows[0]
    lines = [
        f"Dataset: {ablation['dataset']}. Each row is the default recipe with one public training option changed.",
        "",
        "| variant | options | micro-F1 | Δ micro | macro-F1 | Δ macro | features | training |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        options = ", ".join(f"{k}={v!r}" for k, v in row["options"].items()) or "(defaults)"
        lines.append(
            f"| {row['name']} | `{options}` | {row['micro_f1']:.3f} | {row['micro_f1'] - base['micro_f1']:+.3f} | "
            f"{row['macro_f1']:.3f} | {row['macro_f1'] - base['macro_f1']:+.3f} | {row['n_features']:,} | "
            f"{_seconds(row['train_s'])} |"
        )
    lines += ["", "What each variant changes:", ""]
    lines += [f"- **{row['name']}**: {row['description']}" for row in rows]
    return lines


def markdown(results: dict[str, Any], notes: dict[str, dict[str, str]]) -> str:
    """Render the whole ``BENCHMARKS.md``."""
    env = results["environment"]
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v)
    memory = f"{env['memory_bytes'] / 1024**3:.0f} GiB RAM" if env.get("memory_bytes") else "RAM unknown"
    load = env.get("load_average_start")
    out = ["# Benchmarks: greentag, scikit-learn and fastText", ""]
    if results["quick"]:
        out += [
            "> **Quick run** (`--quick`): small random subsets of every dataset and few repeats. It checks that",
            "> the suite works; its figures are not the benchmark.",
            "",
        ]
    out += [
        f"- Command: `{env['command']}`",
        f"- Date: {env['date']}; greentag commit {env.get('git') or 'unknown'}",
        f"- Machine: {env['cpu']}, {env['cores']} cores usable, {memory}, {env['os']}, Python {env['python']}",
        f"- Versions: {versions}",
        f"- Load average when the run started: {', '.join(f'{x:.2f}' for x in load) if load else 'unknown'}"
        " (the machine is shared, so compare the ratios, measured side by side, rather than absolute times)",
        "",
        "## Targets (issue 4; Reuters-21578 R90 is the headline)",
        "",
        *_targets(results),
        "",
        "## Summary",
        "",
        "Ratios after greentag's figures are greentag ÷ scikit-learn (sk) and greentag ÷ fastText (ft).",
        "",
        *_summary(results),
        "",
        "## Per dataset",
        "",
    ]
    for name, entry in results["datasets"].items():
        if entry.get("status") == "ok":
            out += _detail(name, entry, env["cores"])
    skipped = [(n, e) for n, e in results["datasets"].items() if e.get("status") != "ok"]
    if skipped:
        out += ["### Skipped datasets", ""]
        out += [f"- **{n}**: {e.get('reason')}" for n, e in skipped]
        out += [""]
    out += ["## Ablation: what each step of greentag's recipe buys", "", *_ablation(results.get("ablation", {})), ""]
    out += ["## What each system gets", ""]
    for name, note in notes.items():
        out += [f"- **{TITLES[name]}**: {note['config']}. Input: {note['input']}. All cores: {note['batch']}."]
    out += ["", *METHOD, ""]
    return "\n".join(out)


METHOD = [
    "## How it is measured",
    "",
    "- Every system is trained and tested on the same split of the same documents in the same run; nothing is "
    "tuned on test labels (greentag tunes its thresholds by cross-validation on the training split).",
    "- Quality: micro- and macro-averaged F1 over every label of the dataset (scikit-learn's `f1_score`, "
    "`zero_division=0`); for single-label data also accuracy of the first predicted label (no label counts as wrong).",
    "- Training wall time and peak training memory: one fresh process per system and dataset. Memory is the "
    "peak growth over the value after the imports and the data were loaded: the larger of the process's own "
    "high-water mark (`ru_maxrss`) and the proportional set size (PSS) of the process and all its worker "
    "processes, sampled every 20 ms (greentag trains in joblib worker processes, which `ru_maxrss` does not see).",
    "- Peak memory while tagging: a fresh process loads the model and tags the whole test set once in one "
    "process (same rule); that first pass also gives the cold-cache docs/s figure.",
    "- Load time: the median of repeated loads of the saved model file, after the first.",
    "- Batch throughput: test-set docs per second, the median of repeated runs after one warm-up run, systems "
    "interleaved run by run. 'One core' pins the process to a single CPU (`sched_setaffinity`); 'all cores' uses "
    "each system's own way of using every core (see above).",
    "- Latency: one call per document on an evenly spaced subset of the test set, after one warm-up pass; each "
    "document's time is the median of its repeats, then p50 and p99 are taken over documents. Warm-up means "
    "greentag's term caches already hold these documents' words (as they would in a service after a while); "
    "the cold-cache figure above shows the first pass.",
]


def replace_section(path: Path, start: str, end: str, text: str, *, missing_at: str = "top") -> None:
    """Write ``text`` between the ``start`` and ``end`` markers of ``path``, keeping everything else.

    ``BENCHMARKS.md`` is shared by several scripts, each with its own markers:
    only the text between one script's markers is replaced. A page without
    them gets the section at its top (``missing_at="top"``) or its end.
    """
    block = f"{start}\n{text.rstrip()}\n{end}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in old and end in old:
        before, rest = old.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        new = before + block + ("\n" + after if after else "")
    elif missing_at == "top":
        new = block + ("\n" + old if old else "")
    else:
        new = (old.rstrip("\n") + "\n\n" if old else "") + block
    path.write_text(new, encoding="utf-8")
