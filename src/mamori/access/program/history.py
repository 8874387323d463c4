"""An application's history and its evidence files, as the applicant and operators read them.

The history is not kept twice: every step of an application is already an entry
in the transparency log (with its index, so each step can be proven), and the
history is read back from there. An organization's first log entries are its
application's, so the scan stops as soon as it reaches the application's current
state.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mamori.access.models import ApplicationState
from mamori.access.program import repository
from mamori.access.program.models import EvidenceFile, HistoryEvent
from mamori.audit.models import Entry
from mamori.audit.service import list_entries
from mamori.core.errors import NotFoundError
from mamori.core.ids import OrgId

_PAGE = 500
# Bounds the work of one read even for an organization with a huge log.
_MAX_PAGES = 40
_PREFIX = "program.application."


def application_history(
    session: Session, org_id: OrgId, application_id: str
) -> tuple[HistoryEvent, ...]:
    """Each step of ``org_id``'s application ``application_id``, oldest first."""
    row = repository.application(session, org_id, application_id)
    if row is None:
        raise NotFoundError(f"no application {application_id} here", where="application_id")
    current = ApplicationState(row.state)
    events: list[HistoryEvent] = []
    start = 0
    for _ in range(_MAX_PAGES):
        page = list_entries(session, org_id=org_id, start=start, limit=_PAGE)
        for entry in page:
            if _belongs(entry, application_id):
                events.append(_event(entry))
                if events[-1].state is current:
                    return tuple(events)
        if len(page) < _PAGE:
            break
        start = page[-1].index + 1
    return tuple(events)


def read_evidence(session: Session, org_id: OrgId, evidence_id: str) -> EvidenceFile:
    """One evidence file of ``org_id``'s applications, with its bytes."""
    row = repository.evidence_file(session, org_id, evidence_id)
    if row is None:
        raise NotFoundError(f"no evidence file {evidence_id} here", where="evidence_id")
    return EvidenceFile(filename=row.filename, media_type=row.media_type, content=row.content)


def _belongs(entry: Entry, application_id: str) -> bool:
    return (
        entry.action.startswith(_PREFIX) and entry.details.get("application_id") == application_id
    )


def _event(entry: Entry) -> HistoryEvent:
    return HistoryEvent(
        at=entry.at,
        action=entry.action,
        actor=entry.actor,
        state=ApplicationState(entry.details["to_state"]),
        reason=entry.details.get("reason"),
        audit_index=entry.index,
        details=dict(entry.details),
    )
