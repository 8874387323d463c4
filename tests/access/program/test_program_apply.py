"""Applying for verification: what it creates, and what it refuses without writing anything."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from program_support import PASSWORD, PDF, PNG, application, count_rows, log_entries
from sqlalchemy import func, select

from mamori.access.identity import service as identity
from mamori.access.models import ANONYMOUS, ApplicationState, OrgStatus, Role, Tier
from mamori.access.program import service as program
from mamori.access.program.models import MAX_EVIDENCE_BYTES, ApplicationReceipt, EvidenceFile
from mamori.access.tables import ApplicationRow, EvidenceRow, OrganizationRow, UserRow
from mamori.core.clock import FixedClock
from mamori.core.errors import ConflictError, InvalidInputError
from mamori.store.engine import Database

TABLES = (OrganizationRow, ApplicationRow, EvidenceRow, UserRow)


def test_applying_creates_the_organization_application_evidence_and_admin(
    database: Database, clock: FixedClock, applied: ApplicationReceipt
) -> None:
    org, app, admin = applied.organization, applied.application, applied.admin
    assert org.name == "Shinkin Bank of Kobe" and org.country == "JP"
    assert org.tier is Tier.REGISTERED and org.status is OrgStatus.ACTIVE
    assert app.org_id == org.id and app.state is ApplicationState.SUBMITTED
    assert app.requested_tier is Tier.TRUSTED and app.regulator_registration == "FSA-KINKI-0042"
    assert [(e.filename, e.media_type, e.size) for e in app.evidence] == [
        ("licence.pdf", "application/pdf", len(PDF.content)),
        ("seal.png", "image/png", len(PNG.content)),
    ]
    assert app.evidence[0].sha256 == hashlib.sha256(PDF.content).hexdigest()
    assert admin.org_id == org.id and admin.roles == {Role.ORG_ADMIN}
    with database.session() as session:
        stored = session.scalars(select(UserRow.password_hash)).one()
        downloaded = program.read_evidence(session, org.id, app.evidence[0].id)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert downloaded == PDF
    assert identity.login(database, clock, admin.email, PASSWORD, ttl_seconds=60)


def test_applying_is_audited_by_the_applicant(
    database: Database, applied: ApplicationReceipt
) -> None:
    submitted, created = log_entries(database)
    assert submitted.action == "program.application.submitted"
    assert submitted.actor == ANONYMOUS.label and submitted.org_id == applied.organization.id
    assert submitted.details["application_id"] == applied.application.id
    assert submitted.details["evidence"][1] == {
        "filename": "seal.png",
        "media_type": "image/png",
        "size": len(PNG.content),
        "sha256": hashlib.sha256(PNG.content).hexdigest(),
    }
    assert created.action == "identity.user.created" and created.actor == ANONYMOUS.label
    assert PASSWORD not in submitted.body + created.body


def test_a_duplicate_name_conflicts_whatever_its_case(
    database: Database, clock: FixedClock, applied: ApplicationReceipt
) -> None:
    request = application("SHINKIN bank of kobe", admin_email="other@kobe.example")
    with database.session() as session, pytest.raises(ConflictError) as caught:
        program.apply(session, clock, request)
    assert caught.value.where == "organization_name"
    assert count_rows(database, OrganizationRow) == 1


def test_a_taken_admin_email_conflicts_and_creates_no_organization(
    database: Database, clock: FixedClock, applied: ApplicationReceipt
) -> None:
    request = application("Another Bank", admin_email="ADMIN@kobe-shinkin.example")
    with database.session() as session, pytest.raises(ConflictError) as caught:
        program.apply(session, clock, request)
    assert caught.value.where == "admin_email"
    assert count_rows(database, OrganizationRow) == 1


def test_the_largest_allowed_evidence_is_accepted(database: Database, clock: FixedClock) -> None:
    big = EvidenceFile("scan.pdf", "application/pdf", b"%PDF-" + b"\x00" * (MAX_EVIDENCE_BYTES - 5))
    small = [EvidenceFile(f"note{i}.txt", "text/plain; charset=utf-8", b"ok") for i in range(4)]
    with database.session() as session:
        receipt = program.apply(session, clock, application(evidence=(big, *small)))
    sizes = {e.filename: (e.size, e.media_type) for e in receipt.application.evidence}
    assert sizes["scan.pdf"] == (MAX_EVIDENCE_BYTES, "application/pdf")
    assert sizes["note3.txt"] == (2, "text/plain") and len(sizes) == 5


TOO_BIG = EvidenceFile("scan.pdf", "application/pdf", b"%PDF-" + b"\x00" * MAX_EVIDENCE_BYTES)


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"evidence": (PDF,) * 6}, "evidence"),
        ({"evidence": (PDF, TOO_BIG)}, "evidence[1].content"),
        (
            {"evidence": (EvidenceFile("a.exe", "application/x-msdownload", b"MZ"),)},
            "evidence[0].media_type",
        ),
        (
            {"evidence": (PDF, EvidenceFile("letter.pdf", "application/pdf", PNG.content))},
            "evidence[1].content",
        ),
        (
            {"evidence": (EvidenceFile("x.json", "application/json", b"{nope"),)},
            "evidence[0].content",
        ),
        ({"evidence": (EvidenceFile("x.txt", "text/plain", b"\xff\xfe"),)}, "evidence[0].content"),
        ({"evidence": (EvidenceFile("empty.txt", "text/plain", b""),)}, "evidence[0].content"),
        (
            {"evidence": (EvidenceFile("../../etc/passwd", "text/plain", b"x"),)},
            "evidence[0].filename",
        ),
        ({"country": "ZZ"}, "country"),
        ({"requested_tier": Tier.REGISTERED}, "requested_tier"),
        ({"admin_password": "short"}, "admin_password"),
        ({"admin_email": "nobody"}, "admin_email"),
        ({"contact_email": "x@"}, "contact_email"),
        ({"organization_name": " "}, "organization_name"),
        ({"scope_statement": ""}, "scope_statement"),
        ({"regulator_registration": "a\nb"}, "regulator_registration"),
    ],
)
def test_an_invalid_application_names_the_field_and_writes_nothing(
    database: Database, clock: FixedClock, changes: dict[str, Any], where: str
) -> None:
    with database.session() as session:
        with pytest.raises(InvalidInputError) as caught:
            program.apply(session, clock, application(**changes))
        # Nothing was even staged in the transaction, before any rollback.
        for table in TABLES:
            assert session.scalar(select(func.count()).select_from(table)) == 0
    assert caught.value.where == where
    assert all(count_rows(database, table) == 0 for table in TABLES)
    assert log_entries(database) == []
