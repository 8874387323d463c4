"""Failed sign-ins and authentications: recorded in the log, then raised, kept on rollback.

A failure is a program action like any other, so it is appended in the caller's
session before the error is raised. Since raising normally rolls the caller's
transaction back, :func:`keeping_failures` runs a piece of work in a transaction
of its own that commits the failure's log entry and *then* re-raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

from sqlalchemy.orm import Session

from mamori.access.errors import UnauthenticatedError
from mamori.access.models import ANONYMOUS
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.store.engine import Database

T = TypeVar("T")

MESSAGES = {
    "unknown": "the bearer token is not a known session or API key",
    "expired": "the credential has expired",
    "revoked": "the credential was revoked",
    "disabled": "the user is disabled",
}
HINTS = {
    "unknown": "sign in again, or use a current API key",
    "expired": "sign in again, or ask an organization admin for a new API key",
    "revoked": "sign in again, or ask an organization admin for a new API key",
    "disabled": "ask an organization admin",
}


def fail(
    session: Session,
    clock: Clock,
    action: str,
    *,
    reason: str,
    message: str,
    hint: str | None = None,
    org_id: str | None = None,
    details: Mapping[str, Any] | None = None,
    where: str | None = "Authorization",
) -> NoReturn:
    """Record ``action`` (never with a secret in it) and raise UnauthenticatedError."""
    record(
        session,
        clock,
        action,
        actor=ANONYMOUS.label,
        org_id=org_id,
        details={"reason": reason, **(details or {})},
    )
    raise UnauthenticatedError(message, where=where, hint=hint)


def keeping_failures(store: Database | Session, work: Callable[[Session], T]) -> T:
    """Run ``work`` in ``store``'s session, or in a new transaction that keeps failures' entries.

    Given a :class:`Session`, the caller owns the transaction (and must commit it
    even on UnauthenticatedError for the failure to stay recorded). Given a
    :class:`Database`, the work gets its own transaction, committed also when
    authentication fails, and the error is raised after the commit.
    """
    if isinstance(store, Session):
        return work(store)
    failure: UnauthenticatedError | None = None
    with store.session() as session:
        try:
            return work(session)
        except UnauthenticatedError as exc:
            failure = exc
    raise failure
