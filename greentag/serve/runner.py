"""Run the service under uvicorn: what ``greentag serve`` calls.

uvicorn starts ``workers`` processes that share one listening socket, each
building its application with :func:`greentag.serve.app.app_from_env` from the
settings this module puts in ``GREENTAG_SERVE_CONFIG``.
"""

from __future__ import annotations

import inspect
import math
import os
from typing import Any

from .config import CONFIG_ENV, ServeConfig

__all__ = ["run", "uvicorn_options"]

APP = "greentag.serve.app:app_from_env"
# A new worker must load its model within this many seconds during a rolling
# restart, or the old worker is kept (uvicorn's default of 5 s is short for a large model).
WORKER_READY_SECONDS = 120


def uvicorn_options(config: ServeConfig) -> dict[str, Any]:
    """The keyword arguments of :func:`uvicorn.run` for ``config``.

    Examples
    --------
    >>> options = uvicorn_options(ServeConfig(port=9000, workers=2))
    >>> options["port"], options["workers"], options["factory"]
    (9000, 2, True)
    """
    import uvicorn

    options: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "workers": config.workers,
        "factory": True,
        "timeout_keep_alive": max(1, math.ceil(config.keep_alive_timeout)),
        "limit_concurrency": config.max_connections,
        "log_level": config.log_level,
        "access_log": config.access_log,
        "server_header": False,
        "proxy_headers": False,
    }
    accepted = inspect.signature(uvicorn.Config).parameters
    if "timeout_worker_healthcheck" in accepted:
        options["timeout_worker_healthcheck"] = WORKER_READY_SECONDS
    if "timeout_graceful_shutdown" in accepted:
        options["timeout_graceful_shutdown"] = 30
    return options


def run(config: ServeConfig) -> None:
    """Serve until interrupted (Ctrl-C or ``SIGTERM``); blocking.

    Raises
    ------
    ImportError
        If the ``serve`` extra (FastAPI and uvicorn) is not installed.
    """
    import uvicorn

    # Worker processes start fresh and read their settings from here.
    os.environ[CONFIG_ENV] = config.to_json()
    uvicorn.run(APP, **uvicorn_options(config))
