"""The transparency log's queries. Nothing else reads or writes the audit tables.

Every read of entries takes the organization it is scoped to; ``None`` means the
whole program's log, and only the authorization gate decides who may pass it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mamori.audit.errors import LogCorruptError
from mamori.audit.merkle import EMPTY_ROOT, HASH_SIZE, NodeKey
from mamori.audit.tables import HEAD_ID, CheckpointRow, EntryRow, HeadRow, NodeRow

ENTRIES = cast(Table, EntryRow.__table__)
NODES = cast(Table, NodeRow.__table__)
HEADS = cast(Table, HeadRow.__table__)

_HEAD = select(HEADS.c.size, HEADS.c.frontier).where(HEADS.c.id == HEAD_ID)
_ENTRY_KEYS = tuple(column.key for column in ENTRIES.columns)
_NODE_KEYS = tuple(column.key for column in NODES.columns)
_MOVE_HEAD = (
    update(HEADS)
    .where(HEADS.c.id == HEAD_ID)
    .values(size=bindparam("size"), frontier=bindparam("frontier"), root_hash=bindparam("root"))
)


@dataclass
class Head:
    """The tree's size and frontier, as read (and locked) by an appender."""

    size: int
    frontier: list[bytes]


@dataclass(frozen=True)
class _Compiled:
    """A Core statement compiled once for one dialect, to run on the driver's own cursor.

    Every logged decision and action appends, so the append path skips SQLAlchemy's
    per-execution work (cache key, execution context, result object), which costs more
    than the statements themselves; the SQL, the parameter order and the type conversions
    (e.g. timestamps on SQLite) are still SQLAlchemy's, taken from the compiled statement.
    SQLAlchemy's execution events and echo do not see these statements.
    """

    sql: str
    order: tuple[str, ...] | None  # parameter names in order, for positional paramstyles
    processors: Mapping[str, Callable[[Any], Any]]
    constants: Mapping[str, Any]

    @classmethod
    def of(cls, statement: Any, dialect: Dialect, keys: Sequence[str] = ()) -> _Compiled:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) or None)
        processors: dict[str, Callable[[Any], Any]] = {}
        constants: dict[str, Any] = {}
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
            if not bind.required:
                constants[name] = bind.effective_value
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(str(compiled), order, processors, constants)

    def parameters(self, values: Mapping[str, Any]) -> Any:
        """The driver's parameters for ``values``: converted, and in order if positional."""
        merged = {**self.constants, **values}
        for name, processor in self.processors.items():
            merged[name] = processor(merged[name])
        if self.order is None:
            return merged
        return tuple(merged[name] for name in self.order)


@dataclass(frozen=True)
class _AppendStatements:
    lock_head: _Compiled
    insert_entry: _Compiled
    insert_node: _Compiled
    move_head: _Compiled


# Compiled once per dialect (one per engine), and dropped with it.
_STATEMENTS: weakref.WeakKeyDictionary[Dialect, _AppendStatements] = weakref.WeakKeyDictionary()


def _append_statements(dialect: Dialect) -> _AppendStatements:
    statements = _STATEMENTS.get(dialect)
    if statements is None:
        statements = _AppendStatements(
            lock_head=_Compiled.of(_HEAD.with_for_update(), dialect),
            insert_entry=_Compiled.of(insert(ENTRIES), dialect, _ENTRY_KEYS),
            insert_node=_Compiled.of(insert(NODES), dialect, _NODE_KEYS),
            move_head=_Compiled.of(_MOVE_HEAD, dialect),
        )
        _STATEMENTS[dialect] = statements
    return statements


class _Driver:
    """The session's connection at the driver level, with the append statements for its
    dialect; it runs in the session's transaction, which begins here if it has not yet."""

    def __init__(self, session: Session) -> None:
        self._connection = session.connection()
        self._dialect = self._connection.dialect
        self.statements = _append_statements(self._dialect)

    def execute(self, statement: _Compiled, values: Mapping[str, Any]) -> Any:
        """Run ``statement`` once; the first row it returns, if any."""
        return self._run(statement, [values], many=False)

    def execute_many(self, statement: _Compiled, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run ``statement`` for each of ``rows`` (nothing when there are none)."""
        if len(rows) == 1:
            self._run(statement, rows, many=False)
        elif rows:
            self._run(statement, rows, many=True)

    def _run(self, statement: _Compiled, rows: Sequence[Mapping[str, Any]], *, many: bool) -> Any:
        cursor = self._connection.connection.cursor()
        parameters = [statement.parameters(row) for row in rows]
        try:
            if many:
                cursor.executemany(statement.sql, parameters)
                return None
            cursor.execute(statement.sql, parameters[0])
            return cursor.fetchone() if cursor.description else None
        except self._dialect.loaded_dbapi.Error as exc:
            # Raise what SQLAlchemy would have raised, so callers see one family of errors.
            raise DBAPIError.instance(
                statement.sql,
                parameters,
                exc,
                self._dialect.loaded_dbapi.Error,
                dialect=self._dialect,
            ) from exc
        finally:
            cursor.close()


def lock_head(session: Session) -> Head:
    """Read the head row and hold its lock until the transaction ends.

    On PostgreSQL this is ``SELECT … FOR UPDATE``, which queues concurrent
    appenders; SQLite transactions already begin with ``BEGIN IMMEDIATE``.
    """
    driver = _Driver(session)
    row = driver.execute(driver.statements.lock_head, {})
    if row is None:
        _create_head(session.connection())
        row = driver.execute(driver.statements.lock_head, {})
    if row is None:
        raise LogCorruptError("the log's head row could not be created", where="audit_head")
    size, frontier = row
    return Head(size=size, frontier=_split_frontier(bytes(frontier), size))


def read_head(session: Session) -> Head:
    """The head as committed, without locking it."""
    row = session.connection().execute(_HEAD).first()
    if row is None:
        return Head(size=0, frontier=[])
    size, frontier = row
    return Head(size=size, frontier=_split_frontier(frontier, size))


def _create_head(connection: Connection) -> None:
    # Two first appenders may race to create the row: the loser's insert does nothing.
    values = {"id": HEAD_ID, "size": 0, "frontier": b"", "root_hash": EMPTY_ROOT}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(postgresql.insert(HEADS).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        connection.execute(sqlite.insert(HEADS).values(values).on_conflict_do_nothing())
    else:
        connection.execute(insert(HEADS).values(values))


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
    driver = _Driver(session)
    driver.execute_many(driver.statements.insert_entry, entries)
    driver.execute_many(driver.statements.insert_node, nodes)
    moved = {"size": head.size, "frontier": b"".join(head.frontier), "root": root}
    driver.execute(driver.statements.move_head, moved)


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
        # One equality on level and an IN on index per level: a row-value IN over both
        # columns makes SQLite scan the whole table instead of using the primary key.
        by_level: dict[int, list[int]] = {}
        for level, index in inner:
            by_level.setdefault(level, []).append(index)
        condition = or_(
            *(
                and_(NodeRow.level == level, NodeRow.node_index.in_(indices))
                for level, indices in by_level.items()
            )
        )
        node_rows = session.execute(
            select(NodeRow.level, NodeRow.node_index, NodeRow.hash).where(condition)
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
