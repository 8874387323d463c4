"""The operators' decisions on an application, and reading applications.

An application moves submitted → approved → provisioned → ready, or submitted →
rejected; each step is taken by program staff with a reason and recorded in the
transparency log. Provisioning is the step that gives the organization the tier
it asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from mamori.access.identity.users import check_reason
from mamori.access.models import ApplicationState, Principal, Tier
from mamori.access.program import repository
from mamori.access.program.errors import TransitionError
from mamori.access.program.models import Application, Evidence
from mamori.access.program.organizations import organization_row
from mamori.access.tables import ApplicationRow
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.core.errors import NotFoundError
from mamori.core.ids import ApplicationId, OrgId

S = ApplicationState
# Each decision: the state it needs and the state it leads to.
STEPS: dict[str, tuple[ApplicationState, ApplicationState]] = {
    "approve": (S.SUBMITTED, S.APPROVED),
    "reject": (S.SUBMITTED, S.REJECTED),
    "provision": (S.APPROVED, S.PROVISIONED),
    "mark_ready": (S.PROVISIONED, S.READY),
}


def approve(
    session: Session, clock: Clock, actor: Principal, application_id: str, reason: str
) -> Application:
    """Approve a submitted application."""
    return _decide(session, clock, actor, application_id, "approve", reason)


def reject(
    session: Session, clock: Clock, actor: Principal, application_id: str, reason: str
) -> Application:
    """Reject a submitted application; final."""
    return _decide(session, clock, actor, application_id, "reject", reason)


def provision(
    session: Session, clock: Clock, actor: Principal, application_id: str, reason: str
) -> Application:
    """Provision an approved application: the organization gets the tier it asked for."""
    return _decide(session, clock, actor, application_id, "provision", reason)


def mark_ready(
    session: Session, clock: Clock, actor: Principal, application_id: str, reason: str
) -> Application:
    """Mark a provisioned organization ready to use mamori."""
    return _decide(session, clock, actor, application_id, "mark_ready", reason)


def get_application(session: Session, org_id: OrgId, application_id: str) -> Application:
    """The application ``application_id`` of ``org_id``; NotFoundError for anyone else's."""
    row = repository.application(session, org_id, application_id)
    if row is None:
        raise NotFoundError(f"no application {application_id} here", where="application_id")
    return view(session, row)


def get_application_for_review(session: Session, application_id: str) -> Application:
    """Any organization's application (program-wide, for operators)."""
    return view(session, _review_row(session, application_id))


def list_applications(
    session: Session, *, state: ApplicationState | None = None
) -> list[Application]:
    """Every application (program-wide), oldest first, optionally only those in ``state``."""
    rows = repository.program_applications(session, state=state.value if state else None)
    return _views(session, rows)


def list_organization_applications(session: Session, org_id: OrgId) -> list[Application]:
    """The organization's own applications, oldest first."""
    return _views(session, repository.organization_applications(session, org_id))


def _decide(
    session: Session, clock: Clock, actor: Principal, application_id: str, step: str, reason: str
) -> Application:
    reason = check_reason(reason)
    row = _review_row(session, application_id, lock=True)
    needed, target = STEPS[step]
    current = ApplicationState(row.state)
    if current is not needed:
        allowed = [name for name, (source, _) in STEPS.items() if source is current]
        raise TransitionError(
            f"application {application_id} is {current.value}; "
            f"{step.replace('_', ' ')} needs it to be {needed.value}",
            where="application_id",
            current=current.value,
            allowed=allowed,
        )
    now = clock.now()
    row.state, row.updated_at = target.value, now
    row.decided_at, row.decided_by, row.decision_reason = now, actor.id, reason
    details = {
        "application_id": row.id,
        "from_state": current.value,
        "to_state": target.value,
        "reason": reason,
    }
    if target is S.PROVISIONED:
        details.update(_grant_tier(session, clock, OrgId(row.org_id), Tier(row.requested_tier)))
    record(
        session,
        clock,
        f"program.application.{target.value}",
        actor=actor.label,
        org_id=row.org_id,
        details=details,
    )
    return view(session, row)


def _grant_tier(session: Session, clock: Clock, org_id: OrgId, tier: Tier) -> dict[str, str]:
    org = organization_row(session, org_id, lock=True)
    previous, org.tier, org.updated_at = org.tier, tier.value, clock.now()
    return {"previous_tier": previous, "new_tier": tier.value}


def _review_row(session: Session, application_id: str, *, lock: bool = False) -> ApplicationRow:
    row = repository.application_for_review(session, application_id, lock=lock)
    if row is None:
        raise NotFoundError(f"no application {application_id}", where="application_id")
    return row


def view(session: Session, row: ApplicationRow) -> Application:
    """The domain view of an application row, with its evidence's metadata."""
    return _views(session, [row])[0]


def _views(session: Session, rows: Sequence[ApplicationRow]) -> list[Application]:
    files = repository.evidence_of(session, [row.id for row in rows])
    by_app: dict[str, list[Evidence]] = {}
    for item in files:
        by_app.setdefault(item.application_id, []).append(
            Evidence(
                id=item.id,
                filename=item.filename,
                media_type=item.media_type,
                sha256=item.sha256,
                size=item.size,
                uploaded_at=item.uploaded_at,
            )
        )
    return [to_application(row, tuple(by_app.get(row.id, []))) for row in rows]


def to_application(row: ApplicationRow, evidence: tuple[Evidence, ...] = ()) -> Application:
    """The domain view of an application row."""
    return Application(
        id=ApplicationId(row.id),
        org_id=OrgId(row.org_id),
        state=ApplicationState(row.state),
        requested_tier=Tier(row.requested_tier),
        scope_statement=row.scope_statement,
        contact_name=row.contact_name,
        contact_email=row.contact_email,
        regulator_registration=row.regulator_registration,
        submitted_at=row.submitted_at,
        updated_at=row.updated_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        decision_reason=row.decision_reason,
        evidence=evidence,
    )
