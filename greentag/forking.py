"""Helper processes forked from the caller, when forking is safe.

A loky worker is a new Python process: it imports greentag and loads the
model from a file, which takes it over half a second. A forked process starts
as a copy of the caller, model and warm caches included, in milliseconds, so
a job of a few thousand documents already gains from a second core.

A fork copies memory but not threads: a lock that another thread held at that
moment stays locked in the child forever. So the caller forks only when no
other thread can hold one (:func:`can_fork`):

- on Linux (macOS's system libraries are not safe to use after a fork);
- when the calling thread is the process's only Python thread;
- when the only native thread pools loaded are OpenBLAS's pthreads pools,
  which rebuild themselves after a fork (threadpoolctl lists them), and the
  process has no more threads than those pools account for: an OpenMP
  runtime, another BLAS or a thread of some other library means loky;
- unless the program chose another start method for :mod:`multiprocessing`,
  or the environment sets ``GREENTAG_START_METHOD=loky``.

The helpers are kept for later calls with the same model, so that their
caches stay warm. They end with their model (when it is garbage-collected, or
when a call with another model forks new ones in their place), or after
:data:`IDLE_TIMEOUT` seconds without work, as loky's workers do, so that a
long-lived program that tagged one large batch does not keep their memory.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
import warnings
import weakref
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import GreentagError, OptionError

if TYPE_CHECKING:
    from .decision import TagOptions
    from .model import Tagger
    from .results import Tag

__all__ = [
    "IDLE_TIMEOUT",
    "START_METHOD_VARIABLE",
    "can_fork",
    "forked_helpers",
    "has_forked_helpers",
    "send_to_forked_helper",
    "tag_in_forked_helper",
]

START_METHOD_VARIABLE = "GREENTAG_START_METHOD"
_START_METHODS = ("auto", "fork", "loky")
_FORK_SAFE_THREADING = ("pthreads", "disabled")

# Seconds without work after which kept helpers end (loky's workers wait as long).
IDLE_TIMEOUT = 300.0

# The model a forked helper inherited from the caller (set by _fork for the moment of the fork).
_inherited: Tagger | None = None


@dataclass
class _Helpers:
    """Helpers kept for later calls, and what decides when they end."""

    model: weakref.ref[Tagger]
    pool: ProcessPoolExecutor
    last_used: float
    ends: weakref.finalize[..., Tagger] | None = None  # ends them when the model is collected
    latest: Future[Any] | None = None  # the last batch handed over
    timer: threading.Timer | None = None  # ends idle helpers


# By number of helpers.
_kept: dict[int, _Helpers] = {}
_kept_lock = threading.Lock()


def requested_start_method() -> str:
    """Return ``GREENTAG_START_METHOD`` (``auto`` when unset); raise ``OptionError`` for another value."""
    method = os.environ.get(START_METHOD_VARIABLE, "auto").strip().lower() or "auto"
    if method not in _START_METHODS:
        raise OptionError(f"{START_METHOD_VARIABLE} must be one of {', '.join(_START_METHODS)}, got {method!r}")
    return method


def can_fork() -> bool:
    """Whether helpers may be forked from this process now (see the module docstring).

    ``GREENTAG_START_METHOD=fork`` skips the checks of threads and native
    thread pools (not the platform's): it is for a program that knows its
    other threads hold no locks a helper needs.
    """
    method = requested_start_method()
    if method == "loky" or not sys.platform.startswith("linux"):
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    if method == "fork":
        return True
    if multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
        return False
    return threading.active_count() == 1 and _only_openblas_threads()


def _only_openblas_threads() -> bool:
    """Whether every native thread pool is OpenBLAS's, and every other thread is this one."""
    try:
        from threadpoolctl import threadpool_info  # type: ignore[import-untyped]
    except ImportError:  # scikit-learn requires it, but be safe rather than sorry
        return False
    pools = threadpool_info()
    if any(
        pool.get("internal_api") != "openblas" or pool.get("threading_layer") not in _FORK_SAFE_THREADING
        for pool in pools
    ):
        return False
    # An OpenBLAS pool of n threads runs n - 1 of its own beside the caller's.
    return os_thread_count() <= 1 + sum(max(0, int(pool.get("num_threads", 1)) - 1) for pool in pools)


def os_thread_count() -> int:
    """Threads of this process as the kernel counts them, native ones included (Linux)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return sys.maxsize  # unknown: assume the worst


def has_forked_helpers(model: Tagger, helpers: int) -> bool:
    """Whether ``helpers`` processes forked with ``model`` are running, ready for a job."""
    with _kept_lock:
        return _kept_helpers(model, helpers) is not None


def forked_helpers(model: Tagger, helpers: int) -> ProcessPoolExecutor | None:
    """Return ``helpers`` processes that tag with ``model``: kept ones, or new ones when :func:`can_fork`.

    Hand them batches with :func:`send_to_forked_helper`, which keeps them
    from ending as idle while a job runs. ``None`` means forking is not
    safe here now: use loky.
    """
    with _kept_lock:
        kept = _kept_helpers(model, helpers)
        if kept is not None:
            kept.last_used = time.monotonic()
            return kept.pool
        old = _kept.pop(helpers, None)
    if old is not None:
        # Waiting for its threads to end may make forking safe again. (Not
        # under the lock: its idle timer may be waiting for it.)
        _retire(old)
    with _kept_lock:
        if not can_fork():
            return None
        kept = _kept[helpers] = _Helpers(weakref.ref(model), _fork(model, helpers), time.monotonic())
        # Not waiting: the collection may run in the pool's own manager thread.
        kept.ends = weakref.finalize(model, _end_with_model, kept)
        _end_when_idle(helpers, kept, IDLE_TIMEOUT)
        return kept.pool


def send_to_forked_helper(
    pool: ProcessPoolExecutor, batch: list[str], options: TagOptions
) -> Future[list[list[Tag]]] | None:
    """Hand ``batch`` to one of the helpers of ``pool`` (from :func:`forked_helpers`) to tag.

    ``None`` means the helpers have ended meanwhile (idle for
    :data:`IDLE_TIMEOUT` between two batches of a slow stream): tag the
    batch in this process.
    """
    with _kept_lock:
        for kept in _kept.values():
            if kept.pool is pool and _usable(pool):
                # Under the lock, so that the idle timer cannot end the helpers in between.
                kept.latest = pool.submit(tag_in_forked_helper, batch, options)
                kept.last_used = time.monotonic()
                return kept.latest
    return None


def _kept_helpers(model: Tagger, helpers: int) -> _Helpers | None:
    kept = _kept.get(helpers)
    if kept is None or kept.model() is not model:
        return None
    return kept if _usable(kept.pool) else None


def _usable(pool: ProcessPoolExecutor) -> bool:
    # A helper that died (killed, out of memory) breaks its pool for good.
    return not (getattr(pool, "_broken", False) or getattr(pool, "_shutdown_thread", False))


def _end_when_idle(helpers: int, kept: _Helpers, delay: float) -> None:
    """Check in ``delay`` seconds whether ``kept`` has been idle for :data:`IDLE_TIMEOUT`, and end it if so."""
    timer = threading.Timer(max(delay, 0.0), _end_if_idle, args=(helpers, kept))
    timer.daemon = True  # a program that is done need not wait for it
    kept.timer = timer
    timer.start()


def _end_if_idle(helpers: int, kept: _Helpers) -> None:
    with _kept_lock:
        if _kept.get(helpers) is not kept:
            return  # replaced or retired meanwhile
        busy = kept.latest is not None and not kept.latest.done()
        idle_for = time.monotonic() - kept.last_used
        if busy or idle_for < IDLE_TIMEOUT:
            _end_when_idle(helpers, kept, IDLE_TIMEOUT if busy else IDLE_TIMEOUT - idle_for)
            return
        del _kept[helpers]
        kept.timer = None  # this thread: nothing to wait for
    _retire(kept)


def _end_with_model(kept: _Helpers) -> None:
    kept.pool.shutdown(wait=False, cancel_futures=True)
    if kept.timer is not None:
        kept.timer.cancel()


def _retire(kept: _Helpers) -> None:
    """Shut ``kept``'s helpers down and wait for its threads to end."""
    if kept.ends is not None:
        kept.ends.detach()
    if kept.timer is not None and kept.timer is not threading.current_thread():
        kept.timer.cancel()
        kept.timer.join()
    kept.pool.shutdown(wait=True, cancel_futures=True)


def _fork(model: Tagger, helpers: int) -> ProcessPoolExecutor:
    global _inherited
    pool = ProcessPoolExecutor(max_workers=helpers, mp_context=multiprocessing.get_context("fork"))
    # The helpers find the model in their copy of this global. (Not an
    # initializer argument: the pool would keep the model alive.)
    _inherited = model
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns about any fork from a process with more than
            # one OS thread; can_fork has checked that the others are OpenBLAS's.
            warnings.filterwarnings("ignore", r".*multi-threaded.*fork", DeprecationWarning)
            # The first task forks every helper at once, before the pool starts
            # its manager thread, so no helper is forked beside that thread.
            pool.submit(os.getpid)
    finally:
        _inherited = None
    return pool


def tag_in_forked_helper(batch: list[str], options: TagOptions) -> list[list[Tag]]:
    """Tag ``batch`` with the model this helper inherited (see :func:`forked_helpers`)."""
    if _inherited is None:
        raise GreentagError("tag_in_forked_helper runs only in a process started by forked_helpers")
    return _inherited.tag_batch(batch, options)
