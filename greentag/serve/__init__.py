"""``greentag serve``: tagging over HTTP, for systems not written in Python.

Needs the optional ``serve`` extra (``pip install "greentag[serve]"``: FastAPI
and uvicorn); ``import greentag`` never imports it. The rooms:

``config.py``
    :class:`ServeConfig`: the settings, from defaults, ``GREENTAG_*`` variables and flags.
``app.py``
    :func:`create_app`: the FastAPI application (routes, error answers, reload).
``schemas.py``
    Request and response bodies (also the OpenAPI schema).
``limits.py``
    Body size and read-time limits, per-text and per-batch checks.
``metrics.py``
    Counters and the latency histogram, in the Prometheus text format.
``holder.py``
    The model being served and its reload.
``errors.py``
    :class:`ServiceError` and the JSON shape of every error answer.
``runner.py``
    Running it under uvicorn with several workers.

Examples
--------
>>> from greentag.serve import ServeConfig, create_app
>>> app = create_app(ServeConfig(max_texts=100))   # an ASGI app: uvicorn, hypercorn, a test client ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import ServeConfig

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["ServeConfig", "create_app"]


def create_app(config: ServeConfig | None = None, *, admin_token: str | None = None) -> FastAPI:
    """Build the HTTP application; see :func:`greentag.serve.app.create_app`."""
    from .app import create_app as _create_app

    return _create_app(config, admin_token=admin_token)
