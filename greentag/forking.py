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
caches stay warm, and end with their model: when it is garbage-collected, or
when a call with another model forks new ones in their place.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import warnings
import weakref
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from .errors import GreentagError, OptionError

if TYPE_CHECKING:
    from .decision import TagOptions
    from .model import Tagger
    from .results import Tag

__all__ = ["START_METHOD_VARIABLE", "can_fork", "forked_helpers", "has_forked_helpers", "tag_in_forked_helper"]

START_METHOD_VARIABLE = "GREENTAG_START_METHOD"
_START_METHODS = ("auto", "fork", "loky")
_FORK_SAFE_THREADING = ("pthreads", "disabled")

# The model a forked helper inherited from the caller (set by _fork for the moment of the fork).
_inherited: Tagger | None = None
# Helpers kept for later calls, by their number: their model, their pool, and
# the finalizer that shuts the pool down when the model is collected.
_kept: dict[int, tuple[weakref.ref[Tagger], ProcessPoolExecutor, weakref.finalize[..., Tagger]]] = {}
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
        return _kept_pool(model, helpers) is not None


def forked_helpers(model: Tagger, helpers: int) -> ProcessPoolExecutor | None:
    """Return ``helpers`` processes that tag with ``model``: kept ones, or new ones when :func:`can_fork`.

    Submit :func:`tag_in_forked_helper` to the pool. ``None`` means forking
    is not safe here now: use loky.
    """
    with _kept_lock:
        pool = _kept_pool(model, helpers)
        if pool is not None:
            return pool
        old = _kept.pop(helpers, None)
        if old is not None:
            # Waiting for its manager thread to end may make forking safe again.
            old[2].detach()
            old[1].shutdown(wait=True, cancel_futures=True)
        if not can_fork():
            return None
        pool = _fork(model, helpers)
        # Not waiting: the collection may run in the pool's own manager thread.
        ends = weakref.finalize(model, pool.shutdown, wait=False, cancel_futures=True)
        _kept[helpers] = (weakref.ref(model), pool, ends)
        return pool


def _kept_pool(model: Tagger, helpers: int) -> ProcessPoolExecutor | None:
    kept = _kept.get(helpers)
    if kept is None or kept[0]() is not model:
        return None
    pool = kept[1]
    # A helper that died (killed, out of memory) breaks its pool for good.
    return None if getattr(pool, "_broken", False) or getattr(pool, "_shutdown_thread", False) else pool


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
