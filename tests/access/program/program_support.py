"""Helpers for the program's tests: a valid application, program staff, the log, row counts."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import func, select

from mamori.access.models import Principal, PrincipalKind, Role, Tier
from mamori.access.program.models import ApplicationRequest, EvidenceFile
from mamori.audit.models import Entry
from mamori.audit.service import list_entries
from mamori.store.engine import Database

PASSWORD = "kobe harbour lights at dusk"
OPERATOR = Principal(
    kind=PrincipalKind.USER, id="usr_" + "0" * 32, roles=frozenset({Role.OPERATOR})
)
PDF = EvidenceFile("licence.pdf", "application/pdf", b"%PDF-1.7\n% banking licence\n%%EOF\n")
PNG = EvidenceFile("seal.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)


def application(name: str = "Shinkin Bank of Kobe", **changes: Any) -> ApplicationRequest:
    """A valid application; ``changes`` replace any of its fields."""
    request = ApplicationRequest(
        organization_name=name,
        country="jp",
        regulator_registration="FSA-KINKI-0042",
        contact_name="Haruka Sato",
        contact_email="security@kobe-shinkin.example",
        requested_tier=Tier.TRUSTED,
        scope_statement="Detection on our SOC logs and red-team emulation of our branch network.",
        admin_email="admin@kobe-shinkin.example",
        admin_display_name="Haruka Sato",
        admin_password=PASSWORD,
        evidence=(PDF, PNG),
    )
    return dataclasses.replace(request, **changes)


def log_entries(database: Database, action: str | None = None) -> list[Entry]:
    """Every entry of the transparency log, or those of one action."""
    with database.session() as session:
        entries = list_entries(session, org_id=None, start=0, limit=1000)
    return [entry for entry in entries if action is None or entry.action == action]


def count_rows(database: Database, table: type) -> int:
    """How many rows ``table`` has."""
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)
