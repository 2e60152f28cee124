"""Measuring: peak memory, wall time, throughput, per-call latency, quality.

The machine is shared and noisy, so every timing is repeated and the median
kept; when several systems are timed, their repeats are interleaved (system
A, B, C, then A, B, C again) so that a burst of load from elsewhere hits all
of them alike.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import numpy as np

__all__ = [
    "TreeMemory",
    "interleaved_latency",
    "interleaved_throughput",
    "load_average",
    "one_core",
    "peak_rss",
    "quality",
    "timed",
]


def peak_rss() -> int:
    """Peak resident memory of this process so far, in bytes (the kernel's high-water mark)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


class TreeMemory:
    """Peak memory of this process and its child processes while a block runs.

    Worker processes (greentag trains and tags in joblib workers) are not in
    this process's ``ru_maxrss``, so a thread samples the proportional set
    size (PSS: shared pages split between the processes that share them) of
    the whole process tree every ``interval`` seconds. The peak reported is
    the larger of that sampled peak and this process's own exact high-water
    mark, each minus its value when the block started. Without psutil only
    the latter is available.

    Examples
    --------
    >>> with TreeMemory() as memory:
    ...     block = bytearray(50_000_000)
    >>> memory.peak >= 0
    True
    """

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak = 0
        self.sampled = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._base_rss = 0
        self._base_tree = 0
        self._max_tree = 0

    def __enter__(self) -> TreeMemory:
        gc.collect()
        self._base_rss = peak_rss()
        try:
            import psutil
        except ImportError:
            return self
        self._process = psutil.Process()
        self._base_tree = self._max_tree = self._tree()
        self.sampled = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _tree(self) -> int:
        import psutil

        total = 0
        for process in [self._process, *self._process.children(recursive=True)]:
            try:
                total += process.memory_full_info().pss
            except (psutil.Error, AttributeError):  # gone already, or no PSS on this OS
                with suppress(psutil.Error):
                    total += process.memory_info().rss
        return total

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._max_tree = max(self._max_tree, self._tree())

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._max_tree = max(self._max_tree, self._tree())
        own = peak_rss() - self._base_rss
        self.peak = max(own, self._max_tree - self._base_tree)


def load_average() -> float | None:
    """The 1-minute load average, or ``None`` where the system does not report one."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """Return ``(seconds, result)`` of one call."""
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


@contextmanager
def one_core() -> Iterator[bool]:
    """Pin this process to a single CPU for the block; yields whether pinning worked."""
    try:
        allowed = os.sched_getaffinity(0)
    except AttributeError:  # not Linux: measure unpinned and say so
        yield False
        return
    os.sched_setaffinity(0, {min(allowed)})
    try:
        yield True
    finally:
        os.sched_setaffinity(0, allowed)


def interleaved_throughput(
    calls: dict[str, Callable[[], Any]], n_docs: int, *, repeats: int, warmup: bool = True
) -> dict[str, dict[str, Any]]:
    """Docs per second of each batch call: median over ``repeats`` interleaved runs.

    The first (warm-up) run of every call is not counted.
    """
    if warmup:
        for call in calls.values():
            call()
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            gc.collect()
            seconds[name].append(timed(call)[0])
    return {
        name: {
            "docs_per_s": n_docs / statistics.median(times),
            "seconds_median": statistics.median(times),
            "seconds_all": times,
        }
        for name, times in seconds.items()
    }


def interleaved_latency(
    calls: dict[str, Callable[[str], Any]], texts: dict[str, Sequence[str]], *, repeats: int
) -> dict[str, dict[str, Any]]:
    """Per-call latency of single documents: p50 and p99 in microseconds.

    One warm-up pass per system, then ``repeats`` timed passes, interleaved by
    system. Each document's latency is the median of its repeats; the
    percentiles are taken over documents.
    """
    for name, call in calls.items():
        for text in texts[name]:
            call(text)
    samples = {name: np.empty((repeats, len(texts[name]))) for name in calls}
    clock = time.perf_counter_ns
    for r in range(repeats):
        for name, call in calls.items():
            gc.collect()
            row = samples[name][r]
            for i, text in enumerate(texts[name]):
                start = clock()
                call(text)
                row[i] = clock() - start
    out = {}
    for name, table in samples.items():
        per_doc = np.median(table, axis=0) / 1000.0
        out[name] = {
            "p50_us": float(np.percentile(per_doc, 50)),
            "p99_us": float(np.percentile(per_doc, 99)),
            "mean_us": float(per_doc.mean()),
            "n_docs": int(per_doc.size),
            "repeats": repeats,
        }
    return out


def quality(
    truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str], multi_label: bool
) -> dict[str, float]:
    """Micro and macro F1 over ``labels``; for single-label data also accuracy.

    A single-label document counts as correct when the first predicted label
    is its label (no prediction is wrong). Labels with no true and no
    predicted document score F1 = 0 in the macro average (scikit-learn's
    ``zero_division=0``); on these datasets every label has test documents.
    """
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer(classes=list(labels)).fit([])
    known = set(labels)
    y_true = binarizer.transform([[x for x in doc if x in known] for doc in truth])
    y_pred = binarizer.transform([[x for x in doc if x in known] for doc in predicted])
    result = {
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
    }
    if not multi_label:
        hits = sum(1 for t, p in zip(truth, predicted, strict=True) if p and p[0] == t[0])
        result["accuracy"] = hits / len(truth) if truth else 0.0
    return result
