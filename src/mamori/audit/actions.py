"""Recording a program action in the transparency log, in the caller's transaction.

Every domain that changes the program's state (a tier, a key, an asset, a stop)
calls :func:`record` with the same session that makes the change, so the entry
and the change commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from mamori.audit.models import EntryKind, NewEntry
from mamori.audit.service import append
from mamori.core.clock import Clock


def record(
    session: Session,
    clock: Clock,
    action: str,
    *,
    actor: str,
    org_id: str | None,
    details: Mapping[str, Any],
    at: dt.datetime | None = None,
) -> int:
    """Append the program action ``action`` (e.g. ``assets.verified``); its index in the log."""
    entry = NewEntry(
        kind=EntryKind.PROGRAM,
        action=action,
        actor=actor,
        org_id=org_id,
        at=at or clock.now(),
        details=dict(details),
    )
    return append(session, entry)
