"""The transparency log's tables. Only the audit repository queries them.

The log is an RFC 9162 Merkle tree kept incrementally:

* ``audit_entries`` holds every leaf: its canonical JSON body and leaf hash.
* ``audit_nodes`` holds the hash of every *completed* perfect subtree above the
  leaves, keyed by (level, index): node (L, i) covers leaves ``i·2^L … (i+1)·2^L - 1``.
  A tree of n leaves has n - popcount(n) of them, so appending adds about one row,
  and any root or proof is a fold of O(log n) stored hashes.
* ``audit_head`` is one row (id 1): the size and the frontier (the roots of the
  perfect subtrees that make up the tree, largest first). Appenders lock it, which
  serializes them and keeps indices dense.
* ``audit_checkpoints`` holds signed tree heads.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mamori.store.base import Base, UTCDateTime

# On SQLite an INTEGER PRIMARY KEY is the rowid itself: no second index to maintain.
BIG_KEY = BigInteger().with_variant(Integer(), "sqlite")

HEAD_ID = 1


class EntryRow(Base):
    """One leaf of the log."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_org_leaf", "org_id", "leaf_index"),)

    leaf_index: Mapped[int] = mapped_column(BIG_KEY, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class NodeRow(Base):
    """The hash of a completed perfect subtree at ``level`` ≥ 1."""

    __tablename__ = "audit_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class HeadRow(Base):
    """The single row appenders lock: the tree's size, frontier and root."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[bytes] = mapped_column(LargeBinary)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class CheckpointRow(Base):
    """A signed tree head: the note body and its Ed25519 signature."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(BIG_KEY, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(200))
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(8))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
