"""Tagging on several cores with joblib, loading the model once per worker.

Shipping a model to a worker process for every batch would cost more than
tagging the batch. Instead the model is saved once to a temporary file, each
task carries only a small :class:`ModelHandle` (a key and that path), and each
worker process keeps the models it has loaded in a cache keyed by the handle.
joblib's ``loky`` workers outlive a single call, so a long-running service
pays the load once per worker, not once per call.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .model import Tag, Tagger

__all__ = ["ModelHandle", "load_from_handle", "model_handle", "tag_batches_in_parallel"]

_MAX_CACHED_MODELS = 4
_worker_models: dict[str, Tagger] = {}
_worker_lock = threading.Lock()
_handle_lock = threading.Lock()
_temp_root: Path | None = None


@dataclass(frozen=True)
class ModelHandle:
    """What a worker needs to find a model: a unique key and a model file path."""

    key: str
    path: str


def _temp_folder() -> Path:
    global _temp_root
    if _temp_root is None:
        _temp_root = Path(tempfile.mkdtemp(prefix="greentag-models-"))
        atexit.register(shutil.rmtree, _temp_root, True)
    return _temp_root


def model_handle(model: Tagger) -> ModelHandle:
    """Save ``model`` once to a private temporary file and return its handle."""
    with _handle_lock:
        handle: ModelHandle | None = getattr(model, "_worker_handle", None)
        if handle is not None and os.path.exists(handle.path):
            return handle
        key = uuid.uuid4().hex
        path = _temp_folder() / f"{key}.gtm"
        model.save(path)
        handle = ModelHandle(key, str(path))
        model._worker_handle = handle  # type: ignore[attr-defined]
        weakref.finalize(model, _remove_quietly, str(path))
        return handle


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def load_from_handle(handle: ModelHandle) -> Tagger:
    """Return the model behind ``handle``, loading it at most once per process."""
    model = _worker_models.get(handle.key)
    if model is not None:
        return model
    with _worker_lock:
        model = _worker_models.get(handle.key)
        if model is None:
            model = Tagger.load(handle.path)
            if len(_worker_models) >= _MAX_CACHED_MODELS:
                _worker_models.pop(next(iter(_worker_models)))
            _worker_models[handle.key] = model
        return model


def _tag_in_worker(
    handle: ModelHandle, batch: list[str], options: tuple[np.ndarray, int | None, bool]
) -> list[list[Tag]]:
    return load_from_handle(handle)._tag_batch(batch, *options)


def tag_batches_in_parallel(
    model: Tagger,
    batches: Iterable[list[str]],
    options: tuple[np.ndarray, int | None, bool],
    *,
    n_jobs: int,
) -> Iterator[list[list[Tag]]]:
    """Yield each batch's tags, in order, computed by ``n_jobs`` worker processes.

    Batches are consumed lazily: only about two per worker are in flight, so
    an endless generator of documents is tagged in bounded memory.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    workers = effective_n_jobs(n_jobs)
    handle = model_handle(model)
    parallel = Parallel(n_jobs=workers, return_as="generator", pre_dispatch=f"{2 * workers}", batch_size=1)
    tasks: Iterator[Any] = (delayed(_tag_in_worker)(handle, batch, options) for batch in batches)
    yield from parallel(tasks)
