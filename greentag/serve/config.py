"""The service's settings: one frozen :class:`ServeConfig`, from defaults, environment variables and flags.

Nothing here imports FastAPI or uvicorn, so the command line can read and
check its settings (and say clearly that the ``serve`` extra is missing)
before it imports either.

Every setting has an environment variable, ``GREENTAG_`` and its name in
capitals (``GREENTAG_MAX_TEXT_BYTES``); a command-line flag wins over the
variable, and the variable over the default. The admin token is the
exception: it is read only from ``GREENTAG_ADMIN_TOKEN``, never from a flag
(flags show up in ``ps``), and it is not part of the serialised config.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..errors import OptionError

__all__ = [
    "ADMIN_TOKEN_ENV",
    "CONFIG_ENV",
    "ServeConfig",
    "parse_size",
]

ADMIN_TOKEN_ENV = "GREENTAG_ADMIN_TOKEN"
# How the command line hands its settings to uvicorn's worker processes.
CONFIG_ENV = "GREENTAG_SERVE_CONFIG"
_ENV_PREFIX = "GREENTAG_"
_MIB = 1024 * 1024
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$", re.IGNORECASE)
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def parse_size(value: str | int) -> int:
    """Read a byte count: a plain number or one with a ``K``, ``M`` or ``G`` suffix (powers of 1024).

    Examples
    --------
    >>> parse_size("1M"), parse_size("64KiB"), parse_size(512)
    (1048576, 65536, 512)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.match(str(value))
    if match is None:
        raise OptionError(f"a size must be a number of bytes, optionally with K, M or G, got {value!r}")
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * {"": 1, "k": 1024, "m": _MIB, "g": 1024 * _MIB}[unit])


@dataclass(frozen=True)
class ServeConfig:
    """Settings of one ``greentag serve``.

    Parameters
    ----------
    model : str, optional
        Model file to serve; ``None`` (or ``"default"``) serves the shipped model.
    host, port : str, int
        Where to listen. The default host is loopback only; ``0.0.0.0`` listens
        on every interface (in a container, for example).
    workers : int, default=1
        Worker processes (uvicorn ``--workers``); each loads the model and
        takes requests from the same socket, so they share the cores.
    threads : int, default=2
        Requests of one worker tagged at the same time, off the event loop
        (a bounded thread pool); more wait their turn.
    max_text_bytes : int, default=1 MiB
        Largest text, in UTF-8 bytes.
    max_request_bytes : int, default=10 MiB
        Largest request body; larger ones are refused from their
        ``Content-Length`` or as soon as the body grows past it.
    max_texts : int, default=1000
        Most texts in one ``/tag_many`` request.
    body_timeout : float, default=30
        Seconds a client has to send its whole request body.
    keep_alive_timeout : float, default=5
        Seconds an idle keep-alive connection stays open (uvicorn's
        ``timeout_keep_alive``).
    max_connections : int, default=1000
        Connections and requests one worker holds at once before it answers
        503 (uvicorn's ``limit_concurrency``).
    log_level : str, default="info"
        uvicorn's log level.
    access_log : bool, default=False
        Log every request (the ``/metrics`` counters are always kept).

    Examples
    --------
    >>> config = ServeConfig.from_env({"GREENTAG_PORT": "9000"}, max_texts=50)
    >>> config.port, config.max_texts, config.max_text_bytes
    (9000, 50, 1048576)
    """

    model: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    threads: int = 2
    max_text_bytes: int = _MIB
    max_request_bytes: int = 10 * _MIB
    max_texts: int = 1000
    body_timeout: float = 30.0
    keep_alive_timeout: float = 5.0
    max_connections: int = 1000
    log_level: str = "info"
    access_log: bool = False

    def __post_init__(self) -> None:
        if self.model is not None and not isinstance(self.model, str):
            raise OptionError(f"model must be a path (str), got {self.model!r}")
        if not isinstance(self.host, str) or not self.host:
            raise OptionError(f"host must be a host name or address, got {self.host!r}")
        _check_int("port", self.port, 0, 65535)
        for name in ("workers", "threads", "max_text_bytes", "max_request_bytes", "max_texts", "max_connections"):
            _check_int(name, getattr(self, name), 1, None)
        for name in ("body_timeout", "keep_alive_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value < math.inf):
                raise OptionError(f"{name} must be a positive number of seconds, got {value!r}")
        if self.log_level not in _LOG_LEVELS:
            raise OptionError(f"log_level must be one of {_LOG_LEVELS}, got {self.log_level!r}")

    @property
    def model_path(self) -> str | None:
        """The model file, or ``None`` for the shipped default model."""
        return None if self.model in (None, "", "default") else self.model

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ServeConfig:
        """Build the settings from ``GREENTAG_*`` variables, then ``overrides`` (``None`` values are skipped).

        Raises
        ------
        OptionError
            Naming the variable or setting and its bad value.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = environ.get(_ENV_PREFIX + field.name.upper())
            if raw is not None and raw != "":
                try:
                    values[field.name] = _convert(field.name, raw)
                except (OptionError, ValueError):
                    raise OptionError(
                        f"{_ENV_PREFIX}{field.name.upper()}={raw!r} is not a valid {field.name}"
                    ) from None
        unknown = set(overrides) - {field.name for field in fields(cls)}
        if unknown:
            raise OptionError(f"unknown serve setting(s): {', '.join(sorted(unknown))}")
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)

    def to_json(self) -> str:
        """The settings as JSON (how worker processes receive them)."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ServeConfig:
        """Read settings written by :meth:`to_json`."""
        try:
            values = json.loads(text)
        except ValueError:
            raise OptionError(f"{CONFIG_ENV} is not valid JSON") from None
        if not isinstance(values, dict):
            raise OptionError(f"{CONFIG_ENV} must hold a JSON object")
        return cls(**{field.name: values[field.name] for field in fields(cls) if field.name in values})


def _check_int(name: str, value: Any, low: int, high: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise OptionError(f"{name} must be an integer {bound}, got {value!r}")


def _convert(name: str, raw: str) -> Any:
    if name in ("model", "host", "log_level"):
        return raw.lower() if name == "log_level" else raw
    if name in ("max_text_bytes", "max_request_bytes"):
        return parse_size(raw)
    if name in ("body_timeout", "keep_alive_timeout"):
        return float(raw)
    if name == "access_log":
        lowered = raw.strip().lower()
        if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            raise OptionError(f"not a boolean: {raw!r}")
        return lowered in ("1", "true", "yes", "on")
    return int(raw)
