"""Helpers for the hunt store's tests: organizations, principals, alerts made by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from mamori.access.models import Principal, PrincipalKind, Role
from mamori.access.tables import OrganizationRow
from mamori.audit.service import list_entries
from mamori.core.ids import OrgId, new_id
from mamori.detection.models import Alert, Level
from mamori.store.engine import Database

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Orgs:
    """Two organizations sharing one database."""

    a: OrgId
    b: OrgId


def make_org(database: Database, name: str) -> OrgId:
    """A real organization row (hunts reference it)."""
    org_id = OrgId(new_id("org"))
    with database.session() as session:
        session.add(
            OrganizationRow(
                id=org_id,
                name=name,
                country="JP",
                regulator_registration="FSA-1",
                contact_email=f"security@{name.lower()}.example",
                tier="verified",
                status="active",
                status_reason=None,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return org_id


def analyst(org_id: OrgId) -> Principal:
    """A user of ``org_id`` who hunts."""
    return Principal(PrincipalKind.USER, new_id("usr"), org_id, frozenset({Role.ANALYST}))


def entries(database: Database, org_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, actor, details) of each of the organization's log entries, oldest first."""
    with database.session() as session:
        found = list_entries(session, org_id=org_id, limit=1000)
        return [(entry.action, entry.actor, dict(entry.details)) for entry in found]


def alert(record_id: int, at: dt.datetime | None, **changes: Any) -> Alert:
    """A hand-made alert on record ``record_id`` of ``made.jsonl``."""
    fields: dict[str, Any] = {
        "rule_id": "11111111-2222-3333-4444-555555555555",
        "title": "Made by hand",
        "level": Level.HIGH,
        "tags": ("attack.execution", "attack.t1059.001"),
        "source_file": "made.jsonl",
        "record_id": record_id,
        "timestamp": at,
        "host": "FIN-WS-014",
        "event": {"EventID": "1", "Image": "C:\\Windows\\System32\\cmd.exe"},
        "raw": f'{{"record": {record_id}}}',
    }
    fields.update(changes)
    return Alert(**fields)
