"""The FastAPI application: routes, error answers, metrics, and model reloads.

:func:`create_app` builds one application around one :class:`ModelHolder`.
The model is loaded during startup, so a worker takes connections only once
it can tag; tagging runs in a bounded thread pool (``threads`` requests of one
worker at a time), never on the event loop, so ``/health`` and ``/metrics``
answer while a large batch is being tagged.

Reloading: ``SIGHUP`` to a single-worker server, or ``POST /admin/reload``
with ``Authorization: Bearer $GREENTAG_ADMIN_TOKEN``, re-reads the model file
in a thread and swaps the new model in; requests in flight finish with the
old one. A file that does not load leaves the old model serving. With several
workers, ``SIGHUP`` goes to uvicorn's supervisor, which replaces the workers
one at a time (each new one loads the file before the old one stops, and a new
one that cannot start leaves the old ones serving); ``/admin/reload`` checks
the file in the worker that took the request, then asks the supervisor to do
the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import json
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._version import __version__
from ..errors import GreentagError, ModelError
from ..results import Explanation, Tag
from .config import ADMIN_TOKEN_ENV, CONFIG_ENV, ServeConfig
from .errors import ServiceError, error_body, status_and_code
from .holder import LoadedModel, ModelHolder, takes_lang
from .limits import BodyLimitMiddleware, check_text_count, check_text_sizes
from .metrics import CONTENT_TYPE, Metrics
from .schemas import (
    ErrorResponse,
    ExplainRequest,
    ExplainResponse,
    HealthResponse,
    LabelsResponse,
    ReloadResponse,
    TagManyRequest,
    TagManyResponse,
    TagRequest,
    TagResponse,
)

__all__ = ["app_from_env", "create_app"]

# Under uvicorn's own logger, so that its configuration (level, format) applies to these lines too.
logger = logging.getLogger("uvicorn.error.greentag")
T = TypeVar("T")

JSON_PATHS = ("/tag", "/tag_many", "/explain")
ENDPOINTS = frozenset({*JSON_PATHS, "/labels", "/health", "/metrics", "/admin/reload", "/openapi.json", "/docs"})
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        400: "Malformed JSON or an empty body",
        408: "The body did not arrive in time",
        413: "A text, the body or the number of texts is over its limit",
        415: "The body is not JSON",
        422: "A field has the wrong type or a bad value",
        503: "The model is not loaded yet",
    }.items()
}


def _tags(tags: list[Tag]) -> list[dict[str, Any]]:
    return [{"label": tag.label, "score": tag.score} for tag in tags]


def _explanation(explanation: Explanation) -> dict[str, Any]:
    return {
        "label": explanation.label,
        "score": explanation.score,
        "bias": explanation.bias,
        "lang": getattr(explanation, "lang", None),
        "terms": [{"term": term, "weight": weight} for term, weight in explanation.terms],
    }


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part != "body"]
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text or "body"


def _load_taxonomy() -> dict[str, dict[str, str]]:
    """Names and definitions of the shipped taxonomy's labels (empty if it cannot be read)."""
    from ..default import seeds_path

    try:
        with open(seeds_path() / "taxonomy.json", encoding="utf-8") as handle:
            entries = json.load(handle).get("labels", [])
        return {entry["id"]: entry for entry in entries if isinstance(entry, dict) and "id" in entry}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


class _MetricsMiddleware:
    """Counts every request (including those refused before routing) and times it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        endpoint = scope["path"] if scope["path"] in ENDPOINTS else "other"

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.request_started()
        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.request_finished()
            self.metrics.observe_request(endpoint, scope["method"], status, time.perf_counter() - started)


def create_app(config: ServeConfig | None = None, *, admin_token: str | None = None) -> FastAPI:
    """Build the HTTP service around one model.

    Parameters
    ----------
    config : ServeConfig, optional
        Model file and limits; the defaults serve the shipped model.
    admin_token : str, optional
        Bearer token for ``POST /admin/reload``; read from
        ``GREENTAG_ADMIN_TOKEN`` when not given. Without one the admin
        endpoint answers 404.

    Returns
    -------
    FastAPI
        An ASGI application; run it with uvicorn (``greentag serve`` does).

    Examples
    --------
    >>> app = create_app(ServeConfig(max_texts=100))
    >>> sorted(route.path for route in app.routes if route.path in {"/tag", "/tag_many", "/health"})
    ['/health', '/tag', '/tag_many']
    """
    config = config or ServeConfig()
    token = admin_token if admin_token is not None else os.environ.get(ADMIN_TOKEN_ENV) or None
    holder = ModelHolder(config.model_path)
    metrics = Metrics()
    taxonomy = _load_taxonomy()
    limiter: list[anyio.CapacityLimiter] = []  # made on the event loop, at startup
    background: set[asyncio.Task[Any]] = set()
    started = time.time()

    async def load() -> LoadedModel:
        """Load (or reload) the model in a thread; count the outcome."""
        initial = not holder.ready
        try:
            loaded = await anyio.to_thread.run_sync(holder.load)
        except ModelError as exc:
            metrics.model_loaded("", "", ok=False, initial=initial)
            logger.error(
                "greentag: could not load the model: %s%s", exc, "" if initial else "; the old model keeps serving"
            )
            raise
        metrics.model_loaded(loaded.id, loaded.version, initial=initial)
        logger.info("greentag: serving model %s (version %s) from %s", loaded.id, loaded.version, loaded.path)
        return loaded

    async def reload_on_signal() -> None:
        with contextlib.suppress(ModelError):  # logged and counted by load()
            await load()

    def on_sighup() -> None:
        task = asyncio.get_running_loop().create_task(reload_on_signal())
        background.add(task)
        task.add_done_callback(background.discard)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limiter.append(anyio.CapacityLimiter(config.threads))
        await load()  # a model that does not load stops the worker before it takes connections
        loop = asyncio.get_running_loop()
        hooked = False
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, on_sighup)  # not on Windows, not outside the main thread
            hooked = True
        try:
            yield
        finally:
            if hooked:
                loop.remove_signal_handler(signal.SIGHUP)

    app = FastAPI(
        title="greentag",
        version=__version__,
        summary="Tag news and policy documents with topics over HTTP.",
        description=(
            "JSON in and out. Every tagging answer names the model that gave it (`model.id`, `model.version`). "
            'Errors are `{"error": {"code", "message"}}` with a 4xx status for the client\'s mistakes.'
        ),
        lifespan=lifespan,
    )

    def current() -> LoadedModel:
        loaded = holder.current
        if loaded is None:
            raise ServiceError("the model is still loading; try again shortly", status=503, code="not_ready")
        return loaded

    async def run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(functools.partial(function, *args, **kwargs), limiter=limiter[0])

    def lang_option(method: Any, lang: str | None) -> dict[str, Any]:
        if takes_lang(method):
            return {"lang": lang}
        # A greentag that reads English only: accept what it would do anyway.
        if lang not in (None, "en"):
            raise ServiceError(
                f"lang must be null or 'en' (this model reads English only), got {lang!r}",
                status=422,
                code="invalid_option",
            )
        return {}

    def error_response(request: Request, error: ServiceError | GreentagError) -> Response:
        status, code = status_and_code(error)
        message = error.message if isinstance(error, ServiceError) else str(error)
        details = error.details if isinstance(error, ServiceError) else None
        headers = error.headers if isinstance(error, ServiceError) else None
        path = request.url.path
        metrics.add_error(path if path in ENDPOINTS else "other", code)
        return _json(error_body(code, message, details), status, headers)

    # ---------------------------------------------------------------- errors
    @app.exception_handler(GreentagError)
    async def on_greentag_error(request: Request, error: GreentagError) -> Response:
        return error_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, error: RequestValidationError) -> Response:
        problems = list(error.errors())
        for problem in problems:
            if problem.get("type") == "json_invalid":
                loc = problem.get("loc", ())
                where = f" at position {loc[-1]}" if len(loc) > 1 else ""
                reason = (problem.get("ctx") or {}).get("error", "not valid JSON")
                return error_response(request, ServiceError(f"malformed JSON{where}: {reason}", code="malformed_json"))
        for problem in problems:
            if tuple(problem.get("loc", ())) == ("body",):
                kind = type(problem.get("input")).__name__
                got = {"NoneType": "null", "list": "an array", "str": "a string", "int": "a number"}.get(kind, kind)
                return error_response(
                    request,
                    ServiceError(
                        f"the request body must be a JSON object, got {got}", status=422, code="invalid_request"
                    ),
                )
        details = [
            {"field": _field(tuple(p.get("loc", ()))), "message": str(p.get("msg", "")), "type": str(p.get("type", ""))}
            for p in problems
        ]
        shown = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
        return error_response(
            request,
            ServiceError(f"invalid request: {shown}{more}", status=422, code="invalid_request", details=details),
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed"}
        message = str(error.detail) if error.status_code != 404 else f"no endpoint at {request.url.path}"
        return error_response(
            request,
            ServiceError(
                message,
                status=error.status_code,
                code=codes.get(error.status_code, "http_error"),
                headers=dict(error.headers or {}),
            ),
        )

    @app.exception_handler(Exception)
    async def on_crash(request: Request, error: Exception) -> Response:
        logger.exception("greentag: error while serving %s", request.url.path)
        return error_response(request, ServiceError("internal server error", status=500, code="internal_error"))

    # --------------------------------------------------------------- tagging
    @app.post("/tag", response_model=TagResponse, responses=_ERRORS, tags=["tagging"], summary="Tag one document")
    async def tag(body: TagRequest) -> Response:
        """Tag one document: its tags, best first, each with a calibrated probability."""
        loaded = current()
        check_text_sizes([body.text], config.max_text_bytes, "text")
        tagger = loaded.tagger
        options = lang_option(tagger.tag, body.lang)
        tags = await run(tagger.tag, body.text, threshold=body.threshold, top_k=body.top_k, **options)
        metrics.add_documents("/tag", 1)
        return _json({"tags": _tags(tags), "model": loaded.public()})

    @app.post(
        "/tag_many",
        response_model=TagManyResponse,
        responses=_ERRORS,
        tags=["tagging"],
        summary="Tag several documents",
    )
    async def tag_many(body: TagManyRequest) -> Response:
        """Tag several documents with the same options; ``results[i]`` are the tags of ``texts[i]``."""
        loaded = current()
        check_text_count(len(body.texts), config.max_texts)
        check_text_sizes(body.texts, config.max_text_bytes)
        tagger = loaded.tagger
        options = lang_option(tagger.tag_many, body.lang)
        results = await run(tagger.tag_many, body.texts, threshold=body.threshold, top_k=body.top_k, **options)
        metrics.add_documents("/tag_many", len(body.texts))
        return _json({"results": [_tags(tags) for tags in results], "model": loaded.public()})

    @app.post(
        "/explain",
        response_model=ExplainResponse,
        responses=_ERRORS,
        tags=["tagging"],
        summary="The terms behind a document's tags",
    )
    async def explain(body: ExplainRequest) -> Response:
        """Each term's share of a label's log-odds, for the label asked for or every tag the text gets."""
        loaded = current()
        check_text_sizes([body.text], config.max_text_bytes, "text")
        tagger = loaded.tagger
        options = lang_option(tagger.explain, body.lang)
        explanations: list[Explanation]
        if body.label is None:
            explanations = await run(tagger.explain, body.text, top_n=body.top_n, **options)
        else:
            explanations = [await run(tagger.explain, body.text, body.label, top_n=body.top_n, **options)]
        metrics.add_documents("/explain", 1)
        return _json({"explanations": [_explanation(e) for e in explanations], "model": loaded.public()})

    # ------------------------------------------------------------ read-only
    @app.get("/labels", response_model=LabelsResponse, responses=_ERRORS, tags=["model"], summary="The labels")
    async def labels() -> Response:
        """The model's labels with their names, definitions and tuned thresholds."""
        loaded = current()
        tagger = loaded.tagger
        entries = []
        for label, threshold in zip(tagger.labels, tagger.thresholds, strict=True):
            known = taxonomy.get(label, {})
            entries.append(
                {
                    "id": label,
                    "name": str(known.get("name", label)),
                    "definition": known.get("definition"),
                    "threshold": float(threshold),
                }
            )
        return _json({"labels": entries, "languages": tagger.languages, "model": loaded.public()})

    @app.get(
        "/health",
        response_model=HealthResponse,
        responses={503: {"model": HealthResponse, "description": "The model is not loaded yet"}},
        tags=["operations"],
        summary="Readiness",
    )
    async def health() -> Response:
        """``ready`` (200) once the model is loaded, ``loading`` (503) before."""
        loaded = holder.current
        payload: dict[str, Any] = {
            "status": "ready" if loaded is not None else "loading",
            "greentag_version": __version__,
            "uptime_seconds": round(time.time() - started, 3),
            "model": loaded.describe() if loaded is not None else None,
        }
        return _json(payload, 200 if loaded is not None else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response)
    async def metrics_text() -> Response:
        """Counters of this worker in the Prometheus text format."""
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    # ---------------------------------------------------------------- admin
    @app.post(
        "/admin/reload",
        response_model=ReloadResponse,
        responses={
            401: {"model": ErrorResponse, "description": "Missing or wrong bearer token"},
            404: {"model": ErrorResponse, "description": "GREENTAG_ADMIN_TOKEN is not set"},
            422: {"model": ErrorResponse, "description": "The model file does not load; the old model keeps serving"},
        },
        tags=["operations"],
        summary="Reload the model file",
    )
    async def admin_reload(request: Request) -> Response:
        """Re-read the model file and serve it; a file that does not load leaves the old model serving."""
        if token is None:
            raise ServiceError(
                f"the admin endpoints are disabled: set {ADMIN_TOKEN_ENV} to enable them",
                status=404,
                code="not_found",
            )
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise ServiceError(
                "a valid bearer token is required (Authorization: Bearer ...)",
                status=401,
                code="unauthorized",
                headers={"WWW-Authenticate": 'Bearer realm="greentag"'},
            )
        previous = holder.current
        loaded = await load()  # ModelError -> 422, old model kept
        workers = "this worker"
        if config.workers > 1:
            # The others are uvicorn's to replace: ask the supervisor for a rolling restart.
            os.kill(os.getppid(), signal.SIGHUP)
            workers = "restarting all workers"
        return _json(
            {
                "status": "reloaded",
                "model": loaded.describe(),
                "previous": previous.describe() if previous is not None else None,
                "workers": workers,
            }
        )

    def count_refused(path: str, code: str) -> None:
        metrics.add_error(path if path in ENDPOINTS else "other", code)

    # Outermost first: metrics see every answer, including bodies refused for their size.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=config.max_request_bytes,
        timeout=config.body_timeout,
        json_paths=JSON_PATHS,
        on_error=count_refused,
    )
    app.add_middleware(_MetricsMiddleware, metrics=metrics)
    app.state.greentag_holder = holder
    app.state.greentag_metrics = metrics
    app.state.greentag_config = config
    return app


def app_from_env() -> FastAPI:
    """The application for uvicorn's worker processes: settings from ``GREENTAG_SERVE_CONFIG`` or ``GREENTAG_*``.

    ``greentag serve`` runs ``uvicorn`` with ``greentag.serve.app:app_from_env``
    as a factory, so every worker builds its own application from the same
    settings.
    """
    raw = os.environ.get(CONFIG_ENV)
    config = ServeConfig.from_json(raw) if raw else ServeConfig.from_env()
    return create_app(config)
