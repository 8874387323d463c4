"""Red-team engagements: requested by an organization over its verified assets, for a
bounded window, then approved or rejected by an operator, or cancelled.

States: requested → approved | rejected | cancelled; approved → cancelled. Which
principal may request, decide or cancel is the gate's decision; this module keeps the
rules of the engagement itself (window, scope, state) and records every change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from mamori.access.assets import repository as repo
from mamori.access.assets.errors import (
    AssetNotFoundError,
    EngagementNotFoundError,
    EngagementStateError,
    InvalidEngagementError,
)
from mamori.access.assets.models import Asset, Engagement
from mamori.access.models import EngagementStatus, Principal
from mamori.audit.actions import record
from mamori.core.clock import Clock, utc
from mamori.core.ids import AssetId, EngagementId, OrgId, new_id

MAX_WINDOW = dt.timedelta(days=30)
MAX_SCOPE = 200
MAX_TEXT_CHARS = 2000

_OPEN = (EngagementStatus.REQUESTED, EngagementStatus.APPROVED)


def request_engagement(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId,
    *,
    purpose: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    asset_ids: Iterable[str],
) -> Engagement:
    """Ask for an engagement over some of the organization's verified assets."""
    now = clock.now()
    text = _text(purpose, "purpose")
    _check_window(starts_at, ends_at, now)
    starts_at, ends_at = utc(starts_at), utc(ends_at)
    scope = _check_scope(session, org_id, asset_ids)
    engagement = Engagement(
        id=EngagementId(new_id("eng")),
        org_id=org_id,
        purpose=text,
        status=EngagementStatus.REQUESTED,
        starts_at=starts_at,
        ends_at=ends_at,
        asset_ids=tuple(sorted(scope)),
        requested_by=actor.id,
        requested_at=now,
        decided_by=None,
        decided_at=None,
        decision_reason=None,
    )
    repo.insert_engagement(session, engagement)
    _record(session, clock, actor, "engagements.requested", engagement, purpose=text)
    return engagement


def approve_engagement(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId,
    engagement_id: str,
    reason: str,
) -> Engagement:
    """Approve a requested engagement whose window is still ahead and whose scope is verified."""
    text = _text(reason, "reason")
    engagement = _in_state(session, org_id, engagement_id, (EngagementStatus.REQUESTED,))
    if engagement.requested_by == actor.id:
        raise EngagementStateError(
            "an engagement cannot be approved by the principal who requested it",
            where="engagement_id",
            hint="another operator must review it",
        )
    if engagement.ends_at <= clock.now():
        raise EngagementStateError(
            f"engagement {engagement.id}'s window ended at {engagement.ends_at.isoformat()}",
            where="engagement_id",
            hint="reject it; the organization can request a new window",
        )
    _check_still_verified(session, engagement)
    return _decide(session, clock, actor, engagement, EngagementStatus.APPROVED, text)


def reject_engagement(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId,
    engagement_id: str,
    reason: str,
) -> Engagement:
    """Reject a requested engagement, saying why."""
    text = _text(reason, "reason")
    engagement = _in_state(session, org_id, engagement_id, (EngagementStatus.REQUESTED,))
    return _decide(session, clock, actor, engagement, EngagementStatus.REJECTED, text)


def cancel_engagement(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId,
    engagement_id: str,
    reason: str | None = None,
) -> Engagement:
    """Cancel a requested or approved engagement; it allows nothing from then on."""
    text = None if reason is None else _text(reason, "reason")
    engagement = _in_state(session, org_id, engagement_id, _OPEN)
    updated = repo.set_engagement_status(session, org_id, engagement.id, EngagementStatus.CANCELLED)
    _record(
        session,
        clock,
        actor,
        "engagements.cancelled",
        updated,
        reason=text,
        previous=engagement.status.value,
    )
    return updated


def get_engagement(session: Session, org_id: OrgId, engagement_id: str) -> Engagement:
    """The organization's engagement; EngagementNotFoundError if it has none with this id."""
    engagement = repo.get_engagement(session, org_id, engagement_id)
    if engagement is None:
        raise EngagementNotFoundError(
            f"no engagement {engagement_id} in this organization", where="engagement_id"
        )
    return engagement


def list_engagements(
    session: Session, org_id: OrgId, *, status: EngagementStatus | None = None
) -> list[Engagement]:
    """The organization's engagements, most recently requested first."""
    return repo.list_engagements(session, org_id, status=status)


def engagement_allows(
    session: Session,
    org_id: OrgId,
    engagement_id: str,
    asset_id: str | None,
    at: dt.datetime,
) -> tuple[bool, str]:
    """Whether the engagement covers acting at ``at`` (on ``asset_id``), and why (for the gate).

    Allowed only when the engagement is the organization's, approved, open at ``at``,
    and — when an asset is named — the asset is in its scope and still verified.
    """
    at = utc(at)
    engagement = repo.get_engagement(session, org_id, engagement_id)
    if engagement is None:
        return False, f"engagement {engagement_id} is not an engagement of organization {org_id}"
    if engagement.status is not EngagementStatus.APPROVED:
        return False, f"engagement {engagement.id} is {engagement.status.value}, not approved"
    if not engagement.is_open_at(at):
        return False, (
            f"engagement {engagement.id} runs from {engagement.starts_at.isoformat()} "
            f"to {engagement.ends_at.isoformat()}, not at {at.isoformat()}"
        )
    if asset_id is None:
        return True, f"engagement {engagement.id} is approved and open"
    if asset_id not in engagement.asset_ids:
        return False, f"asset {asset_id} is not in the scope of engagement {engagement.id}"
    asset = repo.get_asset(session, org_id, asset_id)
    if asset is None or not asset.is_verified:
        return False, f"asset {asset_id} is in scope but its ownership is no longer verified"
    return True, f"engagement {engagement.id} is approved, open, and covers asset {asset_id}"


def _text(value: str, where: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidEngagementError(f"the {where} cannot be empty", where=where)
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidEngagementError(
            f"the {where} is at most {MAX_TEXT_CHARS} characters", where=where
        )
    return text


def _check_window(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> None:
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise InvalidEngagementError(
                "the window needs timezone-aware times",
                where=name,
                hint="give an ISO 8601 time with an offset, e.g. 2026-03-01T09:00:00Z",
            )
    if starts_at >= ends_at:
        raise InvalidEngagementError("the window must start before it ends", where="ends_at")
    if ends_at - starts_at > MAX_WINDOW:
        raise InvalidEngagementError(
            f"the window is longer than {MAX_WINDOW.days} days",
            where="ends_at",
            hint="split the work into several engagements",
        )
    if ends_at <= now:
        raise InvalidEngagementError(
            "the window lies entirely in the past",
            where="ends_at",
            hint="choose a window that ends in the future",
        )


def _check_scope(session: Session, org_id: OrgId, asset_ids: Iterable[str]) -> set[AssetId]:
    wanted = list(dict.fromkeys(asset_ids))
    if not wanted:
        raise InvalidEngagementError("the scope names no asset", where="asset_ids")
    if len(wanted) > MAX_SCOPE:
        raise InvalidEngagementError(
            f"the scope names more than {MAX_SCOPE} assets", where="asset_ids"
        )
    found = repo.get_assets(session, org_id, wanted)
    for position, asset_id in enumerate(wanted):
        asset = found.get(AssetId(asset_id))
        if asset is None:
            raise AssetNotFoundError(
                f"no asset {asset_id} in this organization", where=f"asset_ids[{position}]"
            )
        _require_verified(asset, f"asset_ids[{position}]", InvalidEngagementError)
    return set(found)


def _require_verified(
    asset: Asset, where: str, error: type[InvalidEngagementError | EngagementStateError]
) -> None:
    if not asset.is_verified:
        raise error(
            f"asset {asset.id} ({asset.value}) is {asset.status.value}, not verified",
            where=where,
            hint="prove its ownership first, then ask again",
        )


def _check_still_verified(session: Session, engagement: Engagement) -> None:
    found = repo.get_assets(session, engagement.org_id, engagement.asset_ids)
    for asset_id in engagement.asset_ids:
        asset = found.get(asset_id)
        if asset is None:
            raise EngagementStateError(f"asset {asset_id} no longer exists", where="asset_ids")
        _require_verified(asset, "asset_ids", EngagementStateError)


def _in_state(
    session: Session, org_id: OrgId, engagement_id: str, allowed: tuple[EngagementStatus, ...]
) -> Engagement:
    engagement = get_engagement(session, org_id, engagement_id)
    if engagement.status not in allowed:
        names = " or ".join(status.value for status in allowed)
        raise EngagementStateError(
            f"engagement {engagement.id} is {engagement.status.value}; only a {names} "
            "engagement can do that",
            where="engagement_id",
        )
    return engagement


def _decide(
    session: Session,
    clock: Clock,
    actor: Principal,
    engagement: Engagement,
    status: EngagementStatus,
    reason: str,
) -> Engagement:
    updated = repo.decide_engagement(
        session,
        engagement.org_id,
        engagement.id,
        status=status,
        decided_by=actor.id,
        decided_at=clock.now(),
        reason=reason,
    )
    _record(session, clock, actor, f"engagements.{status.value}", updated, reason=reason)
    return updated


def _record(
    session: Session,
    clock: Clock,
    actor: Principal,
    action: str,
    engagement: Engagement,
    **extra: str | None,
) -> None:
    details: dict[str, object] = {
        "engagement_id": engagement.id,
        "status": engagement.status.value,
        "starts_at": engagement.starts_at.isoformat(),
        "ends_at": engagement.ends_at.isoformat(),
        "asset_ids": list(engagement.asset_ids),
    }
    details.update(extra)
    record(session, clock, action, actor=actor.label, org_id=engagement.org_id, details=details)
