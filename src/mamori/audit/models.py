"""Domain types of the transparency log."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class EntryKind(enum.Enum):
    """An authorization decision, or an action of the program (a tier change, a stop…)."""

    DECISION = "decision"
    PROGRAM = "program"


@dataclass(frozen=True)
class NewEntry:
    """What a caller asks the log to record; the log gives it its index and hashes it.

    ``details`` must be JSON-ready (str, int, bool, None, lists and dicts of them;
    no floats, so that its canonical form is exact).
    """

    kind: EntryKind
    action: str
    actor: str
    org_id: str | None
    at: dt.datetime
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """A recorded entry: what was asked for, its index, its canonical body and leaf hash."""

    index: int
    kind: EntryKind
    action: str
    actor: str
    org_id: str | None
    at: dt.datetime
    details: Mapping[str, Any]
    body: str
    leaf_hash: bytes


@dataclass(frozen=True)
class TreeHead:
    """The log's size and Merkle root at some moment (unsigned)."""

    tree_size: int
    root_hash: bytes


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head, in the shape of a C2SP signed note.

    The signed body is ``<origin>\\n<size>\\n<base64 root>\\nTimestamp: <RFC 3339>\\n``
    (the timestamp is a checkpoint extension line); the signature is Ed25519 over
    those bytes, and ``key_id`` is the note key hash (4 bytes, hex).
    """

    id: int
    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: dt.datetime
    key_id: str
    signature: bytes


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 audit path: the entry at ``index`` is in the tree of ``tree_size`` leaves."""

    index: int
    tree_size: int
    leaf_hash: bytes
    root_hash: bytes
    path: tuple[bytes, ...]


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 consistency proof: tree ``first`` is a prefix of tree ``second``."""

    first: int
    second: int
    first_root: bytes
    second_root: bytes
    path: tuple[bytes, ...]


@dataclass(frozen=True)
class Problem:
    """One thing a verification found wrong, naming the entry or checkpoint it concerns."""

    message: str
    index: int | None = None
    checkpoint_id: int | None = None


@dataclass(frozen=True)
class VerifyReport:
    """What a verification of an export or a live database found."""

    ok: bool
    entries_checked: int
    checkpoints_checked: int
    tree_size: int
    root_hash: bytes
    key_id: str
    problems: tuple[Problem, ...]
