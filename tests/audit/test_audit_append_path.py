"""The append path runs its statements on the driver's cursor: what it writes must read
back exactly as SQLAlchemy writes it, it must wait for the head's lock, re-read the head
on every append, and fail with SQLAlchemy's errors rather than overwrite anything."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from audit_helpers import ORG_A, make_entry
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from mamori.audit import repository
from mamori.audit.merkle import fold, root_of
from mamori.audit.models import EntryKind, NewEntry
from mamori.audit.service import append, append_many, get_entry, list_entries
from mamori.audit.tables import EntryRow, HeadRow
from mamori.store.engine import Database

TOKYO = dt.timezone(dt.timedelta(hours=9))


def test_entry_fields_read_back_as_written(database: Database) -> None:
    at = dt.datetime(2026, 1, 1, 18, 30, 0, 123, tzinfo=TOKYO)
    entry = NewEntry(
        kind=EntryKind.DECISION,
        action="access.authorize",
        actor="api_key:key_" + "3" * 32,
        org_id=None,
        at=at,
        details={"outcome": "deny", "policies": ["no-permit"]},
    )
    with database.session() as session:
        first = append_many(session, [entry, make_entry(1)])
    with database.session() as session:
        read = get_entry(session, first[0], org_id=None)
        # The stored time compares equal to the same instant bound by SQLAlchemy itself.
        found = session.scalars(select(EntryRow.leaf_index).where(EntryRow.at == at)).all()
        second = list_entries(session, org_id=ORG_A)
    assert read.at == at and read.at.utcoffset() == dt.timedelta(0)
    assert (read.kind, read.action, read.actor, read.org_id) == (
        EntryKind.DECISION,
        "access.authorize",
        entry.actor,
        None,
    )
    assert '"at":"2026-01-01T09:30:00.000123Z"' in read.body
    assert found == [first[0]]
    assert [e.index for e in second] == [first[1]]


def test_a_rolled_back_savepoint_leaves_no_gap(database: Database) -> None:
    with database.session() as session:
        assert append(session, make_entry(0)) == 0
        savepoint = session.begin_nested()
        assert append_many(session, [make_entry(1), make_entry(2)]) == [1, 2]
        savepoint.rollback()
        # The head is read again, so the rolled-back indices are given out again.
        assert append(session, make_entry(3)) == 1
    with database.session() as session:
        head = repository.read_head(session)
        leaves = session.execute(select(EntryRow.leaf_hash).order_by(EntryRow.leaf_index)).all()
    assert head.size == 2
    assert root_of(leaf for (leaf,) in leaves) == fold(head.frontier)


def test_an_appender_waits_for_the_head_lock(database: Database) -> None:
    got: list[int] = []

    def second() -> None:
        with database.session() as session:
            got.append(append(session, make_entry(1)))

    waiting = threading.Thread(target=second)
    with database.session() as session:
        assert append(session, make_entry(0)) == 0
        waiting.start()
        waiting.join(0.3)
        assert waiting.is_alive() and got == []
    waiting.join(30)
    assert got == [1]


def test_a_damaged_head_fails_with_sqlalchemys_error_and_overwrites_nothing(
    database: Database,
) -> None:
    with database.session() as session:
        append_many(session, [make_entry(n) for n in range(3)])
    with database.session() as session:
        body = get_entry(session, 0, org_id=None).body
        # A head rewound to an empty tree would give out index 0 again.
        session.execute(update(HeadRow).values(size=0, frontier=b""))
    with pytest.raises(IntegrityError), database.session() as session:
        append(session, make_entry(9))
    with database.session() as session:
        assert get_entry(session, 0, org_id=None).body == body
        assert repository.read_head(session).size == 0
