"""Queries over hunts and alerts. Every function is scoped to one organization."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mamori.core.clock import utc
from mamori.core.ids import OrgId, new_id
from mamori.detection.models import Alert, Level
from mamori.detection.outputs.records import alert_record, clean_text, plain
from mamori.detection.stored import (
    HuntRecord,
    HuntStatus,
    Page,
    Position,
    ReadProblemInfo,
    RuleSetInfo,
    StoredAlert,
)
from mamori.detection.tables import AlertRow, HuntRow

_ALERT_KEY = ["org_id", "key"]


def text(value: str) -> str:
    """``value`` as both stores keep it: valid UTF-8, and no NUL (PostgreSQL refuses one)."""
    return clean_text(value).replace("\x00", "\\x00")


def _hunt_values(hunt: HuntRecord) -> dict[str, Any]:
    return {
        "status": hunt.status.value,
        "finished_at": hunt.finished_at,
        "sources": [text(name) for name in hunt.sources],
        "rule_count": hunt.rules.count,
        "rules_hash": hunt.rules.content_hash,
        "rule_problem_count": hunt.rules.problems,
        "event_count": hunt.events,
        "file_count": hunt.files,
        "alert_count": hunt.alerts,
        "new_alert_count": hunt.new_alerts,
        "level_counts": dict(hunt.levels),
        "read_problem_count": hunt.read_problem_count,
        "read_problems": [
            {"source": text(p.source), "location": text(p.location), "reason": text(p.reason)}
            for p in hunt.read_problems
        ],
        "error": None if hunt.error is None else text(hunt.error),
    }


def insert_hunt(session: Session, hunt: HuntRecord) -> None:
    """Store a new hunt of ``hunt.org_id``."""
    session.add(
        HuntRow(
            id=hunt.id,
            org_id=hunt.org_id,
            created_by=hunt.created_by,
            created_at=hunt.created_at,
            **_hunt_values(hunt),
        )
    )
    session.flush()


def update_hunt(session: Session, hunt: HuntRecord) -> None:
    """Write a hunt's outcome (status, counts, problems) onto the organization's hunt."""
    session.execute(
        update(HuntRow)
        .where(HuntRow.org_id == hunt.org_id, HuntRow.id == hunt.id)
        .values(**_hunt_values(hunt))
    )


def _hunt(row: HuntRow) -> HuntRecord:
    return HuntRecord(
        id=row.id,
        org_id=OrgId(row.org_id),
        status=HuntStatus(row.status),
        created_by=row.created_by,
        created_at=row.created_at,
        finished_at=row.finished_at,
        sources=tuple(row.sources),
        rules=RuleSetInfo(row.rule_count, row.rules_hash, row.rule_problem_count),
        events=row.event_count,
        files=row.file_count,
        alerts=row.alert_count,
        new_alerts=row.new_alert_count,
        levels=dict(row.level_counts),
        read_problem_count=row.read_problem_count,
        read_problems=tuple(ReadProblemInfo(**item) for item in row.read_problems),
        error=row.error,
    )


def get_hunt(session: Session, org_id: OrgId, hunt_id: str) -> HuntRecord | None:
    """The organization's hunt with this id, or None."""
    query = select(HuntRow).where(HuntRow.org_id == org_id, HuntRow.id == hunt_id)
    row = session.scalars(query).one_or_none()
    return None if row is None else _hunt(row)


def hunt_by(session: Session, org_id: OrgId, created_by: str) -> HuntRecord | None:
    """The organization's first hunt started by ``created_by`` (a principal's label), or None."""
    query = (
        select(HuntRow)
        .where(HuntRow.org_id == org_id, HuntRow.created_by == created_by)
        .order_by(HuntRow.created_at, HuntRow.id)
        .limit(1)
    )
    row = session.scalars(query).first()
    return None if row is None else _hunt(row)


def list_hunts(
    session: Session, org_id: OrgId, *, limit: int, after: Position | None = None
) -> Page[HuntRecord]:
    """The organization's hunts, newest first, ``limit`` at a time after ``after``."""
    query = select(HuntRow).where(HuntRow.org_id == org_id)
    if after is not None and after[0] is not None:
        created, last = after
        query = query.where(
            or_(
                HuntRow.created_at < created,
                and_(HuntRow.created_at == created, HuntRow.id < last),
            )
        )
    query = query.order_by(HuntRow.created_at.desc(), HuntRow.id.desc()).limit(limit + 1)
    rows = list(session.scalars(query))
    hunts = tuple(_hunt(row) for row in rows[:limit])
    more = len(rows) > limit
    return Page(hunts, (hunts[-1].created_at, hunts[-1].id) if more else None)


def insert_alerts(
    session: Session, org_id: OrgId, hunt_id: str, alerts: Sequence[Alert], at: dt.datetime
) -> int:
    """Store the alerts the organization does not hold yet (by key); how many were new.

    ``ON CONFLICT DO NOTHING`` rather than a check first: two hunts storing the same alert
    at once must not fail the second one's transaction.
    """
    if not alerts:
        return 0
    rows = [_alert_values(org_id, hunt_id, alert, at) for alert in alerts]
    statement: postgresql.Insert | sqlite.Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(AlertRow).on_conflict_do_nothing(index_elements=_ALERT_KEY)
    else:
        statement = sqlite.insert(AlertRow).on_conflict_do_nothing(index_elements=_ALERT_KEY)
    return len(session.scalars(statement.returning(AlertRow.key), rows).all())


def _alert_values(org_id: OrgId, hunt_id: str, alert: Alert, at: dt.datetime) -> dict[str, Any]:
    return {
        "id": new_id("alr"),
        "org_id": org_id,
        "hunt_id": hunt_id,
        "key": alert.key,
        "rule_id": text(alert.rule_id),
        "title": text(alert.title),
        "level": alert.level.label,
        "tags": [text(tag) for tag in alert.tags],
        "tactics": [text(tactic) for tactic in alert.attack.tactics],
        "techniques": [text(technique) for technique in alert.attack.techniques],
        "source_file": text(alert.source_file),
        "record_id": alert.record_id,
        "timestamp": None if alert.timestamp is None else utc(alert.timestamp),
        "host": None if alert.host is None else text(alert.host),
        "event": plain(alert.event),
        "raw": None if alert.raw is None else text(alert.raw),
        "correlation": alert.correlation,
        "created_at": at,
    }


def list_alerts(
    session: Session,
    org_id: OrgId,
    hunt_id: str,
    *,
    limit: int,
    after: Position | None = None,
    level: Level | None = None,
    rule_id: str | None = None,
) -> Page[StoredAlert]:
    """The alerts a hunt of the organization stored, by event time then id (timeless last)."""
    query = select(AlertRow).where(AlertRow.org_id == org_id, AlertRow.hunt_id == hunt_id)
    if level is not None:
        query = query.where(AlertRow.level == level.label)
    if rule_id is not None:
        query = query.where(AlertRow.rule_id == rule_id)
    if after is not None:
        query = query.where(_after(after))
    timeless = AlertRow.timestamp.is_(None)
    query = query.order_by(timeless, AlertRow.timestamp, AlertRow.id).limit(limit + 1)
    rows = list(session.scalars(query))
    shown = rows[:limit]
    more = len(rows) > limit
    return Page(tuple(_stored(row) for row in shown), _position(shown[-1]) if more else None)


def _after(position: Position) -> ColumnElement[bool]:
    """Rows after ``position`` in (timeless, timestamp, id) order."""
    moment, last = position
    if moment is None:
        return and_(AlertRow.timestamp.is_(None), AlertRow.id > last)
    later = or_(AlertRow.timestamp > moment, and_(AlertRow.timestamp == moment, AlertRow.id > last))
    return or_(and_(AlertRow.timestamp.is_not(None), later), AlertRow.timestamp.is_(None))


def _position(row: AlertRow) -> Position:
    return (row.timestamp, row.id)


def _stored(row: AlertRow) -> StoredAlert:
    alert = Alert(
        rule_id=row.rule_id,
        title=row.title,
        level=Level.parse(row.level),
        tags=tuple(row.tags),
        source_file=row.source_file,
        record_id=row.record_id,
        timestamp=row.timestamp,
        host=row.host,
        event=row.event,
        raw=row.raw,
        correlation=row.correlation,
    )
    # The stored key, not one worked out again: a correlation alert's key hashes its event,
    # whose JSON form may differ from the object it was made from.
    record = alert_record(alert) | {"id": row.id, "hunt_id": row.hunt_id, "key": row.key}
    return StoredAlert(row.id, row.hunt_id, row.key, record)
