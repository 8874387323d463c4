"""Queries over emergency stops, quotas and usage counters.

The gate's own facts query (``access.policy.repository``) also reads the stops and
quotas, read-only, in the one statement it runs per decision.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from mamori.access.control.models import EmergencyStop, QuotaOverride, StopId
from mamori.access.models import StopScope
from mamori.access.tables import EmergencyStopRow, OrganizationRow, QuotaRow, UsageRow
from mamori.core.ids import OrgId

_STOPS = cast(Table, EmergencyStopRow.__table__)
_QUOTAS = cast(Table, QuotaRow.__table__)
_USAGE = cast(Table, UsageRow.__table__)
_STOP_COLUMNS = tuple(_STOPS.columns)

_QUOTA = select(
    _QUOTAS.c.limit, _QUOTAS.c.window_seconds, _QUOTAS.c.set_by, _QUOTAS.c.set_at
).where(_QUOTAS.c.org_id == bindparam("org_id"), _QUOTAS.c.capability == bindparam("capability"))

# A Core statement built once: the gate takes a use back on every denied request that
# was counted, and the ORM's update path costs a millisecond or more per call.
_REMOVE_USAGE = (
    update(_USAGE)
    .where(
        _USAGE.c.org_id == bindparam("usage_org"),
        _USAGE.c.capability == bindparam("usage_capability"),
        _USAGE.c.window_start == bindparam("usage_window"),
    )
    .values(count=_USAGE.c.count - 1)
)


def add_stop(session: Session, stop: EmergencyStop) -> None:
    """Insert a new stop."""
    session.add(
        EmergencyStopRow(
            id=stop.id,
            scope=stop.scope.value,
            org_id=stop.org_id,
            capability=stop.capability,
            reason=stop.reason,
            set_by=stop.set_by,
            set_at=stop.set_at,
        )
    )
    session.flush()


def get_stop(session: Session, stop_id: str, *, for_update: bool = False) -> EmergencyStop | None:
    """The stop with this id, lifted or not."""
    query = select(*_STOP_COLUMNS).where(EmergencyStopRow.id == stop_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).first()
    return None if row is None else _stop(row)


def mark_lifted(session: Session, stop_id: str, *, by: str, at: dt.datetime, reason: str) -> bool:
    """Lift an active stop; False when it was already lifted (by a concurrent request)."""
    result = session.execute(
        update(EmergencyStopRow)
        .where(EmergencyStopRow.id == stop_id, EmergencyStopRow.lifted_at.is_(None))
        .values(lifted_by=by, lifted_at=at, lift_reason=reason)
    )
    return bool(getattr(result, "rowcount", 0))


def active_stops(session: Session) -> list[EmergencyStop]:
    """Every stop in force, oldest first."""
    rows = session.execute(
        select(*_STOP_COLUMNS)
        .where(EmergencyStopRow.lifted_at.is_(None))
        .order_by(EmergencyStopRow.set_at, EmergencyStopRow.id)
    )
    return [_stop(row) for row in rows]


def matching_stop(
    session: Session, scope: StopScope, org_id: str | None, capability: str | None
) -> EmergencyStop | None:
    """An active stop with exactly this scope, organization and capability, if one is in force."""
    row = session.execute(
        select(*_STOP_COLUMNS).where(
            EmergencyStopRow.lifted_at.is_(None),
            EmergencyStopRow.scope == scope.value,
            _is(EmergencyStopRow.org_id, org_id),
            _is(EmergencyStopRow.capability, capability),
        )
    ).first()
    return None if row is None else _stop(row)


def organization_exists(session: Session, org_id: str) -> bool:
    """Whether an organization with this id exists."""
    found = session.execute(select(OrganizationRow.id).where(OrganizationRow.id == org_id))
    return found.first() is not None


def get_quota(session: Session, org_id: str, capability: str) -> QuotaOverride | None:
    """The organization's own limit for ``capability``, if an operator set one."""
    params = {"org_id": org_id, "capability": capability}
    row = session.connection().execute(_QUOTA, params).first()
    return None if row is None else QuotaOverride(OrgId(org_id), capability, *row)


def list_quotas(session: Session, org_id: str) -> list[QuotaOverride]:
    """Every limit an operator set for this organization, by capability."""
    rows = session.scalars(
        select(QuotaRow).where(QuotaRow.org_id == org_id).order_by(QuotaRow.capability)
    )
    return [_quota(row) for row in rows]


def put_quota(session: Session, quota: QuotaOverride) -> None:
    """Create or replace the organization's limit for a capability."""
    row = session.get(QuotaRow, (quota.org_id, quota.capability))
    if row is None:
        row = QuotaRow(org_id=quota.org_id, capability=quota.capability)
        session.add(row)
    row.limit = quota.limit
    row.window_seconds = quota.window_seconds
    row.set_by = quota.set_by
    row.set_at = quota.set_at
    session.flush()


def delete_quota(session: Session, org_id: str, capability: str) -> bool:
    """Remove the organization's limit for a capability; False if it had none."""
    result = session.execute(
        delete(QuotaRow).where(QuotaRow.org_id == org_id, QuotaRow.capability == capability)
    )
    return bool(getattr(result, "rowcount", 0))


def add_usage(session: Session, org_id: str, capability: str, window_start: int) -> int:
    """Count one use in the window, atomically; the window's count including it.

    The upsert takes the counter's row lock, so concurrent requests of the same
    organization count one after the other instead of both reading the same total.
    """
    connection = session.connection()
    statement = _add_usage_statement(connection.dialect.name)
    params = {"org_id": org_id, "capability": capability, "window_start": window_start}
    return int(connection.execute(statement, params).scalar_one())


@functools.cache
def _add_usage_statement(dialect: str) -> Executable:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(_USAGE)
        .values(
            org_id=bindparam("org_id"),
            capability=bindparam("capability"),
            window_start=bindparam("window_start"),
            count=1,
        )
        .on_conflict_do_update(
            index_elements=[_USAGE.c.org_id, _USAGE.c.capability, _USAGE.c.window_start],
            set_={"count": _USAGE.c.count + 1},
        )
        .returning(_USAGE.c.count)
    )


def remove_usage(session: Session, org_id: str, capability: str, window_start: int) -> None:
    """Take back one use counted by :func:`add_usage` (the request was denied after all)."""
    params = {"usage_org": org_id, "usage_capability": capability, "usage_window": window_start}
    session.connection().execute(_REMOVE_USAGE, params)


def get_usage(session: Session, org_id: str, capability: str, window_start: int) -> int:
    """How many uses the window has counted so far."""
    count = session.scalar(
        select(UsageRow.count).where(
            UsageRow.org_id == org_id,
            UsageRow.capability == capability,
            UsageRow.window_start == window_start,
        )
    )
    return int(count or 0)


def _is(column: Any, value: str | None) -> Any:
    return column.is_(None) if value is None else column == value


def _stop(row: Row[Any] | Sequence[Any]) -> EmergencyStop:
    values = dict(zip((column.key for column in _STOP_COLUMNS), row, strict=True))
    return EmergencyStop(
        id=StopId(values["id"]),
        scope=StopScope(values["scope"]),
        org_id=OrgId(values["org_id"]) if values["org_id"] else None,
        capability=values["capability"],
        reason=values["reason"],
        set_by=values["set_by"],
        set_at=values["set_at"],
        lifted_by=values["lifted_by"],
        lifted_at=values["lifted_at"],
        lift_reason=values["lift_reason"],
    )


def _quota(row: QuotaRow) -> QuotaOverride:
    return QuotaOverride(
        org_id=OrgId(row.org_id),
        capability=row.capability,
        limit=row.limit,
        window_seconds=row.window_seconds,
        set_by=row.set_by,
        set_at=row.set_at,
    )
