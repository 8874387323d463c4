"""JSON events: JSON Lines, a JSON array, or JSON objects one after another.

Each object is read by its shape: a Windows ``Event`` (EVTX as JSON, Sysmon for
Linux) is flattened like EVTX; an Elasticsearch hit is unwrapped; a CloudTrail
``Records`` file gives one event per record; anything else, Winlogbeat and ECS
included, becomes dotted names plus the Sigma names of known ECS fields.

JSON Lines are read line by line. Arrays and pretty-printed objects are read in
pieces with a bounded buffer, never whole.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from mamori.events.flatten import flatten_json, flatten_windows
from mamori.events.lines import STREAM_ERRORS, iter_lines, read_lines
from mamori.events.models import ByteStream, LineRejected, MetaSpec, ReadContext, Record, Source

WINDOWS_JSON = MetaSpec(
    "json",
    timestamp=("SystemTime",),
    host=("Computer",),
    channel=("Channel",),
    event_id=("EventID",),
    provider=("Provider_Name",),
    partition="Channel",
    trim=True,
)
GENERIC_JSON = MetaSpec(
    "json",
    timestamp=(
        "@timestamp",
        "timestamp",
        "time",
        "eventTime",
        "SystemTime",
        "UtcTime",
        "ts",
        "event.created",
        "datetime",
        "date",
    ),
    host=("Computer", "host.name", "hostname", "host", "agent.hostname"),
    channel=("Channel",),
    event_id=("EventID",),
    provider=("Provider_Name", "eventSource"),
    partition="Channel",
)

_READ_SIZE = 1 << 20
_PEEK = 1 << 12
_LINES_EXTENSIONS = (".jsonl", ".ndjson")
_SKIP = re.compile(r"[\s,\[\]]*")
_DECODER = json.JSONDecoder()


class JsonReader:
    """JSON Lines, JSON arrays and concatenated JSON objects."""

    format = "json"

    def decoder(self, source: str) -> JsonLineDecoder:
        """A decoder for JSON Lines."""
        return JsonLineDecoder()

    def read(self, source: Source, ctx: ReadContext) -> Iterator[Record]:
        """Every event of the source, as JSON Lines when its first line is one object."""
        if _is_json_lines(source, ctx):
            yield from read_lines(JsonLineDecoder(), source, ctx)
        else:
            yield from _read_documents(source, ctx)


class JsonLineDecoder:
    """One JSON value per line."""

    def decode(self, line: str, lineno: int) -> Sequence[Record]:
        """The events of one line; a line that is not JSON is rejected."""
        text = line.strip()
        if not text:
            return ()
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise LineRejected(f"not JSON: {exc}") from None
        return events_of(value, lineno, text)


def events_of(value: Any, lineno: int, raw: str) -> Sequence[Record]:
    """The events one JSON value holds, each tagged with ``lineno``."""
    if value.__class__ is dict:
        event = value.get("Event", value)
        if event.__class__ is dict and _is_windows(event.get("System")):
            return ((WINDOWS_JSON, lineno, flatten_windows(event), raw),)
        inner = value.get("_source")
        if inner.__class__ is dict and "_index" in value:
            return events_of(inner, lineno, raw)
        records = value.get("Records")
        if records.__class__ is list and len(value) == 1:
            return _each(records, lineno)
        return ((GENERIC_JSON, lineno, flatten_json(value), raw),)
    if value.__class__ is list:
        return _each(value, lineno)
    raise LineRejected(f"a JSON {type(value).__name__} is not an event; expected an object")


def _is_windows(system: Any) -> bool:
    """Whether ``system`` looks like a Windows event's ``System`` element."""
    return system.__class__ is dict and ("EventID" in system or "Provider" in system)


def _each(values: list[Any], lineno: int) -> Sequence[Record]:
    found: list[Record] = []
    for item in values:
        if item.__class__ is dict:
            found.extend(events_of(item, lineno, orjson.dumps(item).decode()))
    return found


def _is_json_lines(source: Source, ctx: ReadContext) -> bool:
    """Whether the source is JSON Lines: named so, or not an array and its first line whole."""
    if source.hint.lower().endswith(_LINES_EXTENSIONS):
        return True
    try:
        with source.open() as stream:
            if stream.read(_PEEK).lstrip()[:1] == b"[":
                return False
        with source.open() as stream:
            for line in iter_lines(stream, ctx.max_line_bytes):
                if line is None:
                    return True  # read_lines skips and reports the overlong line
                text = line.strip()
                if text:
                    return text[:1] != b"{" or _parses(text)
    except STREAM_ERRORS:
        return True  # read_lines reports the unreadable stream
    return True


def _parses(text: bytes) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _read_documents(source: Source, ctx: ReadContext) -> Iterator[Record]:
    """A JSON array or concatenated JSON values, read in bounded pieces."""
    name = source.name
    reader = _DocumentReader(ctx.max_line_bytes)
    try:
        with source.open() as stream:
            for lineno, value, raw in reader.values(stream):
                try:
                    yield from events_of(value, lineno, raw)
                except LineRejected as exc:
                    ctx.problem(name, f"line {lineno}", str(exc))
    except STREAM_ERRORS as exc:
        ctx.problem(name, f"line {reader.line}", f"unreadable from here on: {exc}")
    finally:
        ctx.stats.bytes += reader.bytes
        for line in reader.skipped:
            ctx.problem(name, f"line {line}", too_long_value(reader.limit) + " skipped")
        if reader.error is not None:
            ctx.problem(name, f"line {reader.error[0]}", reader.error[1])
        if reader.replaced:
            ctx.problem(name, "", f"{reader.replaced} byte sequence(s) were not UTF-8; replaced")


class _DocumentReader:
    """Splits a text stream into JSON values, keeping a buffer of at most ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.line = 1
        self.bytes = 0
        self.replaced = 0
        self.error: tuple[int, str] | None = None
        self.skipped: list[int] = []

    def values(self, stream: ByteStream) -> Iterator[tuple[int, Any, str]]:
        """``(line, value, text)`` for each top-level value (each item of a top-level array)."""
        decode = codecs.getincrementaldecoder("utf-8")("replace").decode
        buffer, pos, counted, eof = "", 0, 0, False
        while True:
            pos = _SKIP.match(buffer, pos).end()  # type: ignore[union-attr]
            try:
                value, end = _DECODER.raw_decode(buffer, pos)
            except json.JSONDecodeError as exc:
                self.line += buffer.count("\n", counted, pos)
                if pos == len(buffer) and eof:
                    return
                if eof or not _incomplete(exc, buffer):
                    self.error = (self.line, f"not JSON ({exc.msg}); the rest is skipped")
                    return
                if len(buffer) - pos > self.limit:
                    self.error = (self.line, too_long_value(self.limit) + "; the rest is skipped")
                    return
                chunk = stream.read(_READ_SIZE)
                eof = not chunk
                self.bytes += len(chunk)
                text = decode(chunk, final=eof)
                self.replaced += text.count("\ufffd") - chunk.count(b"\xef\xbf\xbd")
                buffer, pos, counted = buffer[pos:] + text, 0, 0
                continue
            self.line += buffer.count("\n", counted, pos)
            counted = pos
            if end - pos > self.limit:
                self.skipped.append(self.line)
            else:
                yield self.line, value, buffer[pos:end]
            pos = end


def too_long_value(limit: int) -> str:
    """The reason given for a JSON value over the size limit."""
    return f"a JSON value longer than {limit} bytes (raise the line limit to read it)"


def _incomplete(error: json.JSONDecodeError, buffer: str) -> bool:
    """Whether a decoding error may only mean that the value goes on past the buffer."""
    return error.pos >= len(buffer) - 1 or error.msg.startswith("Unterminated string")
