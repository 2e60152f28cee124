"""Tagging on several cores, with the model loaded once per worker process.

Shipping a model to a worker with every batch would cost more than tagging
the batch. Instead the model is saved once to a private temporary file, each
task carries only a :class:`ModelHandle` (the file's SHA-256 and its path),
and each worker process keeps the models it has loaded in a small cache keyed
by that hash (:func:`cached_model`). The workers are loky processes (the
process pool joblib is built on), kept by this module for later calls, so a
long-running service pays the load once per worker, not once per call.
:mod:`greentag.dask` uses the same cache on Dask workers. Where forking is
safe, the helpers are forked from the caller instead, with the model in
memory already (:mod:`greentag.forking`): no file, and a start in milliseconds.

The caller is one of the ``n_jobs`` workers: it tags batches itself beside
``n_jobs - 1`` helper processes, handing a batch to a helper only while that
helper has fewer than two in hand, and tagging the last batch itself rather
than waiting for a helper's queue (batches are read one ahead). A job of
known length comes in shrinking batches (:func:`batch_sizes`), so that the
cores finish it together. At most ``2 * n_jobs`` batches' worth of documents
wait for the consumer: a new batch is read from the input only when the
consumer has taken a result. joblib's ``Parallel(return_as="generator")`` dispatches a new
batch whenever one completes, whether or not the consumer keeps up, so a slow
consumer would let results pile up; this window is what keeps memory flat.

Starting loky workers takes a few tenths of a second (a Python process, greentag's
imports, the model load), which a first call pays. Two rules keep that call
from being slower than one core: a batch too small to pay for starting the
pool is tagged in the caller (:func:`worth_starting_workers`), and until the
first helper has loaded the model, the caller tags every batch, so the work
goes on from the first millisecond and the helpers join in when ready. The
helpers' copy of the model is written by a thread beside the tagging, and
uncompressed: deflating a large model takes about a second, and even the
plain file a fifth of one, that the first call would otherwise wait for.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from .decision import TagOptions
from .errors import OptionError
from .forking import IDLE_TIMEOUT, forked_helpers, has_forked_helpers, send_to_forked_helper
from .persist import save_model
from .results import Tag

if TYPE_CHECKING:
    from .model import Tagger

__all__ = ["ModelHandle", "cached_model", "load_counts", "model_handle", "resolve_n_jobs", "tag_batches_in_parallel"]

_Item = TypeVar("_Item")
# Hands one batch and the options to a helper: a pool's submit, bound to the task.
_Send = Callable[[list[str], TagOptions], "Future[list[list[Tag]]]"]

_MAX_CACHED_MODELS = 4

_models: OrderedDict[str, Tagger] = OrderedDict()
_loads: Counter[str] = Counter()
_models_lock = threading.Lock()
_handles: weakref.WeakKeyDictionary[Tagger, ModelHandle] = weakref.WeakKeyDictionary()
_handles_lock = threading.Lock()
_temp_root: Path | None = None
_pools: dict[int, Any] = {}
_pools_lock = threading.Lock()
_pool_last_used: dict[int, float] = {}
# Text of earlier calls that asked for workers and were tagged here instead.
_declined_characters: Counter[int] = Counter()
# Below this much text a cold start of the workers costs more than it saves.
# A worker answers its first ping after about 0.9 s (Python, imports, the
# model), and while it starts it slows the caller, which tags beside it, by
# about 0.2-0.4 s on 2 cores. Measured with an R90 model, first call, fresh
# processes, n_jobs=1 against n_jobs=-1 alternating, 3 rounds each: 10.8k
# Reuters articles (8.5M characters) 7,870 against 7,600 docs/s (the pool
# loses); R90 and 20 Newsgroups, 14k articles (13.1M characters) 2.70 against
# 2.35 s (it gains 13%); 29.6k articles (41M characters) 7.8 against 5.3 s.
COLD_START_MIN_CHARACTERS = 12_000_000
# Forked helpers start in milliseconds, as warm as the caller (greentag.forking),
# but a small job splits into few batches, and handing them over costs more
# than a second core gains. First calls with an R90 model, n_jobs=1 against
# n_jobs=-1 forking at any size, shrinking batches (batch_sizes), 8-10
# alternating fresh processes each: 700 Reuters articles (0.53M characters)
# 4,900 against 3,980 docs/s; 1,000 (0.76M) 4,870 against 5,280; 1,500 (1.15M)
# 5,500 against 6,070. (Batches of one size broke even only at 1.5M characters.)
FORK_MIN_CHARACTERS = 1_000_000
# The smallest batch of a job of known length (see batch_sizes).
TAIL_BATCH = 100


@dataclass(frozen=True)
class ModelHandle:
    """What a worker needs to find a model: its content hash and a model file.

    Attributes
    ----------
    key : str
        SHA-256 of the model file; equal models share one cache entry.
    path : str
        A model file readable by the workers.
    model_class : type
        The class whose ``load`` reads the file (pickled by reference, so
        this module need not import the model's).
    """

    key: str
    path: str
    model_class: type[Tagger]


def _temp_folder() -> Path:
    global _temp_root
    if _temp_root is None:
        _temp_root = Path(tempfile.mkdtemp(prefix="greentag-models-"))
        atexit.register(shutil.rmtree, _temp_root, True)
    return _temp_root


def _file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_handle(model: Tagger) -> ModelHandle:
    """Save ``model`` once to a private temporary file and return its handle.

    Later calls with the same model object return the same handle; the file
    is removed when the model is garbage-collected or the process exits.

    Parameters
    ----------
    model : Tagger
        The model the workers will use.

    Returns
    -------
    ModelHandle

    Examples
    --------
    >>> import greentag
    >>> handle = model_handle(greentag.load_default())
    >>> len(handle.key)
    64
    >>> model_handle(greentag.load_default()) == handle
    True
    """
    with _handles_lock:
        handle = _handles.get(model)
        if handle is not None and os.path.exists(handle.path):
            return handle
        # A unique name per model object: two equal models may be collected at
        # different times, and each removes only its own file.
        path = _temp_folder() / f"{uuid.uuid4().hex}.gtm"
        save_model(model, path, compress=False)
        handle = ModelHandle(_file_sha256(path), str(path), type(model))
        _handles[model] = handle
        weakref.finalize(model, _remove_quietly, str(path))
        return handle


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def cached_model(key: str, load: Callable[[], Tagger]) -> Tagger:
    """Return this process's model for ``key``, calling ``load`` only on a miss.

    The cache holds the few most recently used models; the lock makes the
    threads of one worker share a single load.

    Parameters
    ----------
    key : str
        The model's content hash.
    load : callable
        Returns the model; called at most once per key while it stays cached.

    Returns
    -------
    Tagger
    """
    with _models_lock:
        model = _models.get(key)
        if model is not None:
            _models.move_to_end(key)
            return model
        model = load()
        _loads[key] += 1
        _models[key] = model
        while len(_models) > _MAX_CACHED_MODELS:
            _models.popitem(last=False)
        return model


def load_counts() -> dict[str, int]:
    """Return how many times this process has loaded each model (by content hash).

    Meant for checking that workers load a model once, not once per batch.
    """
    with _models_lock:
        return dict(_loads)


def worker_report(key: str) -> tuple[int, int]:
    """Return ``(pid, loads of key)`` for the process that runs it."""
    return os.getpid(), load_counts().get(key, 0)


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Return the number of worker processes ``n_jobs`` asks for (joblib's convention).

    ``None`` and 1 mean one process (no workers), ``-1`` every core, ``-2``
    every core but one, and so on.

    Raises
    ------
    ValueError
        For 0 or anything that is not an int.

    Examples
    --------
    >>> resolve_n_jobs(None), resolve_n_jobs(3)
    (1, 3)
    """
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise OptionError(f"n_jobs must be a non-zero int or None (-1 for every core), got {n_jobs!r}")
    from joblib import effective_n_jobs

    return max(1, int(effective_n_jobs(int(n_jobs))))


def batch_sizes(n_texts: int, workers: int, batch_size: int) -> Iterator[int]:
    """Yield the sizes of the batches that share a job of ``n_texts`` documents among ``workers`` processes.

    Each batch is a quarter of a worker's share of what remains, between
    :data:`TAIL_BATCH` and ``batch_size`` (a remainder smaller than
    ``TAIL_BATCH`` joins the last batch if it fits): large batches first, handed over
    seldom, then smaller and smaller ones. The end of a job waits for the
    batches the helpers hold, two each; with small last batches the wait is
    short, where batches of one size would leave the caller idle for up to
    two of them.

    Examples
    --------
    >>> sizes = list(batch_sizes(10_000, 2, 1000))
    >>> sizes[:4], sizes[-3:], sum(sizes)
    ([1000, 1000, 1000, 875], [100, 100, 121], 10000)
    >>> list(batch_sizes(120, 2, 50))
    [50, 50, 20]
    """
    remaining = n_texts
    while remaining > 0:
        size = min(batch_size, max(TAIL_BATCH, -(-remaining // (4 * workers))))
        if remaining - size < TAIL_BATCH and remaining <= batch_size:
            size = remaining
        yield size
        remaining -= size


def worth_starting_workers(workers: int, n_characters: int | None) -> bool:
    """Whether a job of ``n_characters`` of text (``None``: unknown, a stream) pays for ``workers`` processes.

    A pool used in the last few minutes is warm and worth it for any job the
    caller splits in two batches or more; a cold one only for
    :data:`COLD_START_MIN_CHARACTERS` or more, counting the text of earlier
    calls that asked for workers and were tagged in this process instead: a
    program that keeps asking gets its pool, and keeps it.

    Examples
    --------
    >>> worth_starting_workers(1, 10**9), worth_starting_workers(2, None)
    (False, True)
    """
    if workers <= 1:
        return False
    if n_characters is None:
        return True
    return _warm_pool(workers) or n_characters + _declined_characters[workers] >= COLD_START_MIN_CHARACTERS


def worth_forking(model: Tagger, workers: int, n_characters: int | None) -> bool:
    """Whether a job of ``n_characters`` of text (``None``: a stream) pays for forked helpers.

    Helpers forked for ``model`` earlier are ready for any job; new ones pay
    from :data:`FORK_MIN_CHARACTERS`, counting earlier calls tagged here, as
    :func:`worth_starting_workers` does. A warm loky pool is used instead:
    its helpers are ready too, with caches of their own. Whether forking is
    safe is :func:`greentag.forking.forked_helpers`'s to say.
    """
    if workers <= 1 or _warm_pool(workers):
        return False
    if n_characters is None or has_forked_helpers(model, workers - 1):
        return True
    return n_characters + _declined_characters[workers] >= FORK_MIN_CHARACTERS


def _warm_pool(workers: int) -> bool:
    last = _pool_last_used.get(workers)
    return last is not None and time.monotonic() - last < IDLE_TIMEOUT / 2


def _tag_in_worker(handle: ModelHandle, batch: list[str], options: TagOptions) -> list[list[Tag]]:
    model = cached_model(handle.key, lambda: handle.model_class.load(handle.path))
    return model.tag_batch(batch, options)


def _load_in_worker(handle: ModelHandle) -> int:
    cached_model(handle.key, lambda: handle.model_class.load(handle.path))
    return os.getpid()


def _start_helpers(model: Tagger, workers: int, started: Future[tuple[_Send, list[Future[int]]]]) -> None:
    """Save ``model`` for loky helpers, start them loading it, and put how to send them a batch and their pings in ``started``."""
    try:
        handle = model_handle(model)
        executor = _executor(workers)
        pings = [executor.submit(_load_in_worker, handle) for _ in range(workers - 1)]
        started.set_result((partial(executor.submit, _tag_in_worker, handle), pings))
    except BaseException as exc:  # handed to the caller's thread, which raises it
        started.set_exception(exc)


def _flag_last(items: Iterable[_Item]) -> Iterator[tuple[_Item, bool]]:
    """Yield each item with whether it is the last, reading one item ahead.

    Examples
    --------
    >>> list(_flag_last("abc"))
    [('a', False), ('b', False), ('c', True)]
    """
    iterator = iter(items)
    for current in iterator:
        for following in iterator:
            yield current, False
            current = following
        yield current, True


def _done(result: list[list[Tag]]) -> Future[list[list[Tag]]]:
    future: Future[list[list[Tag]]] = Future()
    future.set_result(result)
    return future


def _executor(workers: int) -> Any:
    """This module's own pool of ``workers`` loky processes, kept for later calls.

    Not joblib's shared reusable executor: joblib replaces that one whenever
    it is asked for with other settings (as ``Parallel`` does), which would
    restart the workers, and their cached models, between training and tagging.
    """
    from joblib.externals.loky import ProcessPoolExecutor

    with _pools_lock:
        pool = _pools.get(workers)
        flags = getattr(pool, "_flags", None)
        if pool is None or getattr(flags, "broken", None) or getattr(flags, "shutdown", False):
            # The caller tags too, so a job on ``workers`` cores needs one process fewer.
            pool = _pools[workers] = ProcessPoolExecutor(max_workers=max(1, workers - 1), timeout=IDLE_TIMEOUT)
        return pool


def tag_batches_in_parallel(
    model: Tagger,
    batches: Iterable[list[str]],
    options: TagOptions,
    *,
    n_jobs: int | None,
    n_characters: int | None = None,
) -> Iterator[list[list[Tag]]]:
    """Yield each batch's tags, in input order, computed by worker processes.

    Parameters
    ----------
    model : Tagger
        The model; saved once for the workers (see :func:`model_handle`).
    batches : iterable of list of str
        Checked batches of documents, read lazily from the caller's thread.
    options : TagOptions
        Resolved decision options, from :meth:`Tagger.tag_options`.
    n_jobs : int or None
        Worker processes, as in :func:`resolve_n_jobs`.
    n_characters : int, optional
        How much text the batches hold, when known: a small job is tagged
        in this process (see :func:`worth_starting_workers`).

    Yields
    ------
    list of list of Tag
        The tags of one batch, equal to what ``model`` gives in this process.
    """
    workers = resolve_n_jobs(n_jobs)
    source = iter(batches)
    head = list(islice(source, 2))
    forked = (
        forked_helpers(model, workers - 1) if len(head) == 2 and worth_forking(model, workers, n_characters) else None
    )
    if len(head) < 2 or not (forked is not None or worth_starting_workers(workers, n_characters)):
        # One batch, one worker or a small job: starting processes would cost more than it saves.
        if workers > 1 and n_characters:
            _declined_characters[workers] += n_characters
        for batch in chain(head, source):
            yield model.tag_batch(batch, options)
        return
    helpers = workers - 1
    # started holds how to hand a helper a batch, and the pings of helpers
    # still loading the model. Forked helpers start with it. For loky ones,
    # writing their model file takes a large model a few tenths of a second,
    # and starting them more: both happen in a thread (saving and hashing
    # mostly release the GIL) while this process tags. Each loky helper
    # answers a ping once it has loaded the model; until one has, only this
    # process tags, so the start-up costs it no time.
    started: Future[tuple[_Send, list[Future[int]]]] = Future()
    if forked is not None:
        pool = forked
        started.set_result(
            (lambda batch, opts: send_to_forked_helper(pool, batch, opts) or _done(model.tag_batch(batch, opts)), [])
        )
    else:
        threading.Thread(target=_start_helpers, args=(model, workers, started), daemon=True).start()
    send: _Send | None = None
    pings: list[Future[int]] = []
    # Each batch's result with its number of documents. The window holds at
    # most 2 * workers of the largest batches' worth: as many batches as
    # that when they are of one size, more as they shrink.
    window: deque[tuple[Future[list[list[Tag]]], int]] = deque()
    held, most = 0, 0
    sent: set[Future[list[list[Tag]]]] = set()
    try:
        for batch, last in _flag_last(chain(head, source)):
            most = max(most, len(batch))
            if send is None and started.done():
                send, pings = started.result()  # a failure to start raises here
            if pings and any(ping.done() for ping in pings):
                pings = []
            sent = {future for future in sent if not future.done()}
            if send is not None and not pings and len(sent) < 2 * helpers and not last:
                # Two batches per helper keep it busy while the next is handed over;
                # the last batch is this process's, which would otherwise only wait.
                future = send(batch, options)
                sent.add(future)
                window.append((future, len(batch)))
            else:
                window.append((_done(model.tag_batch(batch, options)), len(batch)))
            held += len(batch)
            while window and (window[0][0].done() or held >= 2 * workers * most):
                oldest, size = window.popleft()
                held -= size
                yield oldest.result()
        while window:
            yield window.popleft()[0].result()
        # A job done before the helpers were ready leaves them warm for the
        # next call; waiting here keeps their start within this one.
        started.result()
    finally:
        if forked is None:
            _pool_last_used[workers] = time.monotonic()
        # The consumer stopped early, or a batch failed: drop queued work.
        for future, _ in window:
            future.cancel()
