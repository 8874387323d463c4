"""Queries over organizations, applications and their evidence. Nothing else queries these tables.

An organization's own reads take its id. The program-wide reads (every
organization, every application awaiting review) serve program staff and are
named for it; whether a caller may make them is the authorizer's question.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, defer

from mamori.access.tables import ApplicationRow, EvidenceRow, OrganizationRow
from mamori.core.ids import OrgId

T = TypeVar("T")


def add(session: Session, *rows: OrganizationRow | ApplicationRow | EvidenceRow) -> None:
    """Stage new rows and write them now, so that a constraint fails here, not at commit."""
    session.add_all(rows)
    session.flush()


def name_taken(session: Session, name: str) -> bool:
    """Whether an organization already has this name, ignoring case."""
    query = (
        select(func.count())
        .select_from(OrganizationRow)
        .where(func.lower(OrganizationRow.name) == name.lower())
    )
    return bool(session.scalar(query))


def organization(session: Session, org_id: OrgId, *, lock: bool = False) -> OrganizationRow | None:
    """The organization ``org_id``; with ``lock``, held until the transaction ends."""
    query = select(OrganizationRow).where(OrganizationRow.id == org_id)
    return _one(session, query, lock)


def program_organizations(
    session: Session, *, status: str | None = None, tier: str | None = None
) -> Sequence[OrganizationRow]:
    """Every organization in the program (program-wide), by name."""
    query = select(OrganizationRow).order_by(OrganizationRow.name)
    if status is not None:
        query = query.where(OrganizationRow.status == status)
    if tier is not None:
        query = query.where(OrganizationRow.tier == tier)
    return session.scalars(query).all()


def application(session: Session, org_id: OrgId, application_id: str) -> ApplicationRow | None:
    """The application ``application_id`` if it is ``org_id``'s."""
    query = select(ApplicationRow).where(
        ApplicationRow.id == application_id, ApplicationRow.org_id == org_id
    )
    return session.scalars(query).one_or_none()


def application_for_review(
    session: Session, application_id: str, *, lock: bool = False
) -> ApplicationRow | None:
    """The application ``application_id``, whichever organization sent it (program-wide).

    With ``lock`` the row is held until the transaction ends, so that two decisions
    on one application never both pass the state check.
    """
    query = select(ApplicationRow).where(ApplicationRow.id == application_id)
    return _one(session, query, lock)


def program_applications(session: Session, *, state: str | None = None) -> Sequence[ApplicationRow]:
    """Every application (program-wide), oldest first, optionally in one state."""
    query = select(ApplicationRow).order_by(ApplicationRow.submitted_at, ApplicationRow.id)
    if state is not None:
        query = query.where(ApplicationRow.state == state)
    return session.scalars(query).all()


def organization_applications(session: Session, org_id: OrgId) -> Sequence[ApplicationRow]:
    """The organization's own applications, oldest first."""
    query = (
        select(ApplicationRow)
        .where(ApplicationRow.org_id == org_id)
        .order_by(ApplicationRow.submitted_at, ApplicationRow.id)
    )
    return session.scalars(query).all()


def evidence_of(session: Session, application_ids: Sequence[str]) -> Sequence[EvidenceRow]:
    """The evidence rows of these applications (by upload time, then name), without their bytes."""
    if not application_ids:
        return []
    query = (
        select(EvidenceRow)
        .where(EvidenceRow.application_id.in_(application_ids))
        .order_by(EvidenceRow.uploaded_at, EvidenceRow.filename, EvidenceRow.id)
    )
    return session.scalars(query.options(defer(EvidenceRow.content))).all()


def evidence_file(session: Session, org_id: OrgId, evidence_id: str) -> EvidenceRow | None:
    """One evidence file, bytes included, if it belongs to an application of ``org_id``."""
    query = (
        select(EvidenceRow)
        .join(ApplicationRow, ApplicationRow.id == EvidenceRow.application_id)
        .where(EvidenceRow.id == evidence_id, ApplicationRow.org_id == org_id)
    )
    return session.scalars(query).one_or_none()


def _one(session: Session, query: Select[T], lock: bool) -> T | None:
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()
