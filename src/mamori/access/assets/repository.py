"""Queries over assets and engagements. Every function is scoped to one organization."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mamori.access.assets.models import Asset, Engagement
from mamori.access.models import AssetKind, AssetStatus, EngagementStatus, ProofMethod
from mamori.access.tables import AssetRow, EngagementAssetRow, EngagementRow, OrganizationRow
from mamori.core.ids import AssetId, EngagementId, OrgId


def organization_exists(session: Session, org_id: OrgId) -> bool:
    """Whether the organization exists (its assets need it to)."""
    query = select(OrganizationRow.id).where(OrganizationRow.id == org_id)
    return session.scalars(query).first() is not None


def _asset(row: AssetRow) -> Asset:
    return Asset(
        id=AssetId(row.id),
        org_id=OrgId(row.org_id),
        kind=AssetKind(row.kind),
        value=row.value,
        proof_method=ProofMethod(row.proof_method),
        challenge_token=row.challenge_token,
        status=AssetStatus(row.status),
        verified_at=row.verified_at,
        last_checked_at=row.last_checked_at,
        last_error=row.last_error,
        created_at=row.created_at,
    )


def _asset_row(session: Session, org_id: OrgId, asset_id: str) -> AssetRow | None:
    query = select(AssetRow).where(AssetRow.org_id == org_id, AssetRow.id == asset_id)
    return session.scalars(query).one_or_none()


def insert_asset(session: Session, asset: Asset) -> bool:
    """Store a new asset; False (and nothing stored) if the organization already has it."""
    row = AssetRow(
        id=asset.id,
        org_id=asset.org_id,
        kind=asset.kind.value,
        value=asset.value,
        proof_method=asset.proof_method.value,
        challenge_token=asset.challenge_token,
        status=asset.status.value,
        verified_at=asset.verified_at,
        last_checked_at=asset.last_checked_at,
        last_error=asset.last_error,
        created_at=asset.created_at,
    )
    # A savepoint, so that losing a race to a concurrent duplicate leaves the caller's
    # transaction usable.
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def get_asset(session: Session, org_id: OrgId, asset_id: str) -> Asset | None:
    """The organization's asset with this id, or None."""
    row = _asset_row(session, org_id, asset_id)
    return None if row is None else _asset(row)


def find_asset(session: Session, org_id: OrgId, kind: AssetKind, value: str) -> Asset | None:
    """The organization's asset of ``kind`` with this normalized value, or None."""
    query = select(AssetRow).where(
        AssetRow.org_id == org_id, AssetRow.kind == kind.value, AssetRow.value == value
    )
    row = session.scalars(query).one_or_none()
    return None if row is None else _asset(row)


def list_assets(
    session: Session,
    org_id: OrgId,
    *,
    kind: AssetKind | None = None,
    status: AssetStatus | None = None,
) -> list[Asset]:
    """The organization's assets, oldest first, optionally of one kind or status."""
    query = select(AssetRow).where(AssetRow.org_id == org_id)
    if kind is not None:
        query = query.where(AssetRow.kind == kind.value)
    if status is not None:
        query = query.where(AssetRow.status == status.value)
    query = query.order_by(AssetRow.created_at, AssetRow.id)
    return [_asset(row) for row in session.scalars(query)]


def get_assets(session: Session, org_id: OrgId, asset_ids: Collection[str]) -> dict[AssetId, Asset]:
    """Those of ``asset_ids`` that are the organization's assets, by id."""
    if not asset_ids:
        return {}
    query = select(AssetRow).where(AssetRow.org_id == org_id, AssetRow.id.in_(asset_ids))
    return {AssetId(row.id): _asset(row) for row in session.scalars(query)}


def record_check(
    session: Session,
    org_id: OrgId,
    asset_id: AssetId,
    *,
    method: ProofMethod,
    status: AssetStatus,
    checked_at: dt.datetime,
    error: str | None,
) -> Asset:
    """Write the outcome of an ownership check onto the organization's asset."""
    row = _asset_row(session, org_id, asset_id)
    if row is None:
        raise LookupError(asset_id)
    row.proof_method = method.value
    row.status = status.value
    row.last_checked_at = checked_at
    row.last_error = error
    if status is AssetStatus.VERIFIED:
        row.verified_at = checked_at
    session.flush()
    return _asset(row)


def _engagement(row: EngagementRow, asset_ids: tuple[AssetId, ...]) -> Engagement:
    return Engagement(
        id=EngagementId(row.id),
        org_id=OrgId(row.org_id),
        purpose=row.purpose,
        status=EngagementStatus(row.status),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        asset_ids=asset_ids,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )


def _engagement_row(session: Session, org_id: OrgId, engagement_id: str) -> EngagementRow | None:
    query = select(EngagementRow).where(
        EngagementRow.org_id == org_id, EngagementRow.id == engagement_id
    )
    return session.scalars(query).one_or_none()


def _scopes(session: Session, org_id: OrgId, ids: list[str]) -> dict[str, tuple[AssetId, ...]]:
    query = (
        select(EngagementAssetRow.engagement_id, EngagementAssetRow.asset_id)
        .join(EngagementRow, EngagementRow.id == EngagementAssetRow.engagement_id)
        .where(EngagementRow.org_id == org_id, EngagementAssetRow.engagement_id.in_(ids))
        .order_by(EngagementAssetRow.asset_id)
    )
    scopes: dict[str, list[AssetId]] = {engagement_id: [] for engagement_id in ids}
    for engagement_id, asset_id in session.execute(query):
        scopes[engagement_id].append(AssetId(asset_id))
    return {engagement_id: tuple(assets) for engagement_id, assets in scopes.items()}


def insert_engagement(session: Session, engagement: Engagement) -> None:
    """Store a new engagement and its scope."""
    session.add(
        EngagementRow(
            id=engagement.id,
            org_id=engagement.org_id,
            purpose=engagement.purpose,
            status=engagement.status.value,
            starts_at=engagement.starts_at,
            ends_at=engagement.ends_at,
            requested_by=engagement.requested_by,
            requested_at=engagement.requested_at,
            decided_by=engagement.decided_by,
            decided_at=engagement.decided_at,
            decision_reason=engagement.decision_reason,
        )
    )
    # The parent row first, so that the scope's foreign keys hold on every backend.
    session.flush()
    session.add_all(
        EngagementAssetRow(engagement_id=engagement.id, asset_id=asset_id)
        for asset_id in engagement.asset_ids
    )
    session.flush()


def get_engagement(session: Session, org_id: OrgId, engagement_id: str) -> Engagement | None:
    """The organization's engagement with this id, or None."""
    row = _engagement_row(session, org_id, engagement_id)
    if row is None:
        return None
    return _engagement(row, _scopes(session, org_id, [row.id])[row.id])


def list_engagements(
    session: Session, org_id: OrgId, *, status: EngagementStatus | None = None
) -> list[Engagement]:
    """The organization's engagements, most recently requested first."""
    query = select(EngagementRow).where(EngagementRow.org_id == org_id)
    if status is not None:
        query = query.where(EngagementRow.status == status.value)
    rows = list(
        session.scalars(query.order_by(EngagementRow.requested_at.desc(), EngagementRow.id))
    )
    scopes = _scopes(session, org_id, [row.id for row in rows])
    return [_engagement(row, scopes[row.id]) for row in rows]


def decide_engagement(
    session: Session,
    org_id: OrgId,
    engagement_id: EngagementId,
    *,
    status: EngagementStatus,
    decided_by: str,
    decided_at: dt.datetime,
    reason: str,
) -> Engagement:
    """Record an operator's decision on the organization's engagement."""
    row = _engagement_row(session, org_id, engagement_id)
    if row is None:
        raise LookupError(engagement_id)
    row.status = status.value
    row.decided_by = decided_by
    row.decided_at = decided_at
    row.decision_reason = reason
    session.flush()
    return _engagement(row, _scopes(session, org_id, [row.id])[row.id])


def set_engagement_status(
    session: Session, org_id: OrgId, engagement_id: EngagementId, status: EngagementStatus
) -> Engagement:
    """Move the organization's engagement to ``status``, keeping any earlier decision."""
    row = _engagement_row(session, org_id, engagement_id)
    if row is None:
        raise LookupError(engagement_id)
    row.status = status.value
    session.flush()
    return _engagement(row, _scopes(session, org_id, [row.id])[row.id])
