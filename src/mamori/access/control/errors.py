"""Errors of emergency stops and quotas."""

from __future__ import annotations

from mamori.access.errors import AccessError
from mamori.core.errors import ErrorKind


class ControlError(AccessError):
    """Base of the stop and quota errors."""

    code = "access.control.error"


class InvalidControlError(ControlError):
    """A stop or quota request whose fields do not fit together; ``where`` names the field."""

    kind = ErrorKind.INVALID
    code = "access.control.invalid"


class StopNotFoundError(ControlError):
    """No emergency stop has this id."""

    kind = ErrorKind.NOT_FOUND
    code = "access.stop.not_found"


class StopConflictError(ControlError):
    """The stop is already in force, or already lifted."""

    kind = ErrorKind.CONFLICT
    code = "access.stop.conflict"
