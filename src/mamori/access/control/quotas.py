"""Quotas: how often an organization may use a capability per fixed window.

Each capability has a default (``Capability.default_quota``; None is unlimited); an
operator may set an organization's own limit, which replaces it. Uses are counted per
window in ``usage_counters`` by the gate when it allows a request, and the gate denies
(``RateLimitedError``) once the window's count reaches the limit. Setting or clearing a
limit is a program action, recorded in the transparency log in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from mamori.access.capabilities import CAPABILITIES, QuotaLimit, limit_in_force
from mamori.access.control import repository
from mamori.access.control.errors import InvalidControlError
from mamori.access.control.models import QuotaOverride, QuotaUsage, window_start
from mamori.access.models import Principal
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.core.ids import OrgId

MAX_WINDOW_SECONDS = 31 * 24 * 3600
MAX_LIMIT = 1_000_000_000


def set_quota(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId,
    capability: str,
    *,
    limit: int,
    window_seconds: int,
) -> QuotaOverride:
    """Give ``org_id`` its own limit for ``capability`` (0 blocks it) and log the change."""
    _check(session, org_id, capability)
    if not 0 <= limit <= MAX_LIMIT:
        raise InvalidControlError(f"limit must be between 0 and {MAX_LIMIT}", where="limit")
    if not 1 <= window_seconds <= MAX_WINDOW_SECONDS:
        raise InvalidControlError(
            f"window_seconds must be between 1 and {MAX_WINDOW_SECONDS}", where="window_seconds"
        )
    quota = QuotaOverride(
        org_id=org_id,
        capability=capability,
        limit=limit,
        window_seconds=window_seconds,
        set_by=actor.label,
        set_at=clock.now(),
    )
    repository.put_quota(session, quota)
    details: dict[str, str | int] = {
        "capability": capability,
        "limit": limit,
        "window_seconds": window_seconds,
    }
    record(session, clock, "program.quota.set", actor=actor.label, org_id=org_id, details=details)
    return quota


def clear_quota(
    session: Session, clock: Clock, actor: Principal, org_id: OrgId, capability: str
) -> bool:
    """Drop ``org_id``'s own limit so the default applies again; False if it had none."""
    _check(session, org_id, capability)
    removed = repository.delete_quota(session, org_id, capability)
    if removed:
        details = {"capability": capability}
        record(
            session,
            clock,
            "program.quota.cleared",
            actor=actor.label,
            org_id=org_id,
            details=details,
        )
    return removed


def effective_limit(session: Session, org_id: str, capability: str) -> QuotaLimit | None:
    """The limit in force: the organization's own, else the capability's default (None: none)."""
    override = repository.get_quota(session, org_id, capability)
    own = None if override is None else QuotaLimit(override.limit, override.window_seconds)
    return limit_in_force(capability, own)


def usage(session: Session, clock: Clock, org_id: OrgId, capability: str) -> QuotaUsage | None:
    """Where ``org_id`` stands in the current window; None when the capability is unlimited."""
    limit = effective_limit(session, org_id, capability)
    if limit is None:
        return None
    start = window_start(clock.now(), limit.window_seconds)
    used = repository.get_usage(session, org_id, capability, start)
    return QuotaUsage(org_id, capability, limit.limit, limit.window_seconds, start, used)


def count_use(
    session: Session, org_id: OrgId, capability: str, limit: QuotaLimit, now: dt.datetime
) -> QuotaUsage:
    """Count one use now (for the gate); ``used`` in the result is the count before it."""
    start = window_start(now, limit.window_seconds)
    after = repository.add_usage(session, org_id, capability, start)
    return QuotaUsage(org_id, capability, limit.limit, limit.window_seconds, start, after - 1)


def uncount_use(session: Session, counted: QuotaUsage) -> None:
    """Take back a use that :func:`count_use` counted for a request that was then denied."""
    repository.remove_usage(session, counted.org_id, counted.capability, counted.window_start)


def list_quotas(session: Session, org_id: OrgId) -> list[QuotaOverride]:
    """The limits an operator set for ``org_id``."""
    return repository.list_quotas(session, org_id)


def _check(session: Session, org_id: str, capability: str) -> None:
    if capability not in CAPABILITIES:
        raise InvalidControlError(
            f"unknown capability {capability!r}",
            where="capability",
            hint="use one of the names in mamori.access.capabilities.CAPABILITIES",
        )
    if not repository.organization_exists(session, org_id):
        raise InvalidControlError(f"no organization {org_id!r}", where="org_id")
