"""Organizations: reads, tier changes, suspension and reinstatement, each with a reason."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mamori.access.identity.users import check_reason
from mamori.access.models import OrgStatus, Principal, Tier
from mamori.access.program import repository
from mamori.access.program.errors import TransitionError
from mamori.access.program.models import Organization
from mamori.access.tables import OrganizationRow
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.core.errors import ConflictError, NotFoundError
from mamori.core.ids import OrgId


def get_organization(session: Session, org_id: OrgId) -> Organization:
    """The organization ``org_id``; NotFoundError if there is none."""
    return to_organization(organization_row(session, org_id))


def list_organizations(
    session: Session, *, status: OrgStatus | None = None, tier: Tier | None = None
) -> list[Organization]:
    """Every organization in the program (program-wide), by name, optionally filtered."""
    rows = repository.program_organizations(
        session,
        status=status.value if status else None,
        tier=tier.value if tier else None,
    )
    return [to_organization(row) for row in rows]


def change_tier(
    session: Session, clock: Clock, actor: Principal, org_id: OrgId, tier: Tier, reason: str
) -> Organization:
    """Move an organization to ``tier`` (up or down); audited as ``program.org.tier_changed``."""
    reason = check_reason(reason)
    row = organization_row(session, org_id, lock=True)
    previous = row.tier
    if previous == tier.value:
        raise ConflictError(f"organization {org_id} is already {tier.value}", where="tier")
    row.tier = tier.value
    row.updated_at = clock.now()
    details = {"previous_tier": previous, "new_tier": tier.value, "reason": reason}
    record(
        session,
        clock,
        "program.org.tier_changed",
        actor=actor.label,
        org_id=org_id,
        details=details,
    )
    return to_organization(row)


def suspend(
    session: Session, clock: Clock, actor: Principal, org_id: OrgId, reason: str
) -> Organization:
    """Suspend an active organization; audited as ``program.org.suspended``."""
    return _set_status(session, clock, actor, org_id, OrgStatus.SUSPENDED, reason)


def reinstate(
    session: Session, clock: Clock, actor: Principal, org_id: OrgId, reason: str
) -> Organization:
    """Make a suspended organization active again; audited as ``program.org.reinstated``."""
    return _set_status(session, clock, actor, org_id, OrgStatus.ACTIVE, reason)


def _set_status(
    session: Session, clock: Clock, actor: Principal, org_id: OrgId, new: OrgStatus, reason: str
) -> Organization:
    reason = check_reason(reason)
    row = organization_row(session, org_id, lock=True)
    previous = OrgStatus(row.status)
    if previous is new:
        other = "reinstate" if new is OrgStatus.SUSPENDED else "suspend"
        raise TransitionError(
            f"organization {org_id} is already {new.value}",
            where="org_id",
            current=previous.value,
            allowed=[other],
        )
    row.status = new.value
    row.status_reason = reason
    row.updated_at = clock.now()
    action = "program.org.suspended" if new is OrgStatus.SUSPENDED else "program.org.reinstated"
    details = {"previous_status": previous.value, "new_status": new.value, "reason": reason}
    record(session, clock, action, actor=actor.label, org_id=org_id, details=details)
    return to_organization(row)


def organization_row(session: Session, org_id: OrgId, *, lock: bool = False) -> OrganizationRow:
    """The organization's row (locked, to change it); NotFoundError if there is none."""
    row = repository.organization(session, org_id, lock=lock)
    if row is None:
        raise NotFoundError(f"no organization {org_id}", where="org_id")
    return row


def to_organization(row: OrganizationRow) -> Organization:
    """The domain view of an organization row."""
    return Organization(
        id=OrgId(row.id),
        name=row.name,
        country=row.country,
        regulator_registration=row.regulator_registration,
        contact_email=row.contact_email,
        tier=Tier(row.tier),
        status=OrgStatus(row.status),
        status_reason=row.status_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
