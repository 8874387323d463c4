"""A self-contained export of the log: one JSON Lines file a regulator verifies offline.

Layout, one JSON object per line (UTF-8):

1. a header: ``{"format": "mamori.audit.log", "version": 1, "origin", "public_key"
   (raw Ed25519, base64), "public_key_pem", "key_id", "tree_size", "root_hash"
   (base64), "checkpoints" (how many lines follow), "exported_at"}``;
2. one line per signed checkpoint, oldest first: ``{"checkpoint": {"id", "origin",
   "tree_size", "root_hash", "timestamp", "key_id", "signature", "note"}}`` where
   ``note`` is the complete signed note;
3. one line per entry, in index order: ``{"leaf_hash":"<64 hex>","entry":<body>}``
   where ``<body>`` is the entry's RFC 8785 canonical JSON, byte for byte, so that
   its leaf hash is SHA-256(0x00 || those bytes).

The export ends with a checkpoint made for it, so every entry in it is signed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import rfc8785

from mamori.audit import repository, service
from mamori.audit.canonical import format_time, parse_time
from mamori.audit.errors import ExportFormatError
from mamori.audit.models import Checkpoint
from mamori.audit.signing import Signer, signed_note
from mamori.core.clock import Clock, SystemClock
from mamori.store.engine import Database

FORMAT = "mamori.audit.log"
VERSION = 1
CHUNK = 20_000
_LEAD = b'{"leaf_hash":"'
_MID = b'","entry":'
_BODY_AT = len(_LEAD) + 64 + len(_MID)


@dataclass(frozen=True)
class ExportHeader:
    """What the first line of an export says."""

    origin: str
    public_key: bytes
    key_id: str
    tree_size: int
    root_hash: bytes
    checkpoints: int


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path
    entries: int
    checkpoints: int
    checkpoint: Checkpoint


def export_log(
    database: Database, path: Path, signer: Signer, clock: Clock | None = None
) -> ExportSummary:
    """Write every entry and checkpoint, with the public key, to ``path`` (atomically)."""
    clock = clock or SystemClock()
    with database.session() as session:
        latest = service.checkpoint(session, signer, clock)
    with database.session() as session:
        checkpoints = [
            item
            for item in service.all_checkpoints(session)
            if item.id <= latest.id and item.key_id == signer.key_id
        ]
    draft = path.with_name(f".{path.name}.partial")
    with draft.open("wb") as file:
        _write_header(file, signer, latest, len(checkpoints), clock.now())
        for item in checkpoints:
            file.write(_json_line({"checkpoint": checkpoint_json(item)}))
        for body, leaf in _entries(database, latest.tree_size):
            file.write(b"".join((_LEAD, leaf.hex().encode(), _MID, body.encode(), b"}\n")))
    os.replace(draft, path)
    return ExportSummary(path, latest.tree_size, len(checkpoints), latest)


def _write_header(
    file: IO[bytes], signer: Signer, latest: Checkpoint, checkpoints: int, now: dt.datetime
) -> None:
    header = {
        "format": FORMAT,
        "version": VERSION,
        "origin": signer.origin,
        "public_key": signer.public_key_b64,
        "public_key_pem": signer.public_key_pem,
        "key_id": signer.key_id,
        "tree_size": latest.tree_size,
        "root_hash": _b64(latest.root_hash),
        "checkpoints": checkpoints,
        "exported_at": format_time(now),
    }
    file.write(_json_line(header))


def _entries(database: Database, size: int) -> Iterator[tuple[str, bytes]]:
    # Short transactions, one per chunk: appenders are never held up for the whole export,
    # and rows below the checkpointed size never change.
    for start in range(0, size, CHUNK):
        with database.session() as session:
            rows = repository.entry_chunk(session, start, min(start + CHUNK, size))
        for _, body, leaf in rows:
            yield body, leaf


def checkpoint_json(item: Checkpoint) -> dict[str, Any]:
    """A checkpoint as JSON-ready values (hashes and signatures in base64)."""
    return {
        "id": item.id,
        "origin": item.origin,
        "tree_size": item.tree_size,
        "root_hash": _b64(item.root_hash),
        "timestamp": format_time(item.timestamp),
        "key_id": item.key_id,
        "signature": _b64(item.signature),
        "note": signed_note(item),
    }


def parse_checkpoint(value: Any, line: int) -> Checkpoint:
    """A checkpoint from its JSON form; raises :class:`ExportFormatError` naming the line."""
    try:
        return Checkpoint(
            id=int(value["id"]),
            origin=str(value["origin"]),
            tree_size=int(value["tree_size"]),
            root_hash=base64.b64decode(value["root_hash"], validate=True),
            timestamp=parse_time(value["timestamp"]),
            key_id=str(value["key_id"]),
            signature=base64.b64decode(value["signature"], validate=True),
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ExportFormatError(f"unreadable checkpoint: {exc!r}", where=f"line {line}") from exc


def parse_header(line: bytes, source: str) -> ExportHeader:
    """The export's first line; raises :class:`ExportFormatError` when it is not one."""
    try:
        value = json.loads(line)
        if value.get("format") != FORMAT or value.get("version") != VERSION:
            raise ValueError(f"format {value.get('format')!r} version {value.get('version')!r}")
        return ExportHeader(
            origin=str(value["origin"]),
            public_key=base64.b64decode(value["public_key"], validate=True),
            key_id=str(value["key_id"]),
            tree_size=int(value["tree_size"]),
            root_hash=base64.b64decode(value["root_hash"], validate=True),
            checkpoints=int(value["checkpoints"]),
        )
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ExportFormatError(
            f"not a mamori log export ({exc})",
            where=f"{source}:1",
            hint=f"export one with `mamori audit export`; this reads {FORMAT} version {VERSION}",
        ) from exc


def split_entry_line(line: bytes) -> tuple[bytes, bytes | None, Any]:
    """An entry line's canonical body bytes, recorded leaf hash (None when unreadable) and
    parsed body (None when it is not JSON)."""
    if line.startswith(_LEAD) and line.endswith(b"}"):
        body = line[_BODY_AT:-1]
        try:
            if line[_BODY_AT - len(_MID) : _BODY_AT] == _MID:
                recorded = bytes.fromhex(line[len(_LEAD) : _BODY_AT - len(_MID)].decode())
                return body, recorded, json.loads(body)
        except ValueError:
            pass
    return _split_slowly(line)


def _split_slowly(line: bytes) -> tuple[bytes, bytes | None, Any]:
    # A line some tool reformatted: re-canonicalize its entry (the same bytes if unchanged).
    try:
        value = json.loads(line)
        entry = value["entry"]
        body: bytes = rfc8785.dumps(entry)
    except (ValueError, KeyError, TypeError, rfc8785.CanonicalizationError):
        return line, None, None
    try:
        recorded = bytes.fromhex(value.get("leaf_hash", ""))
    except (ValueError, TypeError):
        return body, None, entry
    return body, recorded, entry


def _json_line(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False).encode() + b"\n"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
