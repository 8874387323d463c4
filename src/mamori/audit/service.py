"""What the transparency log does: append entries, and answer reads and proofs.

Appends run in the caller's transaction, so an action and its log entry commit or
roll back together. The head row's lock serializes appenders across processes;
indices are dense because only the lock holder assigns them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from mamori.audit import merkle, repository
from mamori.audit.canonical import canonical_bytes, entry_body
from mamori.audit.errors import AuditRequestError, CheckpointNotFoundError, EntryNotFoundError
from mamori.audit.merkle import append_to_frontier, fold, leaf_hash
from mamori.audit.models import (
    Checkpoint,
    ConsistencyProof,
    Entry,
    EntryKind,
    InclusionProof,
    NewEntry,
    TreeHead,
)
from mamori.audit.signing import Signer, note_body
from mamori.audit.tables import CheckpointRow, EntryRow
from mamori.core.clock import Clock

MAX_PAGE = 1000


def append(session: Session, entry: NewEntry) -> int:
    """Record ``entry`` in the log within ``session``'s transaction; return its 0-based index."""
    return append_many(session, [entry])[0]


def append_many(session: Session, entries: Iterable[NewEntry]) -> list[int]:
    """Record several entries, in order, with one lock and batched inserts; return their indices."""
    pending = list(entries)
    if not pending:
        return []
    head = repository.lock_head(session)
    first = head.size
    rows: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    for entry in pending:
        rows.append(_leaf_row(head, entry, nodes))
    repository.write_appended(session, rows, nodes, head, fold(head.frontier))
    return list(range(first, head.size))


def _leaf_row(
    head: repository.Head, entry: NewEntry, nodes: list[dict[str, Any]]
) -> dict[str, Any]:
    """The entry's row; grows ``head`` by one leaf and adds the nodes that completes."""
    body = entry_body(head.size, entry)
    data = canonical_bytes(body)
    leaf = leaf_hash(data)
    for level, index, digest in append_to_frontier(head.frontier, head.size, leaf):
        nodes.append({"level": level, "node_index": index, "hash": digest})
    head.size += 1
    return {
        "leaf_index": body["index"],
        "kind": body["kind"],
        "action": entry.action,
        "actor": entry.actor,
        "org_id": entry.org_id,
        "at": entry.at,
        "body": data.decode("utf-8"),
        "leaf_hash": leaf,
    }


def tree_head(session: Session) -> TreeHead:
    """The log's current size and root (unsigned)."""
    head = repository.read_head(session)
    return TreeHead(tree_size=head.size, root_hash=fold(head.frontier))


def checkpoint(session: Session, signer: Signer, clock: Clock) -> Checkpoint:
    """A signed checkpoint of the current tree; the latest one when the tree has not grown."""
    head = tree_head(session)
    row = repository.latest_checkpoint(session)
    if row is not None:
        latest = _checkpoint(row)
        if (latest.tree_size, latest.origin, latest.key_id) == (
            head.tree_size,
            signer.origin,
            signer.key_id,
        ):
            return latest
    timestamp = clock.now()
    body = note_body(signer.origin, head.tree_size, head.root_hash, timestamp)
    values = {
        "origin": signer.origin,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp": timestamp,
        "key_id": signer.key_id,
        "signature": signer.sign(body),
    }
    return _checkpoint(repository.add_checkpoint(session, values))


def latest_checkpoint(session: Session) -> Checkpoint:
    """The newest signed checkpoint; raises when none has been made yet."""
    row = repository.latest_checkpoint(session)
    if row is None:
        raise CheckpointNotFoundError(
            "the log has no signed checkpoint yet",
            hint="make one with `mamori audit checkpoint`, or wait for the next one",
        )
    return _checkpoint(row)


def all_checkpoints(session: Session) -> list[Checkpoint]:
    """Every checkpoint, oldest first."""
    return [_checkpoint(row) for row in repository.checkpoint_rows(session)]


def list_entries(
    session: Session, *, org_id: str | None, start: int = 0, limit: int = 100
) -> list[Entry]:
    """Entries from index ``start`` on, oldest first; only ``org_id``'s when it is given."""
    if start < 0:
        raise AuditRequestError("start must be 0 or more", where="start")
    if not 1 <= limit <= MAX_PAGE:
        raise AuditRequestError(f"limit must be between 1 and {MAX_PAGE}", where="limit")
    head = repository.read_head(session)
    rows = repository.entry_rows(session, org_id, start, head.size, limit)
    return [_entry(row) for row in rows]


def get_entry(session: Session, index: int, *, org_id: str | None) -> Entry:
    """The entry at ``index``; not found when it belongs to another organization."""
    row = repository.entry_row(session, org_id, index)
    if row is None:
        raise EntryNotFoundError(
            f"no log entry {index}" + ("" if org_id is None else " for this organization"),
            where="index",
        )
    return _entry(row)


def inclusion_proof(
    session: Session, index: int, tree_size: int, *, org_id: str | None
) -> InclusionProof:
    """Proof that entry ``index`` is in the tree of ``tree_size`` leaves (RFC 9162 PATH)."""
    size = repository.read_head(session).size
    _check_size(tree_size, size, "tree_size", minimum=1)
    if not 0 <= index < tree_size:
        raise AuditRequestError(
            f"index must be between 0 and {tree_size - 1} for a tree of {tree_size}",
            where="index",
        )
    entry = get_entry(session, index, org_id=org_id)
    lookup = _lookup(session)
    path = merkle.inclusion_proof(index, tree_size, lookup)
    root = merkle.root_at(tree_size, lookup)
    return InclusionProof(index, tree_size, entry.leaf_hash, root, tuple(path))


def consistency_proof(session: Session, first: int, second: int) -> ConsistencyProof:
    """Proof that the tree of ``first`` leaves is a prefix of the tree of ``second``."""
    size = repository.read_head(session).size
    _check_size(second, size, "second", minimum=1)
    _check_size(first, second, "first", minimum=1)
    lookup = _lookup(session)
    path = merkle.consistency_proof(first, second, lookup)
    roots = merkle.range_hashes([(0, first), (0, second)], lookup)
    return ConsistencyProof(first, second, roots[0], roots[1], tuple(path))


def _check_size(value: int, most: int, where: str, *, minimum: int) -> None:
    if not minimum <= value <= most:
        raise AuditRequestError(
            f"{where} must be between {minimum} and {most} (the log has {most} entries)",
            where=where,
            hint="ask about a size no larger than the latest checkpoint's",
        )


def _lookup(session: Session) -> merkle.NodeLookup:
    return lambda keys: repository.lookup_nodes(session, keys)


def _entry(row: EntryRow) -> Entry:
    body = json.loads(row.body)
    return Entry(
        index=row.leaf_index,
        kind=EntryKind(row.kind),
        action=row.action,
        actor=row.actor,
        org_id=row.org_id,
        at=row.at,
        details=body["details"],
        body=row.body,
        leaf_hash=row.leaf_hash,
    )


def _checkpoint(row: CheckpointRow) -> Checkpoint:
    return Checkpoint(
        id=row.id,
        origin=row.origin,
        tree_size=row.tree_size,
        root_hash=row.root_hash,
        timestamp=row.timestamp,
        key_id=row.key_id,
        signature=row.signature,
    )
