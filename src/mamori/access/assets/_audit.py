"""Recording asset and engagement actions in the transparency log, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from mamori.access.models import Principal
from mamori.audit.models import EntryKind, NewEntry
from mamori.audit.service import append
from mamori.core.clock import Clock


def record(
    session: Session,
    clock: Clock,
    action: str,
    *,
    actor: Principal,
    org_id: str,
    details: Mapping[str, Any],
) -> int:
    """Append the program action ``action`` (e.g. ``assets.verified``); its index in the log."""
    entry = NewEntry(
        kind=EntryKind.PROGRAM,
        action=action,
        actor=actor.label,
        org_id=org_id,
        at=clock.now(),
        details=dict(details),
    )
    return append(session, entry)
