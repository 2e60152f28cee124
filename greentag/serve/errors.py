"""What the service answers when a request cannot be served: one JSON shape, a status and a code.

Every error body is ``{"error": {"code": ..., "message": ..., "details"?: [...]}}``
with a 4xx status for the client's mistakes and 5xx only for the server's.
Library errors keep their message (it names the bad value) and get a code from
their class; see :func:`status_and_code`.
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    DataError,
    GreentagError,
    InputTypeError,
    ModelError,
    OptionError,
    UnknownLabelError,
    UnknownOptionError,
)

__all__ = ["ServiceError", "error_body", "status_and_code"]


class ServiceError(GreentagError):
    """A request the service refuses, with the HTTP status and the machine-readable code to answer with.

    Parameters
    ----------
    message : str
        What is wrong and, where it helps, what to send instead.
    status : int, default=400
        HTTP status of the answer.
    code : str, default="bad_request"
        Stable, machine-readable error code (``too_many_texts``, ``text_too_large`` ...).
    details : list of dict, optional
        Per-field problems, for validation errors.
    headers : dict, optional
        Extra response headers (``WWW-Authenticate``, ``Connection: close`` ...).

    Examples
    --------
    >>> error = ServiceError("too many texts", status=413, code="too_many_texts")
    >>> error.status, error.code, str(error)
    (413, 'too_many_texts', 'too many texts')
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        code: str = "bad_request",
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details
        self.headers = headers


# The most specific class first: UnknownLabelError is also a KeyError, OptionError a ValueError.
_LIBRARY_CODES: tuple[tuple[type[GreentagError], str], ...] = (
    (UnknownLabelError, "unknown_label"),
    (UnknownOptionError, "unknown_option"),
    (InputTypeError, "invalid_type"),
    (OptionError, "invalid_option"),
    (ModelError, "model_error"),
    (DataError, "invalid_data"),
)


def status_and_code(error: GreentagError) -> tuple[int, str]:
    """The HTTP status and error code for an error greentag raised.

    Examples
    --------
    >>> status_and_code(OptionError("threshold must be a number in [0, 1], got 2"))
    (422, 'invalid_option')
    """
    if isinstance(error, ServiceError):
        return error.status, error.code
    for cls, code in _LIBRARY_CODES:
        if isinstance(error, cls):
            return 422, code
    return 422, "greentag_error"


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON body of an error answer.

    Examples
    --------
    >>> error_body("malformed_json", "malformed JSON at position 3: Expecting value")
    {'error': {'code': 'malformed_json', 'message': 'malformed JSON at position 3: Expecting value'}}
    """
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}
