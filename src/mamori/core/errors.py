"""The root of mamori's error tree.

Every error mamori raises on purpose is a :class:`MamoriError`. Each carries a
machine-readable ``code``, a message that says what was wrong, ``where`` it was
wrong (a field, a file:line, an id) when that is known, and a ``hint`` that says
what to do. The HTTP layer maps an error's :class:`ErrorKind` to a status code in
one place; nothing else decides status codes.
"""

from __future__ import annotations

import enum
from typing import Any


class ErrorKind(enum.Enum):
    """What sort of failure an error is, independent of the domain that raised it."""

    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    DENIED = "denied"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class MamoriError(Exception):
    """Root of every error mamori raises on purpose."""

    kind: ErrorKind = ErrorKind.INTERNAL
    code: str = "mamori.error"

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        hint: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint
        if code is not None:
            self.code = code
        self.details = details or {}

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready object: code, message and, when known, where and hint."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.where:
            body["where"] = self.where
        if self.hint:
            body["hint"] = self.hint
        if self.details:
            body["details"] = self.details
        return body


class InvalidInputError(MamoriError):
    """Input that does not satisfy a rule: the ``where`` names the field."""

    kind = ErrorKind.INVALID
    code = "invalid_input"


class NotFoundError(MamoriError):
    """A record that does not exist, or that the caller's organization cannot see."""

    kind = ErrorKind.NOT_FOUND
    code = "not_found"


class ConflictError(MamoriError):
    """A request that contradicts the current state (a duplicate, a wrong state)."""

    kind = ErrorKind.CONFLICT
    code = "conflict"


class ConfigurationError(MamoriError):
    """Settings that mamori refuses to run with."""

    kind = ErrorKind.INVALID
    code = "configuration"
