"""Helpers for identity's tests: an organization to put people and keys in, the log's entries."""

from __future__ import annotations

from sqlalchemy import func, select

from mamori.access.models import Principal, PrincipalKind, Role
from mamori.access.tables import OrganizationRow
from mamori.audit.models import Entry
from mamori.audit.service import list_entries
from mamori.core.clock import FixedClock
from mamori.core.ids import OrgId, new_id
from mamori.store.engine import Database

PASSWORD = "correct horse battery staple"
ADMIN = Principal(kind=PrincipalKind.USER, id="usr_" + "a" * 32, roles=frozenset({Role.ORG_ADMIN}))
TTL = 3600


def add_org(database: Database, clock: FixedClock, name: str) -> OrgId:
    """An organization row, written directly: identity only needs one to exist."""
    org_id = new_id("org")
    with database.session() as session:
        session.add(
            OrganizationRow(
                id=org_id,
                name=name,
                country="JP",
                regulator_registration="FSA-1",
                contact_email="sec@example.org",
                tier="verified",
                status="active",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    return OrgId(org_id)


def log_entries(database: Database, action: str | None = None) -> list[Entry]:
    """Every entry of the transparency log, or those of one action."""
    with database.session() as session:
        entries = list_entries(session, org_id=None, start=0, limit=1000)
    return [entry for entry in entries if action is None or entry.action == action]


def count_rows(database: Database, table: type) -> int:
    """How many rows ``table`` has."""
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)
