"""Strict limits on requests: body size and path shape before any handler, text in bodies."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from pydantic import BaseModel, field_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimitMiddleware:
    """Reject a request whose body is over ``max_bytes`` with 413, declared or streamed.

    The body is read here, up to the limit, before the application sees any of it:
    an error raised from inside the application's own reading would be taken by
    FastAPI for a body it could not parse (400), not for one that is too large.
    ``overrides`` gives some routes another limit, keyed by method and path; a path
    may be a route's template, whose ``{name}`` parts each match one path segment.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, overrides: Mapping[tuple[str, str], int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = {key: n for key, n in (overrides or {}).items() if "{" not in key[1]}
        self.templates = [
            (method, _template(path), n)
            for (method, path), n in (overrides or {}).items()
            if "{" in path
        ]

    def limit_for(self, method: str, path: str) -> int:
        """The body limit of a request to ``path`` with ``method``."""
        exact = self.overrides.get((method, path))
        if exact is not None:
            return exact
        for wanted, pattern, limit in self.templates:
            if wanted == method and pattern.fullmatch(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._reject(send, limit)
            return
        try:
            body = await _read_body(receive, limit)
        except _TooLarge:
            await self._reject(send, limit)
            return
        except _Gone:
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # what comes after the body: a disconnect
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _reject(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "body_too_large",
                    "message": f"request body is over the limit of {limit} bytes{_mib(limit)}",
                    "where": "body",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _template(path: str) -> re.Pattern[str]:
    """A route template as a pattern: each ``{name}`` matches one path segment."""
    return re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)))


def _mib(limit: int) -> str:
    return f" ({limit // 1048576} MiB)" if limit % 1048576 == 0 else ""


class _TooLarge(Exception):
    """The body grew over the limit."""


class _Gone(Exception):
    """The client left before it had sent its whole body."""


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The whole body; raises _TooLarge as soon as it grows over ``limit`` bytes."""
    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Gone
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class ControlCharacterMiddleware:
    """Refuse a path or query with a control character (NUL above all) before any handler.

    No id, name or filter mamori knows holds one, and PostgreSQL cannot even compare
    text with a NUL in it: without this a ``%00`` in a path would reach the database
    and fail there, as a server error instead of the client's.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_control_character(scope):
            body = json.dumps(
                {
                    "error": {
                        "code": "invalid_request",
                        "message": "the path or the query holds a control character",
                        "where": "path",
                        "hint": "ids, names and filters never contain control characters",
                    }
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _has_control_character(scope: Scope) -> bool:
    path = scope.get("path", "")
    query = unquote_to_bytes(scope.get("query_string", b""))
    return any(ord(c) < 32 or ord(c) == 127 for c in path) or any(b < 32 or b == 127 for b in query)


class Body(BaseModel):
    """The base of every request body: no text in it may hold a NUL character.

    PostgreSQL cannot store one (the request would fail as a server error), and
    SQLite would store what PostgreSQL refuses; refused here, both answer 422
    naming the field.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _holds_nul(value):
            raise ValueError("must not contain a NUL character")
        return value


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False
