"""The facts the gate reads for one decision; read-only.

Unlike the program's other repositories, these reads are not scoped to the caller's
organization: the gate must learn who really owns an asset or engagement in order to
deny a caller from another organization (the ``forbid-cross-organization`` policy).
The statements are built once and run on the session's connection, since they run on
every decision.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, select
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from mamori.access.control import repository as control
from mamori.access.models import AssetStatus, OrgStatus, Principal, Resource, Tier
from mamori.access.policy.models import AssetFacts, EngagementFacts, Facts, OrgFacts
from mamori.access.tables import (
    AssetRow,
    EngagementAssetRow,
    EngagementRow,
    OrganizationRow,
)

_TIERS = {tier.value: tier for tier in Tier}

_ORGS = cast(Table, OrganizationRow.__table__)
_ASSETS = cast(Table, AssetRow.__table__)
_SCOPES = cast(Table, EngagementAssetRow.__table__)
_ENGAGEMENTS = cast(Table, EngagementRow.__table__)

_ORGANIZATION = select(_ORGS.c.tier, _ORGS.c.status).where(_ORGS.c.id == bindparam("org_id"))
_ASSET = (
    select(_ASSETS.c.org_id, _ASSETS.c.status, _SCOPES.c.engagement_id)
    .outerjoin(
        _SCOPES,
        and_(
            _SCOPES.c.asset_id == _ASSETS.c.id,
            _SCOPES.c.engagement_id == bindparam("engagement_id"),
        ),
    )
    .where(_ASSETS.c.id == bindparam("asset_id"))
)
_ENGAGEMENT = select(
    _ENGAGEMENTS.c.org_id,
    _ENGAGEMENTS.c.status,
    _ENGAGEMENTS.c.starts_at,
    _ENGAGEMENTS.c.ends_at,
).where(_ENGAGEMENTS.c.id == bindparam("engagement_id"))


def read_facts(
    session: Session, principal: Principal, capability: str, resource: Resource
) -> Facts:
    """What the database says now about the principal's organization, the resource and the
    stops that could halt ``capability`` (the quota is counted separately)."""
    org = organization(session, principal.org_id) if principal.org_id else None
    asset = None
    if resource.asset_id:
        asset = asset_facts(session, resource.asset_id, resource.engagement_id)
    engagement = None
    if resource.engagement_id:
        engagement = engagement_facts(session, resource.engagement_id)
    org_ids: set[str] = {value for value in (principal.org_id, resource.org_id) if value}
    org_ids.update(found.org_id for found in (asset, engagement) if found is not None)
    stops = tuple(control.stops_in_force(session, sorted(org_ids), capability))
    return Facts(principal_org=org, asset=asset, engagement=engagement, stops=stops, quota=None)


def organization(session: Session, org_id: str) -> OrgFacts | None:
    """The organization's tier and whether it is active."""
    row = _run(session, _ORGANIZATION, org_id=org_id).first()
    if row is None:
        return None
    return OrgFacts(org_id, _TIERS.get(row.tier), row.status == OrgStatus.ACTIVE.value)


def asset_facts(session: Session, asset_id: str, engagement_id: str | None) -> AssetFacts | None:
    """The asset's organization and proof status, and whether the engagement covers it."""
    row = _run(session, _ASSET, asset_id=asset_id, engagement_id=engagement_id or "").first()
    if row is None:
        return None
    verified = row.status == AssetStatus.VERIFIED.value
    return AssetFacts(asset_id, row.org_id, verified, row.engagement_id is not None)


def engagement_facts(session: Session, engagement_id: str) -> EngagementFacts | None:
    """The engagement's organization, status and window."""
    row = _run(session, _ENGAGEMENT, engagement_id=engagement_id).first()
    if row is None:
        return None
    return EngagementFacts(engagement_id, row.org_id, row.status, row.starts_at, row.ends_at)


def _run(session: Session, statement: Executable, **params: Any) -> Result[Any]:
    return session.connection().execute(statement, params)
