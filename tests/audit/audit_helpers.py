"""Helpers for the transparency log's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mamori.audit.models import EntryKind, NewEntry

AT = dt.datetime(2026, 1, 1, 9, 30, tzinfo=dt.UTC)
ORG_A = "org_" + "a" * 32
ORG_B = "org_" + "b" * 32


def make_entry(n: int = 0, org_id: str | None = ORG_A, **details: Any) -> NewEntry:
    """A program entry whose details carry ``n`` so that every entry differs."""
    return NewEntry(
        kind=EntryKind.PROGRAM,
        action="program.org.tier",
        actor="user:usr_" + "1" * 32,
        org_id=org_id,
        at=AT + dt.timedelta(microseconds=n),
        details={"n": n, **details},
    )
