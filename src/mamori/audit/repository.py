"""The transparency log's queries. Nothing else reads or writes the audit tables.

Every read of entries takes the organization it is scoped to; ``None`` means the
whole program's log, and only the authorization gate decides who may pass it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mamori.audit.errors import LogCorruptError
from mamori.audit.merkle import EMPTY_ROOT, HASH_SIZE, NodeKey
from mamori.audit.tables import HEAD_ID, CheckpointRow, EntryRow, HeadRow, NodeRow

ENTRIES = cast(Table, EntryRow.__table__)
NODES = cast(Table, NodeRow.__table__)


@dataclass
class Head:
    """The tree's size and frontier, as read (and locked) by an appender."""

    size: int
    frontier: list[bytes]


def lock_head(session: Session) -> Head:
    """Read the head row and hold its lock until the transaction ends.

    On PostgreSQL this is ``SELECT … FOR UPDATE``, which queues concurrent
    appenders; SQLite transactions already begin with ``BEGIN IMMEDIATE``.
    """
    row = _select_head(session, lock=True)
    if row is None:
        _create_head(session)
        row = _select_head(session, lock=True)
    if row is None:
        raise LogCorruptError("the log's head row could not be created", where="audit_head")
    size, frontier = row
    return Head(size=size, frontier=_split_frontier(frontier, size))


def read_head(session: Session) -> Head:
    """The head as committed, without locking it."""
    row = _select_head(session, lock=False)
    if row is None:
        return Head(size=0, frontier=[])
    size, frontier = row
    return Head(size=size, frontier=_split_frontier(frontier, size))


def _select_head(session: Session, *, lock: bool) -> tuple[int, bytes] | None:
    query = select(HeadRow.size, HeadRow.frontier).where(HeadRow.id == HEAD_ID)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).one_or_none()
    return None if row is None else (row[0], row[1])


def _create_head(session: Session) -> None:
    # Two first appenders may race to create the row: the loser's insert does nothing.
    values = {"id": HEAD_ID, "size": 0, "frontier": b"", "root_hash": EMPTY_ROOT}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(HeadRow).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(HeadRow).values(values).on_conflict_do_nothing())
    else:
        session.execute(insert(HeadRow).values(values))


def _split_frontier(blob: bytes, size: int) -> list[bytes]:
    frontier = [blob[at : at + HASH_SIZE] for at in range(0, len(blob), HASH_SIZE)]
    if len(frontier) != size.bit_count() or len(blob) % HASH_SIZE:
        raise LogCorruptError(
            f"the log's head holds {len(frontier)} frontier hashes for size {size}",
            where="audit_head.frontier",
            hint="run `mamori audit verify` against the database to find the damage",
        )
    return frontier


def write_appended(
    session: Session,
    entries: Sequence[Mapping[str, Any]],
    nodes: Sequence[Mapping[str, Any]],
    head: Head,
    root: bytes,
) -> None:
    """Insert new entries and completed nodes, and move the head forward."""
    if entries:
        session.execute(insert(ENTRIES), list(entries))
    if nodes:
        session.execute(insert(NODES), list(nodes))
    session.execute(
        update(HeadRow)
        .where(HeadRow.id == HEAD_ID)
        .values(size=head.size, frontier=b"".join(head.frontier), root_hash=root)
    )


def lookup_nodes(session: Session, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
    """Hashes of perfect subtrees: level 0 from the entries, higher levels from the nodes."""
    found: dict[NodeKey, bytes] = {}
    leaves = [index for level, index in keys if level == 0]
    inner = [(level, index) for level, index in keys if level > 0]
    if leaves:
        leaf_rows = session.execute(
            select(EntryRow.leaf_index, EntryRow.leaf_hash).where(EntryRow.leaf_index.in_(leaves))
        )
        found.update(((0, index), leaf) for index, leaf in leaf_rows)
    if inner:
        node_rows = session.execute(
            select(NodeRow.level, NodeRow.node_index, NodeRow.hash).where(
                tuple_(NodeRow.level, NodeRow.node_index).in_(inner)
            )
        )
        found.update(((level, index), digest) for level, index, digest in node_rows)
    missing = [key for key in keys if key not in found]
    if missing:
        raise LogCorruptError(
            f"the log is missing the stored hashes of subtrees {missing[:5]}",
            where="audit_nodes",
            hint="run `mamori audit verify` against the database to find the damage",
        )
    return found


def entry_rows(
    session: Session, org_id: str | None, start: int, end: int, limit: int
) -> Sequence[EntryRow]:
    """Entries with ``start ≤ index < end``, oldest first, of one organization or all."""
    query = select(EntryRow).where(EntryRow.leaf_index >= start, EntryRow.leaf_index < end)
    if org_id is not None:
        query = query.where(EntryRow.org_id == org_id)
    return session.scalars(query.order_by(EntryRow.leaf_index).limit(limit)).all()


def entry_row(session: Session, org_id: str | None, index: int) -> EntryRow | None:
    """The entry at ``index``, if it exists and belongs to ``org_id`` (any, when None)."""
    query = select(EntryRow).where(EntryRow.leaf_index == index)
    if org_id is not None:
        query = query.where(EntryRow.org_id == org_id)
    return session.execute(query).scalar_one_or_none()


def latest_checkpoint(session: Session) -> CheckpointRow | None:
    """The newest signed checkpoint."""
    query = select(CheckpointRow).order_by(CheckpointRow.id.desc()).limit(1)
    return session.execute(query).scalar_one_or_none()


def add_checkpoint(session: Session, values: Mapping[str, Any]) -> CheckpointRow:
    """Store a signed checkpoint."""
    row = CheckpointRow(**values)
    session.add(row)
    session.flush()
    return row


def entry_chunk(session: Session, start: int, end: int) -> list[tuple[int, str, bytes]]:
    """Index, body and leaf hash of entries ``start ≤ index < end``, in index order."""
    query = (
        select(EntryRow.leaf_index, EntryRow.body, EntryRow.leaf_hash)
        .where(EntryRow.leaf_index >= start, EntryRow.leaf_index < end)
        .order_by(EntryRow.leaf_index)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def checkpoint_rows(session: Session) -> Sequence[CheckpointRow]:
    """Every checkpoint, oldest first."""
    return session.scalars(select(CheckpointRow).order_by(CheckpointRow.id)).all()


def indices_beyond_head(session: Session, limit: int = 100) -> list[int]:
    """Indices of entry rows at or past the head's size (there should be none)."""
    size = select(HeadRow.size).where(HeadRow.id == HEAD_ID).scalar_subquery()
    query = (
        select(EntryRow.leaf_index)
        .where(EntryRow.leaf_index >= func.coalesce(size, 0))
        .order_by(EntryRow.leaf_index)
        .limit(limit)
    )
    return list(session.scalars(query))


def head_size(session: Session) -> int:
    """The size the head row claims, even when its frontier is damaged."""
    size = session.scalar(select(HeadRow.size).where(HeadRow.id == HEAD_ID))
    return int(size or 0)


def nodes_in_ranges(session: Session, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
    """Stored subtree hashes over each level's span of ``keys`` (one range per level)."""
    spans: dict[int, tuple[int, int]] = {}
    for level, index in keys:
        low, high = spans.get(level, (index, index))
        spans[level] = (min(low, index), max(high, index))
    condition = or_(
        *(
            and_(NodeRow.level == level, NodeRow.node_index.between(low, high))
            for level, (low, high) in spans.items()
        )
    )
    rows = session.execute(select(NodeRow.level, NodeRow.node_index, NodeRow.hash).where(condition))
    return {(row[0], row[1]): row[2] for row in rows}


def node_count(session: Session) -> int:
    """How many subtree hashes are stored."""
    return int(session.scalar(select(func.count()).select_from(NODES)) or 0)
