"""The model being served, and reloading it without a gap.

A :class:`ModelHolder` keeps one :class:`LoadedModel` (the tagger and what the
service says about it). A request takes the current one once and uses it to
the end, so a reload in the middle of a request changes nothing for that
request; a reload builds the new tagger completely, off the event loop, and
only then swaps it in. When the new file cannot be loaded the old model keeps
serving and the reload raises :class:`~greentag.errors.ModelError`.
"""

from __future__ import annotations

import hashlib
import inspect
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..model import Tagger

__all__ = ["LoadedModel", "ModelHolder", "model_fingerprint", "takes_lang"]

_VERSION_CHARS = 12
_WARM_UP_TEXT = "The port opens a rail freight terminal and a solar park feeds the grid."


def takes_lang(method: Any) -> bool:
    """Whether a :class:`Tagger` method accepts a ``lang`` keyword (this greentag reads several languages)."""
    try:
        return "lang" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def model_fingerprint(path: Path) -> str:
    """The first 12 hex digits of the SHA-256 of a model file: its version as the service reports it.

    Examples
    --------
    >>> from greentag.default import default_model_path
    >>> len(model_fingerprint(default_model_path()))
    12
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise ModelError(f"cannot read model file {str(path)!r}: {exc.strerror or exc}") from None
    return digest.hexdigest()[:_VERSION_CHARS]


@dataclass(frozen=True)
class LoadedModel:
    """A loaded tagger and the facts the service reports about it.

    Attributes
    ----------
    tagger : Tagger
        The model.
    id : str
        The model file's name without its suffix (``default`` for the shipped model).
    version : str
        The first 12 hex digits of the file's SHA-256: any change to the file changes it.
    path : str
        The file it was loaded from.
    loaded_at : float
        When it was loaded (seconds since the epoch).
    """

    tagger: Tagger
    id: str
    version: str
    path: str
    loaded_at: float

    def public(self) -> dict[str, str]:
        """``{"id", "version"}``, as every tagging answer carries it."""
        return {"id": self.id, "version": self.version}

    def describe(self) -> dict[str, Any]:
        """The model's facts for ``/health`` and ``/admin/reload``."""
        training = self.tagger.metadata.get("training", {})
        return {
            "id": self.id,
            "version": self.version,
            "labels": len(self.tagger.labels),
            "languages": self.tagger.languages,
            "n_documents": training.get("n_documents"),
            "trained_with": training.get("greentag_version"),
            "loaded_at": self.loaded_at,
        }


class ModelHolder:
    """Holds the model being served; :meth:`load` (re)loads it from its file.

    Parameters
    ----------
    path : str, optional
        Model file; ``None`` serves the shipped default model.

    Examples
    --------
    >>> holder = ModelHolder(None)
    >>> holder.ready
    False
    >>> holder.load().id
    'default'
    >>> holder.ready
    True
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._current: LoadedModel | None = None
        self._lock = threading.Lock()  # one load at a time; readers never wait for it
        self.last_error: str | None = None

    @property
    def ready(self) -> bool:
        """Whether a model has been loaded."""
        return self._current is not None

    @property
    def current(self) -> LoadedModel | None:
        """The model being served, or ``None`` before the first load."""
        return self._current

    def _file(self) -> Path:
        if self.path is not None:
            return Path(self.path)
        from ..default import default_model_path

        return default_model_path()

    def load(self) -> LoadedModel:
        """Load the model file and start serving it; blocking (run it in a thread).

        Returns
        -------
        LoadedModel
            The model now being served.

        Raises
        ------
        ModelError
            If the file is missing or not a loadable model; the model served
            before (if any) is kept.
        """
        with self._lock:
            path = self._file()
            try:
                loaded = self._read(path)
            except ModelError as exc:
                self.last_error = str(exc)
                raise
            self._current = loaded
            self.last_error = None
            return loaded

    @staticmethod
    def _read(path: Path) -> LoadedModel:
        # Fingerprint before and after loading: a file replaced while it was
        # being read would otherwise be reported under the wrong version.
        for _ in range(3):
            before = model_fingerprint(path)
            tagger = Tagger.load(path)
            if model_fingerprint(path) == before:
                break
        else:
            raise ModelError(f"model file {str(path)!r} kept changing while it was loaded; try again")
        tagger.tag(_WARM_UP_TEXT)  # fills the first caches before the first request pays for them
        return LoadedModel(tagger=tagger, id=path.stem, version=before, path=str(path), loaded_at=time.time())
