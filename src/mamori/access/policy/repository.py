"""The facts the gate reads for one decision; read-only.

Unlike the program's other repositories, these reads are not scoped to the caller's
organization: the gate must learn who really owns an asset or engagement in order to
deny a caller from another organization (the ``forbid-cross-organization`` policy).

Everything one decision needs comes from one statement, built once and run on the
session's connection: the principal's organization, the asset (and whether the named
engagement covers it), the engagement, the organization's own quota for the capability,
and the emergency stops in force that could halt it. It is a chain of outer joins from
a one-row anchor, each on a primary key, so it returns one row, or one per stop in
force; the stops come from the database on every decision, so a stop set by any
process halts the very next request.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, literal_column, or_, select
from sqlalchemy.orm import Session

from mamori.access.capabilities import QuotaLimit, limit_in_force
from mamori.access.models import AssetStatus, OrgStatus, Principal, Resource, Tier
from mamori.access.policy.models import AssetFacts, EngagementFacts, Facts, OrgFacts
from mamori.access.tables import (
    AssetRow,
    EmergencyStopRow,
    EngagementAssetRow,
    EngagementRow,
    OrganizationRow,
    QuotaRow,
)

_TIERS = {tier.value: tier for tier in Tier}

_ORG = cast(Table, OrganizationRow.__table__).alias("principal_org")
_ASSET = cast(Table, AssetRow.__table__).alias("asset")
_SCOPE = cast(Table, EngagementAssetRow.__table__).alias("engagement_scope")
_ENGAGEMENT = cast(Table, EngagementRow.__table__).alias("engagement")
_QUOTA = cast(Table, QuotaRow.__table__).alias("quota")
_STOP = cast(Table, EmergencyStopRow.__table__).alias("stop")
_ANCHOR = select(literal_column("1").label("one")).subquery("anchor")

# The organizations a stop may name to halt this decision: the principal's, the one the
# request names, and the ones that really own the asset and the engagement.
_STOP_ORGS: tuple[ColumnElement[Any], ...] = (
    bindparam("principal_org"),
    bindparam("resource_org"),
    _ASSET.c.org_id,
    _ENGAGEMENT.c.org_id,
)

_FACTS = select(
    _ORG.c.tier.label("org_tier"),
    _ORG.c.status.label("org_status"),
    _ASSET.c.org_id.label("asset_org"),
    _ASSET.c.status.label("asset_status"),
    _SCOPE.c.engagement_id.label("asset_engagement"),
    _ENGAGEMENT.c.org_id.label("engagement_org"),
    _ENGAGEMENT.c.status.label("engagement_status"),
    _ENGAGEMENT.c.starts_at.label("engagement_starts_at"),
    _ENGAGEMENT.c.ends_at.label("engagement_ends_at"),
    _QUOTA.c.limit.label("quota_limit"),
    _QUOTA.c.window_seconds.label("quota_window"),
    _STOP.c.scope.label("stop_scope"),
    _STOP.c.org_id.label("stop_org"),
    _STOP.c.capability.label("stop_capability"),
).select_from(
    _ANCHOR.outerjoin(_ORG, _ORG.c.id == bindparam("principal_org"))
    .outerjoin(_ASSET, _ASSET.c.id == bindparam("asset_id"))
    .outerjoin(
        _SCOPE,
        and_(
            _SCOPE.c.asset_id == _ASSET.c.id,
            _SCOPE.c.engagement_id == bindparam("engagement_id"),
        ),
    )
    .outerjoin(_ENGAGEMENT, _ENGAGEMENT.c.id == bindparam("engagement_id"))
    .outerjoin(
        _QUOTA,
        and_(
            _QUOTA.c.org_id == bindparam("principal_org"),
            _QUOTA.c.capability == bindparam("capability"),
        ),
    )
    .outerjoin(
        _STOP,
        and_(
            _STOP.c.lifted_at.is_(None),
            or_(_STOP.c.org_id.is_(None), _STOP.c.org_id.in_(_STOP_ORGS)),
            or_(_STOP.c.capability.is_(None), _STOP.c.capability == bindparam("capability")),
        ),
    )
)


def read_facts(
    session: Session, principal: Principal, capability: str, resource: Resource
) -> Facts:
    """What the database says now about the principal's organization, the resource, the
    quota limit in force and the stops that could halt ``capability`` (the quota's use is
    counted separately)."""
    params = {
        "principal_org": principal.org_id,
        "resource_org": resource.org_id,
        "asset_id": resource.asset_id,
        "engagement_id": resource.engagement_id,
        "capability": capability,
    }
    rows = session.connection().execute(_FACTS, params).all()
    first = rows[0]
    stops = sorted(
        (row.stop_scope, row.stop_org or "", row.stop_capability or "")
        for row in rows
        if row.stop_scope is not None
    )
    return Facts(
        principal_org=_organization(principal.org_id, first),
        asset=_asset(resource, first),
        engagement=_engagement(resource.engagement_id, first),
        stops=tuple(stops),
        quota=None,
        limit=_limit(principal.org_id, capability, first),
    )


def _organization(org_id: str | None, row: Any) -> OrgFacts | None:
    if org_id is None or row.org_status is None:
        return None
    return OrgFacts(org_id, _TIERS.get(row.org_tier), row.org_status == OrgStatus.ACTIVE.value)


def _asset(resource: Resource, row: Any) -> AssetFacts | None:
    if resource.asset_id is None or row.asset_org is None:
        return None
    verified = row.asset_status == AssetStatus.VERIFIED.value
    return AssetFacts(resource.asset_id, row.asset_org, verified, row.asset_engagement is not None)


def _engagement(engagement_id: str | None, row: Any) -> EngagementFacts | None:
    if engagement_id is None or row.engagement_org is None:
        return None
    return EngagementFacts(
        engagement_id,
        row.engagement_org,
        row.engagement_status,
        row.engagement_starts_at,
        row.engagement_ends_at,
    )


def _limit(org_id: str | None, capability: str, row: Any) -> QuotaLimit | None:
    """The organization's own limit, else the capability's default; None without an
    organization, since quotas count an organization's uses."""
    if org_id is None:
        return None
    own = None if row.quota_limit is None else QuotaLimit(row.quota_limit, row.quota_window)
    return limit_in_force(capability, own)
