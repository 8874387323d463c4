"""Errors of the trusted-access program."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mamori.core.errors import ErrorKind, MamoriError

if TYPE_CHECKING:
    from mamori.access.models import Decision


class AccessError(MamoriError):
    """Base of the program's errors."""

    kind = ErrorKind.INVALID
    code = "access.error"


class UnauthenticatedError(AccessError):
    """No credentials, or credentials that are wrong, expired or revoked."""

    kind = ErrorKind.UNAUTHENTICATED
    code = "access.unauthenticated"


class AccessDeniedError(AccessError):
    """The one authorization point said no; ``decision`` names the policies that decided."""

    kind = ErrorKind.DENIED
    code = "access.denied"

    def __init__(self, decision: Decision, *, code: str | None = None, hint: str | None = None):
        super().__init__(
            decision.reason,
            where=decision.action,
            hint=hint,
            code=code,
            details={"policies": list(decision.policies), "audit_index": decision.audit_index},
        )
        self.decision = decision


class MfaRequiredError(AccessDeniedError):
    """A high-risk action needs a second factor verified within the last few minutes."""

    code = "access.mfa_required"


class EmergencyStoppedError(AccessDeniedError):
    """An emergency stop halts this capability."""

    code = "access.emergency_stop"


class RateLimitedError(AccessDeniedError):
    """The organization has used up its quota for this capability in the current window."""

    kind = ErrorKind.RATE_LIMITED
    code = "access.rate_limited"
