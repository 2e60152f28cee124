"""Benchmark greentag against scikit-learn and fastText on the public datasets.

Usage::

    python benchmarks/run.py                      # everything; writes BENCHMARKS.md and benchmarks/results.json
    python benchmarks/run.py --quick              # small subsets, a couple of minutes: checks the suite works
    python benchmarks/run.py --datasets bbc_news --output-dir /tmp/bench

Each dataset under ``../shared/datasets`` (next to the repository) is trained
and tested with every system; each measurement runs in a fresh process
(``benchmarks/worker.py``) so that peak memory belongs to one task alone.
A system that is not installed (fastText is a benchmark extra) is reported as
skipped, as is a dataset without a train split.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gtbench import data
from gtbench.report import check_targets, environment, markdown, ratios, replace_section
from gtbench.systems import SYSTEMS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKER = HERE / "worker.py"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="Benchmark greentag against scikit-learn and fastText on ../shared/datasets.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small random subsets of R90 and BBC News (unless --datasets), few repeats: a smoke test",
    )
    parser.add_argument("--datasets", nargs="+", metavar="NAME", help="dataset folder names (default: all found)")
    parser.add_argument("--systems", nargs="+", choices=sorted(SYSTEMS), default=list(SYSTEMS), metavar="NAME")
    parser.add_argument(
        "--output-dir",
        type=Path,
        help="write BENCHMARKS.md and results.json here (default: BENCHMARKS.md at the repository root, "
        "benchmarks/results.json)",
    )
    parser.add_argument("--datasets-dir", type=Path, default=data.DATASETS_DIR, help="default: %(default)s")
    parser.add_argument("--no-ablation", action="store_true", help="skip the ablation of greentag's recipe on R90")
    parser.add_argument("--repeats", type=int, help="timing repeats (default 5, --quick 2)")
    return parser.parse_args(argv)


def settings(args: argparse.Namespace) -> dict[str, Any]:
    if args.quick:
        base = {"limits": [400, 200], "repeats": 2, "latency_docs": 100, "load_repeats": 1, "timeout": 600}
    else:
        base = {"limits": None, "repeats": 5, "latency_docs": 1000, "load_repeats": 3, "timeout": 3600}
    if args.repeats:
        base["repeats"] = args.repeats
    return base


def run_worker(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one task in a fresh process; return its result or ``{"status": "failed", ...}``."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        proc = subprocess.run(
            [sys.executable, str(WORKER), json.dumps(spec), str(out)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=HERE,
        )
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return {"status": "failed", "reason": " / ".join(tail) or f"exit code {proc.returncode}"}
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result
    except subprocess.TimeoutExpired:
        return {"status": "failed", "reason": f"timed out after {timeout:.0f} s"}
    finally:
        out.unlink(missing_ok=True)


START = "<!-- written by benchmarks/run.py: start -->"
END = "<!-- written by benchmarks/run.py: end -->"


def write_section(path: Path, text: str) -> None:
    """Write ``text`` as this script's section of ``path`` (see :func:`gtbench.report.replace_section`)."""
    replace_section(path, START, END, text)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_dataset(name: str, args: argparse.Namespace, conf: dict[str, Any], workdir: Path) -> dict[str, Any]:
    reason = data.skip_reason(name, args.datasets_dir)
    if reason:
        log(f"{name}: skipped ({reason})")
        return {"status": "skipped", "reason": reason}
    dataset = data.load(
        name,
        train_limit=(conf["limits"] or [None])[0],
        test_limit=(conf["limits"] or [None, None])[1],
        root=args.datasets_dir,
    )
    entry: dict[str, Any] = {
        "status": "ok",
        "task": "multi-label" if dataset.multi_label else "single-label",
        "multi_label": dataset.multi_label,
        "n_train": len(dataset.train_texts),
        "n_test": len(dataset.test_texts),
        "n_labels": len(dataset.labels),
        "systems": {},
    }
    common = {
        "dataset": name,
        "quick": args.quick,
        "limits": conf["limits"],
        "root": str(args.datasets_dir),
        "workdir": str(workdir),
        "load_repeats": conf["load_repeats"],
    }
    models: dict[str, str] = {}
    for system_name in args.systems:
        system = SYSTEMS[system_name](quick=args.quick)
        missing = system.unavailable()
        if missing:
            log(f"{name}/{system_name}: skipped ({missing})")
            entry["systems"][system_name] = {"status": "skipped", "reason": missing}
            continue
        log(f"{name}/{system_name}: training")
        trained = run_worker({**common, "task": "train", "system": system_name}, conf["timeout"])
        if trained.get("status") == "failed":
            log(f"{name}/{system_name}: training failed: {trained['reason']}")
            entry["systems"][system_name] = trained
            continue
        log(f"{name}/{system_name}: tagging")
        tagged = run_worker(
            {**common, "task": "tag", "system": system_name, "model_path": trained["model_path"]}, conf["timeout"]
        )
        if tagged.get("status") == "failed":
            log(f"{name}/{system_name}: tagging failed: {tagged['reason']}")
            entry["systems"][system_name] = {**tagged, **{k: v for k, v in trained.items() if k != "status"}}
            continue
        entry["systems"][system_name] = {"status": "ok", **trained, **tagged}
        models[system_name] = trained["model_path"]
    if models:
        log(f"{name}: speed ({', '.join(models)})")
        speed = run_worker(
            {
                **common,
                "task": "speed",
                "models": models,
                "repeats": conf["repeats"],
                "latency_docs": conf["latency_docs"],
            },
            conf["timeout"],
        )
        if speed.get("status") == "failed":
            log(f"{name}: speed failed: {speed['reason']}")
            entry["speed_error"] = speed["reason"]
        else:
            for system_name, figures in speed.items():
                entry["systems"][system_name].update(figures)
    for system in entry["systems"].values():
        system.pop("model_path", None)
    entry["ratios"] = ratios({k: v for k, v in entry["systems"].items() if v.get("status") == "ok"})
    return entry


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    conf = settings(args)
    found = data.discover(args.datasets_dir)
    if not found:
        print(f"no datasets found under {args.datasets_dir}; nothing to benchmark", file=sys.stderr)
        return 2
    # A quick run takes one multi-label and one single-label dataset (and reports the skips).
    quick_names = [n for n in found if n in data.QUICK] or found[:1]
    names = args.datasets or (quick_names if args.quick else found)
    command = "python benchmarks/run.py" + "".join(
        f" {shlex.quote(a)}" for a in (sys.argv[1:] if argv is None else argv)
    )
    results: dict[str, Any] = {
        "environment": environment(command, REPO),
        "quick": args.quick,
        "settings": {k: v for k, v in conf.items() if k != "timeout"},
        "datasets": {},
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gtbench-models-") as folder:
        for name in names:
            results["datasets"][name] = bench_dataset(name, args, conf, Path(folder))
        headline = data.HEADLINE
        if args.no_ablation or "greentag" not in args.systems:
            results["ablation"] = {"reason": "switched off on the command line"}
        elif data.skip_reason(headline, args.datasets_dir) or headline not in names:
            results["ablation"] = {"reason": f"{headline} is not part of this run"}
        else:
            log(f"{headline}: ablation")
            spec = {
                "task": "ablation",
                "dataset": headline,
                "quick": args.quick,
                "limits": conf["limits"],
                "root": str(args.datasets_dir),
            }
            ablation = run_worker(spec, conf["timeout"] * 4)
            results["ablation"] = {"dataset": headline, **ablation}
    results["elapsed_s"] = time.perf_counter() - started
    results["targets"] = check_targets(results)
    notes = {
        name: {
            "config": SYSTEMS[name](quick=args.quick).config_note,
            "input": SYSTEMS[name].input_note,
            "batch": SYSTEMS[name](quick=args.quick).batch_note(),
        }
        for name in args.systems
    }
    results["notes"] = notes
    if args.output_dir:
        args.output_dir.mkdir(parents=True, exist_ok=True)
        md_path, json_path = args.output_dir / "BENCHMARKS.md", args.output_dir / "results.json"
    else:
        md_path, json_path = REPO / "BENCHMARKS.md", HERE / "results.json"
    json_path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    write_section(md_path, markdown(results, notes))
    log(f"wrote {md_path} and {json_path} in {results['elapsed_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
