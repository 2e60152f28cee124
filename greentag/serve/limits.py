"""Size and time limits on what a client sends.

:class:`BodyLimitMiddleware` reads every request body itself before the
application sees it: a declared ``Content-Length`` over the limit is refused
before a byte of the body is read, a body that grows past the limit while it
streams in (chunked, or lying about its length) is refused as soon as it does,
and a client that takes longer than ``timeout`` seconds to send its body gets
408 and loses the connection, so a slow client cannot hold a worker forever.
The checks on each text (:func:`check_text_sizes`, :func:`check_text_count`)
run once the body has been parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import anyio
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ServiceError, error_body

__all__ = ["BodyLimitMiddleware", "check_text_count", "check_text_sizes"]

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _mib(n: int) -> str:
    return f"{n:,} bytes" if n < 1024 * 1024 else f"{n:,} bytes ({n / (1024 * 1024):g} MiB)"


def check_text_sizes(texts: Sequence[str], limit: int, field: str = "texts") -> None:
    """Refuse (413 ``text_too_large``) the first text over ``limit`` UTF-8 bytes, naming it.

    Examples
    --------
    >>> check_text_sizes(["short"], 10)
    >>> check_text_sizes(["short", "much too long"], 10)
    Traceback (most recent call last):
    ...
    greentag.serve.errors.ServiceError: texts[1] is 13 bytes of UTF-8, over the limit of 10 bytes per text
    """
    for i, text in enumerate(texts):
        # A character is at most 4 bytes of UTF-8: most texts need no encoding to pass.
        if len(text) * 4 <= limit:
            continue
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > limit:
            name = field if field == "text" else f"{field}[{i}]"
            raise ServiceError(
                f"{name} is {size:,} bytes of UTF-8, over the limit of {_mib(limit)} per text",
                status=413,
                code="text_too_large",
            )


def check_text_count(n: int, limit: int) -> None:
    """Refuse (413 ``too_many_texts``) a batch of more than ``limit`` texts.

    Examples
    --------
    >>> check_text_count(3, 1000)
    >>> check_text_count(1001, 1000)
    Traceback (most recent call last):
    ...
    greentag.serve.errors.ServiceError: too many texts: 1,001 in one request, the limit is 1,000; split the batch
    """
    if n > limit:
        raise ServiceError(
            f"too many texts: {n:,} in one request, the limit is {limit:,}; split the batch",
            status=413,
            code="too_many_texts",
        )


class BodyLimitMiddleware:
    """ASGI middleware: read request bodies with a size cap and a deadline, then hand them on whole.

    Parameters
    ----------
    app : ASGI application
        The application to protect.
    max_bytes : int
        Largest body accepted.
    timeout : float
        Seconds the client has to send the whole body.
    json_paths : collection of str
        Paths whose requests must carry a non-empty JSON body; others may
        send none.
    on_error : callable, optional
        Called with ``(path, code)`` for every request this refuses (the
        service counts them in its metrics).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        timeout: float,
        json_paths: Collection[str] = (),
        on_error: Callable[[str, str], None] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.json_paths = frozenset(json_paths)
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        headers = Headers(scope=scope)
        try:
            self._check_headers(headers, path)
            body = await self._read_body(receive)
        except ServiceError as error:
            await self._refuse(error, path, scope, receive, send)
            return
        if body is None:  # the client went away
            return
        if not body and path in self.json_paths:
            example = '{"texts": ["..."]}' if path == "/tag_many" else '{"text": "..."}'
            await self._refuse(
                ServiceError(f"the request body is empty; send a JSON object such as {example}", code="empty_body"),
                path,
                scope,
                receive,
                send,
            )
            return
        await self.app(scope, _replay(body, receive), send)

    def _check_headers(self, headers: Headers, path: str) -> None:
        content_type = headers.get("content-type")
        if path in self.json_paths and content_type is not None:
            media = content_type.split(";", 1)[0].strip().lower()
            if media != "application/json" and not media.endswith("+json"):
                raise ServiceError(
                    f"Content-Type must be application/json, got {content_type!r}",
                    status=415,
                    code="unsupported_media_type",
                )
        length = headers.get("content-length")
        if length is None:
            return
        if not length.strip().isdigit():
            raise ServiceError(f"Content-Length must be a number of bytes, got {length!r}", code="bad_content_length")
        if int(length) > self.max_bytes:
            raise ServiceError(
                f"the request body is {int(length):,} bytes, over the limit of {_mib(self.max_bytes)} per request",
                status=413,
                code="request_too_large",
            )

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        try:
            with anyio.fail_after(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ServiceError(
                            f"the request body is over the limit of {_mib(self.max_bytes)} per request",
                            status=413,
                            code="request_too_large",
                        )
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            raise ServiceError(
                f"the request body did not arrive within {self.timeout:g} seconds", status=408, code="body_timeout"
            ) from None

    async def _refuse(self, error: ServiceError, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        if self.on_error is not None:
            self.on_error(path, error.code)
        # The rest of the body is not read: the connection cannot be reused.
        headers = {"connection": "close", **(error.headers or {})}
        response = JSONResponse(error_body(error.code, error.message), status_code=error.status, headers=headers)
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the whole body once, then defers to the real one (for disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            message: dict[str, Any] = {"type": "http.request", "body": body, "more_body": False}
            return message
        return await receive()

    return replay
