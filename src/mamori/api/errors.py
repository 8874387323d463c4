"""The one place where errors become HTTP responses.

Every error body has the same shape: ``{"error": {"code", "message", "where"?, "hint"?}}``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mamori.core.errors import ErrorKind, MamoriError
from mamori.core.logging import event, get_logger

STATUS = {
    ErrorKind.INVALID: 422,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.DENIED: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.INTERNAL: 500,
}

_log = get_logger(__name__)


def error_response(status: int, body: dict[str, Any]) -> JSONResponse:
    """A JSON error response in mamori's shape."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def _mamori_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MamoriError)
    response = error_response(STATUS[exc.kind], exc.to_dict())
    resets_at = exc.details.get("resets_at")
    if exc.kind is ErrorKind.RATE_LIMITED and isinstance(resets_at, str):
        now = request.app.state.platform.clock.now()
        wait = (dt.datetime.fromisoformat(resets_at) - now).total_seconds()
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"where": ".".join(str(part) for part in err["loc"]), "message": err["msg"]}
        for err in exc.errors()
    ]
    first = problems[0] if problems else {"where": "body", "message": "invalid request"}
    return error_response(
        422,
        {
            "code": "invalid_request",
            "message": f"{first['where']}: {first['message']}",
            "where": first["where"],
            "details": {"problems": problems},
        },
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    # FastAPI answers 400 for a body it cannot even decode (not UTF-8, nested too deep).
    code = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "http_error"
    )
    return error_response(exc.status_code, {"code": code, "message": str(exc.detail)})


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    event(_log, "api.request.failed", level=40, error=type(exc).__name__)
    return error_response(
        500, {"code": "internal", "message": "internal error; see the server log"}
    )


def install(app: FastAPI) -> None:
    """Register mamori's error handlers on ``app``."""
    app.add_exception_handler(MamoriError, _mamori_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
