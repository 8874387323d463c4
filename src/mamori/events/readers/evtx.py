"""EVTX files, through the Rust ``evtx`` parser (pyevtx-rs).

The parser yields each record as JSON; mamori flattens it to Sigma's names and
keeps the JSON text as ``_raw``. A record or chunk the parser cannot read is
reported with its location and skipped, and the rest of the file is read. The
parser silently drops a chunk cut short, so the file's layout is checked first.
"""

from __future__ import annotations

import re
import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import evtx
import orjson

from mamori.events.flatten import flatten_windows
from mamori.events.models import MetaSpec, ReadContext, Record, Source

WINDOWS = MetaSpec(
    "evtx",
    timestamp=("SystemTime",),
    host=("Computer",),
    channel=("Channel",),
    event_id=("EventID",),
    provider=("Provider_Name",),
    partition="Channel",
    trim=True,
)

_SIGNATURE = b"ElfFile\x00"
_HEADER_SIZE = 4096
_CHUNK_SIZE = 65536
_MAX_FAILURES = 10_000
_LOCATIONS = (
    (re.compile(r"chunk number (\d+)"), "chunk {}"),
    (re.compile(r"chunk containing record IDs (\d+\.\.\d+)"), "records {}"),
    (re.compile(r"record number (\d+)"), "record {}"),
)


class EvtxReader:
    """Windows event log files (``.evtx``)."""

    format = "evtx"

    def read(self, source: Source, ctx: ReadContext) -> Iterator[Record]:
        """Every record of the file; unreadable records and chunks become problems."""
        with _local_file(source) as path:
            size = path.stat().st_size
            ctx.stats.bytes += size
            if _layout_ok(path, size, source.name, ctx):
                yield from _records(path, source.name, ctx)


@contextmanager
def _local_file(source: Source) -> Iterator[Path]:
    """The source as a file on disk: itself, or a temporary copy for an archive member."""
    if source.path is not None:
        yield source.path
        return
    with tempfile.NamedTemporaryFile(suffix=".evtx") as spool:
        with source.open() as stream:
            shutil.copyfileobj(stream, spool, _CHUNK_SIZE * 16)
        spool.flush()
        yield Path(spool.name)


def _layout_ok(path: Path, size: int, name: str, ctx: ReadContext) -> bool:
    """Check the file header and that no chunk is cut short; ``False`` when unreadable."""
    with path.open("rb") as handle:
        header = handle.read(_HEADER_SIZE)
    if not header.startswith(_SIGNATURE):
        ctx.problem(name, "", "not an EVTX file: it does not start with the EVTX signature")
        return False
    if size < _HEADER_SIZE:
        ctx.problem(name, "file header", f"truncated: the file is only {size} bytes long")
        return False
    (checksum,) = struct.unpack_from("<I", header, 124)
    if zlib.crc32(header[:120]) != checksum:
        ctx.problem(name, "file header", "file header checksum mismatch; reading on")
    tail = (size - _HEADER_SIZE) % _CHUNK_SIZE
    if tail:
        chunk = (size - _HEADER_SIZE) // _CHUNK_SIZE
        ctx.problem(
            name,
            f"chunk {chunk}",
            f"truncated: the last chunk has {tail} of {_CHUNK_SIZE} bytes; its records are lost",
        )
    return True


def _records(path: Path, name: str, ctx: ReadContext) -> Iterator[Record]:
    try:
        parser = evtx.PyEvtxParser(str(path), number_of_threads=ctx.evtx_threads, indent=False)
        records = cast(Iterator[dict[str, Any]], parser.records_json())
    except (RuntimeError, OSError, ValueError) as exc:
        ctx.problem(name, "", f"not readable as EVTX: {exc}")
        return
    loads, failures = orjson.loads, 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except (RuntimeError, OSError, ValueError) as exc:
            failures += 1
            ctx.problem(name, _location(str(exc)), f"skipped: {exc}")
            if failures >= _MAX_FAILURES:
                ctx.problem(name, "", f"gave up after {failures} unreadable records")
                return
            continue
        data = record["data"]
        try:
            event = loads(data)["Event"]
            fields = flatten_windows(event)
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            ctx.problem(name, f"record {record['event_record_id']}", "not an Event record")
            continue
        record_id = fields.get("EventRecordID")
        if record_id.__class__ is not int:
            record_id = record["event_record_id"]
        yield WINDOWS, record_id, fields, data


def _location(message: str) -> str:
    """Where in the file a parser error happened, as far as its message says."""
    for pattern, template in _LOCATIONS:
        match = pattern.search(message)
        if match:
            return template.format(match.group(1))
    return ""
