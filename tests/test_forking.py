"""Forked helpers: when the caller forks, what the helpers inherit, how long they live.

Whether forking is safe depends on the threads of the whole process, and the
test process has its own (Dask's, loky's, the service tests'). So the checks
of real forked helpers run in a new process, as a program that only imports
greentag would; the rules of :func:`greentag.forking.can_fork` are checked here.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import threading
from collections.abc import Iterator

import pytest

import greentag
from greentag import forking
from greentag.errors import OptionError

from .processes import printed_words

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="helpers are forked only on Linux")


OPENBLAS = {"user_api": "blas", "internal_api": "openblas", "threading_layer": "pthreads", "num_threads": 2}


@pytest.fixture
def lone_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend this is the process's only thread beside one OpenBLAS pool of two (one thread of its own)."""
    monkeypatch.delenv(forking.START_METHOD_VARIABLE, raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: None)
    monkeypatch.setattr("threadpoolctl.threadpool_info", lambda: [OPENBLAS])
    monkeypatch.setattr(forking, "os_thread_count", lambda: 2)


def test_a_lone_thread_with_openblas_forks(lone_thread: None) -> None:
    assert forking.can_fork()


@pytest.mark.parametrize(
    "pool",
    [
        {"user_api": "openmp", "internal_api": "openmp", "threading_layer": "pthreads"},
        {"user_api": "blas", "internal_api": "mkl", "threading_layer": "intel"},
        {"user_api": "blas", "internal_api": "openblas", "threading_layer": "openmp"},
    ],
    ids=["openmp", "mkl", "openblas-on-openmp"],
)
def test_a_native_pool_that_may_not_survive_a_fork_means_loky(
    lone_thread: None, monkeypatch: pytest.MonkeyPatch, pool: dict[str, str]
) -> None:
    monkeypatch.setattr("threadpoolctl.threadpool_info", lambda: [pool])
    assert not forking.can_fork()


def test_a_native_thread_no_pool_accounts_for_means_loky(lone_thread: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forking, "os_thread_count", lambda: 3)  # a library's own thread, say
    assert not forking.can_fork()
    monkeypatch.setattr("threadpoolctl.threadpool_info", lambda: [OPENBLAS, OPENBLAS])  # numpy's and scipy's
    assert forking.can_fork()


def test_a_program_that_chose_spawn_gets_loky(lone_thread: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "spawn")
    assert not forking.can_fork()


@contextlib.contextmanager
def another_thread() -> Iterator[None]:
    """A second Python thread, waiting, while the block runs."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        yield
    finally:
        release.set()
        other.join()


def test_this_process_counts_its_own_threads() -> None:
    before = forking.os_thread_count()
    with another_thread():
        assert forking.os_thread_count() == before + 1


def test_another_python_thread_means_loky(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(forking.START_METHOD_VARIABLE, raising=False)
    with another_thread():
        assert not forking.can_fork()


def test_the_environment_can_ask_for_loky(lone_thread: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(forking.START_METHOD_VARIABLE, "loky")
    assert not forking.can_fork()
    monkeypatch.setenv(forking.START_METHOD_VARIABLE, " Auto ")
    assert forking.can_fork()
    monkeypatch.setattr(threading, "active_count", lambda: 3)
    assert not forking.can_fork()
    monkeypatch.setenv(forking.START_METHOD_VARIABLE, "fork")  # the program vouches for its threads
    assert forking.can_fork()


def test_an_unknown_start_method_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(forking.START_METHOD_VARIABLE, "spawn")
    with pytest.raises(OptionError, match="GREENTAG_START_METHOD must be one of auto, fork, loky"):
        forking.can_fork()


def test_only_a_forked_helper_tags_with_an_inherited_model() -> None:
    with pytest.raises(greentag.GreentagError, match="started by forked_helpers"):
        forking.tag_in_forked_helper(["text"], greentag.load_default().tag_options())


# Each step prints one word; a step that goes wrong prints something else.
_HELPERS_IN_A_NEW_PROCESS = """
import gc, os, signal, time, warnings
warnings.simplefilter("error")  # a fork warning (Python 3.12+) would fail the run
from greentag import default, forking, parallel
from greentag.model import Tagger

model = Tagger.load(default.default_model_path())
docs = [f"Wind farm {i} feeds the grid; the port of Aktau opens berth {i}." for i in range(1200)]
expected = model.tag_many(docs)

def streamed(model):  # a stream's length is unknown: it gets helpers at once
    return list(model.tag_stream(iter(docs), n_jobs=2, batch_size=50))

def helper_pids(model):
    pool = forking.forked_helpers(model, 1)
    return sorted({pool.submit(os.getpid).result() for _ in range(8)})

def what_the_helper_has():
    return id(forking._inherited), os.getppid()

print("same" if streamed(model) == expected else "differ")
print("kept" if forking.has_forked_helpers(model, 1) else "none")
print("no-file" if model not in parallel._handles else "file-written")
inherited = forking.forked_helpers(model, 1).submit(what_the_helper_has).result()
print("inherited" if inherited == (id(model), os.getpid()) else "loaded")

# The next call, even a small one, reuses the same helper and its caches.
first = helper_pids(model)
print("reused" if model.tag_many(docs, n_jobs=2, batch_size=50) == expected and helper_pids(model) == first else "new")

# A helper that dies is replaced by the next call.
os.kill(first[0], signal.SIGKILL)
time.sleep(0.5)
print("recovered" if streamed(model) == expected and forking.has_forked_helpers(model, 1) else "broken")
replaced = helper_pids(model)
print("replaced" if replaced != first else "same-pid")

# Another model gets helpers of its own, in place of the first model's.
other = Tagger.load(default.default_model_path())
print("other" if streamed(other) == expected and helper_pids(other) != replaced else "shared")
print("retired" if not forking.has_forked_helpers(model, 1) else "two-pools")

# Helpers end with their model.
pool = forking.forked_helpers(other, 1)
del other
gc.collect()
print("ended" if pool._shutdown_thread else "alive")
"""


def test_forked_helpers_inherit_the_model_and_live_with_it() -> None:
    assert printed_words(_HELPERS_IN_A_NEW_PROCESS) == [
        "same",
        "kept",
        "no-file",
        "inherited",
        "reused",
        "recovered",
        "replaced",
        "other",
        "retired",
        "ended",
    ]


def test_a_small_first_job_is_tagged_in_the_caller() -> None:
    code = """
from greentag import default, forking
from greentag.model import Tagger
model = Tagger.load(default.default_model_path())
docs = ["Wind farms feed the power grid."] * 400
model.tag_many(docs, n_jobs=2, batch_size=100)
print(forking.has_forked_helpers(model, 1))
"""
    assert printed_words(code) == ["False"]


def test_idle_helpers_end_and_a_slow_stream_still_gets_every_tag() -> None:
    code = """
import os, time
from greentag import default, forking
from greentag.model import Tagger
forking.IDLE_TIMEOUT = 0.3
model = Tagger.load(default.default_model_path())
docs = [f"Wind farm {i} feeds the grid; the port of Aktau opens berth {i}." for i in range(600)]
expected = model.tag_many(docs)

def slow(docs, pause_every, pause):  # a stream that sometimes waits longer than the timeout
    for i, doc in enumerate(docs):
        if i and i % pause_every == 0:
            time.sleep(pause)
        yield doc

pool = forking.forked_helpers(model, 1)
helper = pool.submit(os.getpid).result()
print("kept" if forking.has_forked_helpers(model, 1) else "none")
time.sleep(1.0)
print("ended" if not forking.has_forked_helpers(model, 1) and pool._shutdown_thread else "alive")
try:
    os.kill(helper, 0)
    print("process-left")
except ProcessLookupError:
    print("process-gone")

# A job outlasting the timeout is not cut short, and a stream that pauses for
# longer than it (the helpers end between two batches) loses no document.
print("same" if list(model.tag_stream(slow(docs, 50, 0.05), n_jobs=2, batch_size=25)) == expected else "differ")
print("same" if list(model.tag_stream(slow(docs, 200, 0.8), n_jobs=2, batch_size=25)) == expected else "differ")
print("forked-again" if forking.forked_helpers(model, 1) is not None else "loky")
"""
    assert printed_words(code) == ["kept", "ended", "process-gone", "same", "same", "forked-again"]
