"""HTTP service: a bounded load test of ``greentag serve`` on localhost, next to in-process tagging.

Starts ``python -m greentag serve`` on a free loopback port (the shipped
model), waits for ``/health``, then sends a fixed number of requests from a
few client threads, each on its own keep-alive connection (``http.client``):

1. single documents, ``POST /tag``;
2. batches, ``POST /tag_many`` with ``--batch-size`` documents each;

and measures the same documents in this process with ``Tagger.tag`` and
``Tagger.tag_many``. It prints one Markdown table (requests/s, documents/s,
p50 and p99 latency) and the HTTP overhead per document: the median latency
over HTTP minus the in-process median, per document. The documents are the
seed corpus's (``seeds/``), in a fixed shuffled order. Nothing leaves the
machine; the clients share the cores with the server, as a sidecar would.

Usage::

    python benchmarks/serve_load.py                       # about half a minute on two cores
    python benchmarks/serve_load.py --requests 500 --batch-requests 50 --clients 2
    python benchmarks/serve_load.py --workers 2 --write   # also update the "HTTP service" section of BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import greentag
from greentag.default import seeds_path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HEADING = "## HTTP service"


def markers(workers: int) -> tuple[str, str]:
    """Each number of workers has its own table in the section, replaced only by a run with that number."""
    return f"<!-- serve_load workers={workers}: start -->", f"<!-- serve_load workers={workers}: end -->"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "greentag", "serve", "--port", str(port), "--log-level", "warning"]
    command += ["--workers", str(workers), "--threads", str(threads)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTAG_")}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise SystemExit("the server did not become ready in 60 s")


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def load(port: int, bodies: list[bytes], path: str, clients: int) -> tuple[float, list[float]]:
    """Send every body once, from ``clients`` threads with a keep-alive connection each; return (seconds, latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    cursor = iter(range(len(bodies)))
    failures: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        headers = {"Content-Type": "application/json"}
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                break
            started = time.perf_counter()
            connection.request("POST", path, body=bodies[i], headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                failures.append(f"{path}: HTTP {response.status}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, first: {failures[0]}")
    return elapsed, latencies


def in_process(calls: list[Callable[[], Any]]) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for call in calls:
        t0 = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - started, latencies


def row(
    name: str, requests: int, docs_per_request: int, clients: str, elapsed: float, latencies: list[float]
) -> dict[str, Any]:
    return {
        "mode": name,
        "requests": requests,
        "docs_per_request": docs_per_request,
        "clients": clients,
        "requests_per_s": requests / elapsed,
        "documents_per_s": requests * docs_per_request / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }


def markdown(rows: list[dict[str, Any]], overhead: dict[str, float]) -> str:
    lines = [
        "| mode | requests | documents / request | clients | requests / s | documents / s | p50 | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['requests']:,} | {r['docs_per_request']} | {r['clients']} | "
            f"{r['requests_per_s']:,.0f} | {r['documents_per_s']:,.0f} | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms |"
        )
    lines.append("")
    lines.append(
        f"HTTP overhead per document (median latency of one client over HTTP minus in process): "
        f"{overhead['single_ms']:.2f} ms for a single `/tag`, "
        f"{overhead['batch_ms_per_doc']:.3f} ms per document in a `/tag_many` batch."
    )
    return "\n".join(lines)


def write_section(text: str, workers: int) -> None:
    path = REPO / "BENCHMARKS.md"
    page = path.read_text(encoding="utf-8")
    start, end = markers(workers)
    block = f"{start}\n{text}\n{end}"
    if start in page and end in page:
        page = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, page, flags=re.DOTALL)
    elif HEADING in page:
        # After the section's last table.
        last = max(m.end() for m in re.finditer(r"<!-- serve_load workers=\d+: end -->", page))
        page = page[:last] + "\n\n" + block + page[last:]
    else:
        page = page.rstrip("\n") + f"\n\n{HEADING}\n\n" + block + "\n"
    path.write_text(page, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="single-document /tag requests (default: 3000)")
    parser.add_argument("--batch-requests", type=int, default=200, help="/tag_many requests (default: 200)")
    parser.add_argument("--batch-size", type=int, default=50, help="documents per /tag_many request (default: 50)")
    parser.add_argument("--clients", type=int, default=4, help="client threads, one connection each (default: 4)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default: 1)")
    parser.add_argument("--threads", type=int, default=2, help="tagging threads per worker (default: 2)")
    parser.add_argument("--write", action="store_true", help="put the results in BENCHMARKS.md")
    args = parser.parse_args(argv)

    texts, _ = greentag.read_dataset(seeds_path(), format="folder")
    random.Random(0).shuffle(texts)
    singles = [texts[i % len(texts)] for i in range(args.requests)]
    batches = [
        [texts[(i * args.batch_size + j) % len(texts)] for j in range(args.batch_size)]
        for i in range(args.batch_requests)
    ]
    load_average = os.getloadavg()[0]
    started_at = datetime.now(timezone.utc)

    model = greentag.load_default()
    for text in texts:  # the server warms its caches on the warm-up requests below; this process likewise
        model.tag(text)
    local_single = in_process([lambda t=t: model.tag(t) for t in singles])
    local_batch = in_process([lambda b=b: model.tag_many(b) for b in batches])

    port = free_port()
    server = start_server(port, args.workers, args.threads)
    try:
        warm = [json.dumps({"text": t}).encode() for t in texts]
        load(port, warm, "/tag", args.clients)
        single_bodies = [json.dumps({"text": t}).encode() for t in singles]
        batch_bodies = [json.dumps({"texts": b}).encode() for b in batches]
        http_single = load(port, single_bodies, "/tag", args.clients)
        http_batch = load(port, batch_bodies, "/tag_many", args.clients)
        # One client at a time: latency without queueing, for the overhead per document.
        lone_single = load(port, single_bodies[: max(1, len(single_bodies) // 3)], "/tag", 1)
        lone_batch = load(port, batch_bodies[: max(1, len(batch_bodies) // 3)], "/tag_many", 1)
    finally:
        server.terminate()
        server.wait(timeout=30)

    rows = [
        row("in process, `tag(text)`", args.requests, 1, "1", *local_single),
        row("HTTP `POST /tag`", len(lone_single[1]), 1, "1", *lone_single),
        row("HTTP `POST /tag`", args.requests, 1, str(args.clients), *http_single),
        row(f"in process, `tag_many` of {args.batch_size}", args.batch_requests, args.batch_size, "1", *local_batch),
        row("HTTP `POST /tag_many`", len(lone_batch[1]), args.batch_size, "1", *lone_batch),
        row("HTTP `POST /tag_many`", args.batch_requests, args.batch_size, str(args.clients), *http_batch),
    ]
    overhead = {
        "single_ms": rows[1]["p50_ms"] - rows[0]["p50_ms"],
        "batch_ms_per_doc": (rows[4]["p50_ms"] - rows[3]["p50_ms"]) / args.batch_size,
    }
    command = "python benchmarks/serve_load.py" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    heading = (
        f"Measured with `{command}` ({started_at:%Y-%m-%d %H:%M} UTC); greentag {greentag.__version__}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load_average:.2f} at the start (`os.getloadavg()`; the machine is shared). "
        f"The shipped model behind `greentag serve --workers {args.workers} --threads {args.threads}` on loopback; "
        f"{args.clients} client threads in one Python process, each on its own keep-alive connection, share the "
        f"cores with the server. Latency is per request, as the client sees it; in-process figures are one "
        f"thread calling the same model on the same documents (seed corpus, shuffled)."
    )
    text = heading + "\n\n" + markdown(rows, overhead)
    print(text)
    if args.write:
        write_section(text, args.workers)
        print("\nwrote the HTTP service section of BENCHMARKS.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
