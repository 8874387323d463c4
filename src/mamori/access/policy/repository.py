"""The facts the gate reads for one decision; read-only.

Unlike the program's other repositories, these reads are not scoped to the caller's
organization: the gate must learn who really owns an asset or engagement in order to
deny a caller from another organization (the ``forbid-cross-organization`` policy).

Everything one decision needs comes from one statement, built once and run on the
session's connection: the principal's organization, the asset (and whether the named
engagement covers it), the engagement, the organization's own quota for the capability
and its uses in the current window, and the emergency stops in force that could halt
it. It is a chain of outer joins from a one-row anchor, each on a primary key, so it
returns one row, or one per stop in force; the stops come from the database on every
decision, so a stop set by any process halts the very next request.

The statement is compiled once per database dialect and run on the driver's cursor in
the session's transaction, with bound parameters: SQLAlchemy's per-statement
machinery costs several times what the database does for this primary-key lookup,
and the gate runs it on every decision. Only the two timestamps need converting, with
the column type's own result processor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Table,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from mamori.access.capabilities import CAPABILITIES, QuotaLimit, limit_in_force
from mamori.access.control.models import QuotaUsage, window_start
from mamori.access.models import AssetStatus, OrgStatus, Principal, Resource, Tier
from mamori.access.policy.models import AssetFacts, EngagementFacts, Facts, OrgFacts
from mamori.access.tables import (
    AssetRow,
    EmergencyStopRow,
    EngagementAssetRow,
    EngagementRow,
    OrganizationRow,
    QuotaRow,
    UsageRow,
)
from mamori.core.ids import OrgId

_TIERS = {tier.value: tier for tier in Tier}

_ORG = cast(Table, OrganizationRow.__table__).alias("principal_org")
_ASSET = cast(Table, AssetRow.__table__).alias("asset")
_SCOPE = cast(Table, EngagementAssetRow.__table__).alias("engagement_scope")
_ENGAGEMENT = cast(Table, EngagementRow.__table__).alias("engagement")
_QUOTA = cast(Table, QuotaRow.__table__).alias("quota")
_STOP = cast(Table, EmergencyStopRow.__table__).alias("stop")
_USAGE = cast(Table, UsageRow.__table__).alias("usage")
_ANCHOR = select(literal_column("1").label("one")).subquery("anchor")

# The organizations a stop may name to halt this decision: the principal's, the one the
# request names, and the ones that really own the asset and the engagement.
_STOP_ORGS: tuple[ColumnElement[Any], ...] = (
    bindparam("principal_org"),
    bindparam("resource_org"),
    _ASSET.c.org_id,
    _ENGAGEMENT.c.org_id,
)

# The start of the quota window that holds ``now``, in SQL: the window is the
# organization's own (from the quota row) or else the capability's default.
_NOW = bindparam("now", type_=BigInteger)
_WINDOW = func.coalesce(_QUOTA.c.window_seconds, bindparam("default_window", type_=Integer))
_WINDOW_START = _NOW - _NOW % _WINDOW

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
    _USAGE.c.count.label("usage_count"),
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
        _USAGE,
        and_(
            _USAGE.c.org_id == bindparam("principal_org"),
            _USAGE.c.capability == bindparam("capability"),
            _USAGE.c.window_start == _WINDOW_START,
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


class _Row(NamedTuple):
    """One row of ``_FACTS``, its columns in the same order."""

    org_tier: str | None
    org_status: str | None
    asset_org: str | None
    asset_status: str | None
    asset_engagement: str | None
    engagement_org: str | None
    engagement_status: str | None
    engagement_starts_at: Any
    engagement_ends_at: Any
    quota_limit: int | None
    quota_window: int | None
    usage_count: int | None
    stop_scope: str | None
    stop_org: str | None
    stop_capability: str | None


Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Compiled:
    """``_FACTS`` in one dialect's SQL, how to bind its parameters, and the result
    processor of its timestamp columns."""

    sql: str
    positions: tuple[str, ...] | None  # parameter order, for drivers that bind by position
    timestamp: Processor | None

    def bind(self, params: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters: by position or by name, as its paramstyle wants."""
        if self.positions is None:
            return params
        return tuple(params[name] for name in self.positions)


_COMPILED: dict[tuple[str, str, str], _Compiled] = {}


def _compiled(dialect: Dialect) -> _Compiled:
    key = (dialect.name, dialect.driver, dialect.paramstyle)
    found = _COMPILED.get(key)
    if found is None:
        compiled = _FACTS.compile(dialect=dialect)
        column_type = _ENGAGEMENT.c.starts_at.type
        processor = column_type.dialect_impl(dialect).result_processor(dialect, None)
        positions = tuple(compiled.positiontup or ()) if compiled.positional else None
        found = _COMPILED[key] = _Compiled(str(compiled), positions, processor)
    return found


def _fetch(session: Session, params: dict[str, Any]) -> tuple[list[_Row], Processor]:
    """The rows of ``_FACTS``, and how to read their timestamps."""
    connection = session.connection()  # begins the session's transaction if it has not
    compiled = _compiled(connection.dialect)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.sql, compiled.bind(params))
        rows = [_Row._make(row) for row in cursor.fetchall()]
    finally:
        cursor.close()
    return rows, compiled.timestamp or _unchanged


def _unchanged(value: Any) -> Any:
    return value


def read_facts(
    session: Session,
    principal: Principal,
    capability: str,
    resource: Resource,
    *,
    now: dt.datetime,
) -> Facts:
    """What the database says at ``now`` about the principal's organization, the resource,
    the quota in force and its uses so far in the current window, and the stops that could
    halt ``capability``."""
    default = CAPABILITIES[capability].default_quota if capability in CAPABILITIES else None
    params = {
        "principal_org": principal.org_id,
        "resource_org": resource.org_id,
        "asset_id": resource.asset_id,
        "engagement_id": resource.engagement_id,
        "capability": capability,
        "now": int(now.timestamp()),
        "default_window": None if default is None else default.window_seconds,
    }
    rows, timestamp = _fetch(session, params)
    first = rows[0]
    stops = sorted(
        (row.stop_scope, row.stop_org or "", row.stop_capability or "")
        for row in rows
        if row.stop_scope is not None
    )
    limit = _limit(principal.org_id, capability, first)
    return Facts(
        principal_org=_organization(principal.org_id, first),
        asset=_asset(resource, first),
        engagement=_engagement(resource.engagement_id, first, timestamp),
        stops=tuple(stops),
        quota=_usage(principal.org_id, capability, limit, first, now),
        limit=limit,
    )


def _organization(org_id: str | None, row: _Row) -> OrgFacts | None:
    if org_id is None or row.org_status is None:
        return None
    active = row.org_status == OrgStatus.ACTIVE.value
    return OrgFacts(org_id, _TIERS.get(row.org_tier or ""), active)


def _asset(resource: Resource, row: _Row) -> AssetFacts | None:
    if resource.asset_id is None or row.asset_org is None:
        return None
    verified = row.asset_status == AssetStatus.VERIFIED.value
    return AssetFacts(resource.asset_id, row.asset_org, verified, row.asset_engagement is not None)


def _engagement(
    engagement_id: str | None, row: _Row, timestamp: Processor
) -> EngagementFacts | None:
    if engagement_id is None or row.engagement_org is None:
        return None
    return EngagementFacts(
        engagement_id,
        row.engagement_org,
        str(row.engagement_status),
        timestamp(row.engagement_starts_at),
        timestamp(row.engagement_ends_at),
    )


def _limit(org_id: str | None, capability: str, row: _Row) -> QuotaLimit | None:
    """The organization's own limit, else the capability's default; None without an
    organization, since quotas count an organization's uses."""
    if org_id is None:
        return None
    own = None
    if row.quota_limit is not None and row.quota_window is not None:
        own = QuotaLimit(row.quota_limit, row.quota_window)
    return limit_in_force(capability, own)


def _usage(
    org_id: str | None, capability: str, limit: QuotaLimit | None, row: _Row, now: dt.datetime
) -> QuotaUsage | None:
    """Where the organization stands in the current window (uses before this request)."""
    if org_id is None or limit is None:
        return None
    start = window_start(now, limit.window_seconds)
    used = row.usage_count or 0
    return QuotaUsage(OrgId(org_id), capability, limit.limit, limit.window_seconds, start, used)
