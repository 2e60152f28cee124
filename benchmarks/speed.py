"""Tagging speed as a user meets it, side by side with fastText.

Usage::

    python benchmarks/speed.py                # fresh non-editable install in a temporary venv; prints the table
    python benchmarks/speed.py --write        # also puts it at the top of BENCHMARKS.md (between "speed" markers)
    python benchmarks/speed.py --python PY    # measure the greentag installed for interpreter PY instead

What a user meets, and so what this measures:

- greentag comes from a wheel built from this checkout and installed (not
  editable) into a new venv, with fastText beside it; every measurement runs
  in that venv's interpreter, from a folder outside the repository;
- both systems are trained on Reuters-21578 R90 through their public APIs
  (greentag's default training options; fastText as in ``benchmarks/run.py``),
  saved, and loaded from file by each measuring process;
- every batch measurement is a fresh process: the *first* call pays what a
  first call pays (worker start-up for ``n_jobs=-1``, empty caches), and is
  reported apart from the second call on the same documents;
- single documents: the 3,019 R90 test documents, once each, in file order,
  greentag and fastText calls alternating document by document, straight
  after loading (first pass, caches empty: the headline) and then twice more
  (warm passes: a second row);
- cold start: a whole ``python -c "import greentag; greentag.tag('x')"``
  process with the shipped default model;
- the load average is read before every measurement (the machine is shared:
  read the ratios, measured side by side, before the absolute figures).

Medians over ``--repeats`` runs (default 3), systems alternating run by run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATASET = "reuters21578"
START, END = "<!-- written by benchmarks/speed.py: start -->", "<!-- written by benchmarks/speed.py: end -->"


# --------------------------------------------------------------------------- tasks (run in the measured venv)


def _corpus(split: str) -> tuple[list[str], list[list[str]]]:
    from gtbench import data

    return data.load_split(DATASET, split)


def _systems() -> dict[str, Any]:
    from gtbench.systems import FastTextSystem, GreentagSystem

    return {"greentag": GreentagSystem(), "fasttext": FastTextSystem()}


def task_train(spec: dict[str, Any]) -> dict[str, Any]:
    """Train both systems on the R90 train split and save them under ``spec['models']``."""
    texts, labels = _corpus("train")
    out: dict[str, Any] = {}
    for name, system in _systems().items():
        folder = Path(spec["models"]) / name
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        system.fit(texts, labels, multi_label=True)
        out[name] = {"train_s": time.perf_counter() - start, "path": str(system.save(folder))}
    return out


def _loaded(name: str, spec: dict[str, Any]) -> tuple[Any, float]:
    system = _systems()[name]
    start = time.perf_counter()
    system.load(Path(spec["paths"][name]))
    return system, time.perf_counter() - start


def task_batch(spec: dict[str, Any]) -> dict[str, Any]:
    """Load one system and tag every R90 document twice: the first call and the second."""
    import greentag

    system, load_s = _loaded(spec["system"], spec)
    train, _ = _corpus("train")
    test, _ = _corpus("test")
    texts = system.prepare(train + test)
    if spec["system"] == "greentag":
        n_jobs = spec["n_jobs"]

        def call() -> Any:
            return system.model.tag_many(texts, n_jobs=n_jobs)

    else:

        def call() -> Any:
            return system.raw_batch(texts)

    seconds, helpers = [], []
    for _ in range(2):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
        if spec["system"] == "greentag":
            helpers.append(_helpers_used(system.model, spec["n_jobs"]))
    return {
        "load_s": load_s,
        "first_s": seconds[0],
        "second_s": seconds[1],
        "n_docs": len(texts),
        "n_characters": sum(map(len, texts)),
        "cold_start_min_characters": _cold_start_min_characters(),
        "helpers": helpers,
        "greentag_file": greentag.__file__,
    }


def _helpers_used(model: Any, n_jobs: int) -> str:
    """Which helper processes the installed greentag has running for ``model``: forked, loky or none."""
    from greentag import parallel

    helpers = parallel.resolve_n_jobs(n_jobs) - 1
    try:
        from greentag import forking
    except ImportError:  # an older greentag, measured with --python
        forking = None
    if helpers and forking is not None and forking.has_forked_helpers(model, helpers):
        return "forked"
    return "loky" if helpers and model in parallel._handles else "none"


def _cold_start_min_characters() -> int | None:
    try:
        from greentag.parallel import COLD_START_MIN_CHARACTERS
    except ImportError:  # an older greentag, measured with --python
        return None
    return int(COLD_START_MIN_CHARACTERS)


def task_latency(spec: dict[str, Any]) -> dict[str, Any]:
    """Both systems loaded in one process; one document at a time, calls alternating."""
    import numpy as np

    systems = {name: _loaded(name, spec)[0] for name in ("greentag", "fasttext")}
    test, _ = _corpus("test")
    texts = {name: system.prepare(test) for name, system in systems.items()}
    passes = 3
    samples = {name: np.empty((passes, len(test))) for name in systems}
    clock = time.perf_counter_ns
    for p in range(passes):
        for i in range(len(test)):
            for name, system in systems.items():
                start = clock()
                system.raw_one(texts[name][i])
                samples[name][p, i] = clock() - start
    out: dict[str, Any] = {}
    for name, table in samples.items():
        first, warm = table[0] / 1000.0, np.median(table[1:], axis=0) / 1000.0
        out[name] = {
            "first_document_us": float(first[0]),
            "first_pass_p50_us": float(np.percentile(first, 50)),
            "first_pass_p95_us": float(np.percentile(first, 95)),
            "warm_p50_us": float(np.percentile(warm, 50)),
            "warm_p95_us": float(np.percentile(warm, 95)),
            "n_docs": len(test),
        }
    return out


TASKS = {"train": task_train, "batch": task_batch, "latency": task_latency}


# --------------------------------------------------------------------------- the driver


def run_task(python: str, name: str, spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run one task in a fresh ``python`` process started in ``workdir``; return its JSON result."""
    out = workdir / f"result-{name}.json"
    proc = subprocess.run(
        [python, str(Path(__file__).resolve()), "--task", name, "--spec", json.dumps(spec), "--out", str(out)],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"task {name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def cold_start(python: str, workdir: Path) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-c", "import greentag; greentag.tag('x')"], cwd=workdir, check=True)
    return time.perf_counter() - start


def fresh_install(folder: Path) -> str:
    """Build a wheel of this checkout and install it, with fastText, into a new venv; return its python."""
    # Build from a copy of the tracked files only, as a fresh clone would:
    # stray build folders or untracked drafts must not reach the wheel.
    source = folder / "source"
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    )
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    wheels = folder / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)], check=True
    )
    (wheel,) = wheels.glob("greentag-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
    python = str(folder / "venv" / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", f"greentag[bench] @ {wheel.as_uri()}"], check=True)
    return python


def measure(python: str, workdir: Path, repeats: int) -> dict[str, Any]:
    from gtbench.measure import load_average
    from gtbench.report import git_commit

    loads: list[float | None] = []
    # Stamped now: the table may be rendered again later from speed.json.
    commit, started = git_commit(REPO), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())

    def task(name: str, spec: dict[str, Any]) -> dict[str, Any]:
        loads.append(load_average())
        return run_task(python, name, spec, workdir)

    print("training both systems on R90 ...", file=sys.stderr)
    trained = task("train", {"models": str(workdir / "models")})
    paths = {name: entry["path"] for name, entry in trained.items()}
    cold = []
    batch: dict[str, list[dict[str, Any]]] = {"greentag n_jobs=1": [], "greentag n_jobs=-1": [], "fasttext": []}
    latency = []
    for r in range(repeats):
        print(f"repeat {r + 1} of {repeats} ...", file=sys.stderr)
        loads.append(load_average())
        cold.append(cold_start(python, workdir))
        for key in batch:
            system, _, jobs = key.partition(" n_jobs=")
            spec = {"system": system, "paths": paths, "n_jobs": int(jobs) if jobs else None}
            batch[key].append(task("batch", spec))
        latency.append(task("latency", {"paths": paths}))

    def median(rows: list[dict[str, Any]], key: str) -> float:
        return statistics.median(row[key] for row in rows)

    batches = {
        key: {
            "first_docs_per_s": median([{"x": r["n_docs"] / r["first_s"]} for r in rows], "x"),
            "second_docs_per_s": median([{"x": r["n_docs"] / r["second_s"]} for r in rows], "x"),
            "load_s": median(rows, "load_s"),
            "n_docs": rows[0]["n_docs"],
            "n_characters": rows[0].get("n_characters"),
            "cold_start_min_characters": rows[0].get("cold_start_min_characters"),
            # Per call, the helpers most runs used.
            "helpers": [statistics.mode(calls) for calls in zip(*(r["helpers"] for r in rows), strict=True)]
            if all(r.get("helpers") for r in rows)
            else None,
        }
        for key, rows in batch.items()
    }
    singles = {
        name: {key: median([run[name] for run in latency], key) for key in latency[0][name]}
        for name in ("greentag", "fasttext")
    }
    installed = batch["greentag n_jobs=1"][0]["greentag_file"]
    return {
        "commit": commit,
        "measured_at": started,
        "train_s": {name: entry["train_s"] for name, entry in trained.items()},
        "cold_start_s": statistics.median(cold),
        "batch": batches,
        "single": singles,
        "repeats": repeats,
        "load_average": [x for x in loads if x is not None],
        "greentag_file": installed,
        "editable": str(REPO / "greentag") in installed,
        "versions": versions(python, workdir),
    }


def versions(python: str, workdir: Path) -> dict[str, str]:
    code = (
        "import json; from importlib.metadata import version as v, PackageNotFoundError as E\n"
        "out = {}\n"
        "for d in ('greentag', 'numpy', 'scipy', 'scikit-learn', 'fasttext-numpy2-wheel'):\n"
        "    try: out[d] = v(d)\n"
        "    except E: pass\n"
        "print(json.dumps(out))"
    )
    return json.loads(subprocess.run([python, "-c", code], cwd=workdir, capture_output=True, text=True).stdout)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x"


_HELPERS = {
    "forked": "helpers forked from the calling process (`greentag.forking`: the model already in memory, "
    "a start in milliseconds)",
    "loky": "loky workers, which load the model from a file (the calling core tags beside them while they start)",
}


def _pool_footnote(entry: dict[str, Any]) -> str:
    """Say which helpers the ``n_jobs=-1`` calls used, as the installed package recorded it."""
    used, limit = entry.get("helpers"), entry.get("cold_start_min_characters")
    if not used:
        return "The installed greentag does not say which helpers it used."
    if used[0] == used[1] and used[0] in _HELPERS:
        return f"With `n_jobs=-1`, both calls used {_HELPERS[used[0]]}."
    parts = []
    for call, kind in zip(("first", "second"), used, strict=True):
        if kind in _HELPERS:
            parts.append(f"the {call} call used {_HELPERS[kind]}")
        else:
            parts.append(f"the {call} call was tagged on the calling core alone")
    text = f"With `n_jobs=-1`, {parts[0]}; {parts[1]}."
    if "none" in used and limit is not None:
        text += (
            f" Cold loky workers start only for {limit:,} characters of text or more "
            "(`greentag.parallel.COLD_START_MIN_CHARACTERS`), counting earlier calls that asked for them."
        )
    return text


def table(result: dict[str, Any], command: str) -> str:
    b, s = result["batch"], result["single"]
    ft_batch = b["fasttext"]["first_docs_per_s"]
    g1, gall = b["greentag n_jobs=1"], b["greentag n_jobs=-1"]
    g, f = s["greentag"], s["fasttext"]
    loads = result["load_average"]
    install = (
        "editable checkout (not what a user meets)"
        if result["editable"]
        else "a wheel of the checkout, installed non-editable into a new venv"
    )
    from gtbench.systems import usable_cores

    cores = usable_cores()
    lines = [
        "## Speed as a user meets it (Reuters-21578 R90, side by side with fastText)",
        "",
        f"- Command: `{command}`; greentag commit {result.get('commit') or 'not recorded'}; "
        f"measured from {result.get('measured_at') or 'an unrecorded time'}",
        f"- Install: {install}; " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
        f"- Machine: {cores} cores; load average (1 min) before the measurements: median {statistics.median(loads):.2f}, "
        f"range {min(loads):.2f}-{max(loads):.2f}",
        f"- Medians of {result['repeats']} runs; every batch figure is a fresh process that loads the saved model "
        f"and tags all {g1['n_docs']:,} R90 documents (train and test, each once) twice: the first call and the "
        "second. fastText gets its text lowercased with whitespace collapsed, prepared outside the timings.",
        "",
        "| measure | greentag | fastText | greentag ÷ fastText |",
        "|---|---:|---:|---:|",
        f"| one document, `model.tag(doc)`, p50 (first pass over the 3,019 test documents after loading) "
        f"| {g['first_pass_p50_us']:.0f} µs | {f['first_pass_p50_us']:.0f} µs "
        f"| {_ratio(g['first_pass_p50_us'], f['first_pass_p50_us'])} slower |",
        f"| same, p95 | {g['first_pass_p95_us']:.0f} µs | {f['first_pass_p95_us']:.0f} µs "
        f"| {_ratio(g['first_pass_p95_us'], f['first_pass_p95_us'])} |",
        f"| same, the very first document after loading | {g['first_document_us']:,.0f} µs "
        f"| {f['first_document_us']:,.0f} µs | |",
        f"| `tag_many(docs, n_jobs=1)`, first call | {g1['first_docs_per_s']:,.0f} docs/s "
        f"| {ft_batch:,.0f} docs/s (`predict(list)`, one thread) | {_ratio(g1['first_docs_per_s'], ft_batch)} |",
        f"| `tag_many(docs, n_jobs=-1)`, first call (any worker start-up included) "
        f"| {gall['first_docs_per_s']:,.0f} docs/s | {ft_batch:,.0f} docs/s | "
        f"{_ratio(gall['first_docs_per_s'], ft_batch)} |",
        f"| cold start: `python -c \"import greentag; greentag.tag('x')\"`, whole process "
        f"| {result['cold_start_s']:.2f} s | | |",
        f"| model load from file (R90 models) | {g1['load_s']:.3f} s | {b['fasttext']['load_s']:.3f} s "
        f"| {_ratio(g1['load_s'], b['fasttext']['load_s'])} |",
        "",
        "Second row, warm (the same process again; not what a first call meets):",
        "",
        "| measure | greentag | fastText | greentag ÷ fastText |",
        "|---|---:|---:|---:|",
        f"| one document p50, passes 2 and 3 | {g['warm_p50_us']:.0f} µs | {f['warm_p50_us']:.0f} µs "
        f"| {_ratio(g['warm_p50_us'], f['warm_p50_us'])} |",
        f"| one document p95, passes 2 and 3 | {g['warm_p95_us']:.0f} µs | {f['warm_p95_us']:.0f} µs "
        f"| {_ratio(g['warm_p95_us'], f['warm_p95_us'])} |",
        f"| `tag_many(n_jobs=1)`, second call | {g1['second_docs_per_s']:,.0f} docs/s "
        f"| {b['fasttext']['second_docs_per_s']:,.0f} docs/s "
        f"| {_ratio(g1['second_docs_per_s'], b['fasttext']['second_docs_per_s'])} |",
        f"| `tag_many(n_jobs=-1)`, second call | {gall['second_docs_per_s']:,.0f} docs/s "
        f"| {b['fasttext']['second_docs_per_s']:,.0f} docs/s "
        f"| {_ratio(gall['second_docs_per_s'], b['fasttext']['second_docs_per_s'])} |",
        "",
        _pool_footnote(gall),
        "",
    ]
    return "\n".join(lines)


def write_section(text: str, path: Path = REPO / "BENCHMARKS.md") -> None:
    """Put ``text`` between this script's markers at the top of ``path``, keeping every other section."""
    from gtbench.report import replace_section

    replace_section(path, START, END, text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python benchmarks/speed.py", description=__doc__.split("\n")[0])
    parser.add_argument("--python", help="measure the greentag installed for this interpreter (no fresh venv)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="put the table at the top of BENCHMARKS.md")
    parser.add_argument("--task", choices=sorted(TASKS), help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.task:
        sys.path.insert(0, str(HERE))
        Path(args.out).write_text(json.dumps(TASKS[args.task](json.loads(args.spec))))
        return
    sys.path.insert(0, str(HERE))
    from gtbench import data

    reason = data.skip_reason(DATASET)
    if reason:
        raise SystemExit(f"cannot measure: {reason}")
    folder = Path(tempfile.mkdtemp(prefix="greentag-speed-"))
    try:
        python = args.python or fresh_install(folder)
        result = measure(python, folder, args.repeats)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    command = "python benchmarks/speed.py" + (" --write" if args.write else "")
    text = table(result, command)
    print(text)
    (HERE / "speed.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.write:
        write_section(text)
        print(f"updated {REPO / 'BENCHMARKS.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
