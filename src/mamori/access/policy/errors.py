"""Errors of the policy set itself (not of a decision: those are in ``access.errors``)."""

from __future__ import annotations

from mamori.access.errors import AccessError
from mamori.core.errors import ErrorKind


class PolicyError(AccessError):
    """Base of the policy set's errors."""

    kind = ErrorKind.INTERNAL
    code = "access.policy.error"


class PolicyLoadError(PolicyError):
    """The policy files are missing, empty or broken; ``where`` names the file and line."""

    code = "access.policy.broken"
