"""CEF (ArcSight Common Event Format) lines, bare or behind a syslog header.

Header fields are named ``cefVersion``, ``deviceVendor``, ``deviceProduct``,
``deviceVersion``, ``deviceEventClassId``, ``name`` and ``severity``; extension
keys keep their own names (``src``, ``dst``, ``act``…). A syslog header in front
gives ``syslog.timestamp``, ``syslog.hostname`` and the like.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from mamori.events.lines import read_lines
from mamori.events.models import LineRejected, MetaSpec, ReadContext, Record, Source
from mamori.events.readers.syslog import parse_syslog

CEF = MetaSpec(
    "cef",
    timestamp=("rt", "end", "start", "syslog.timestamp"),
    host=("dvchost", "dvc", "syslog.hostname"),
    event_id=("deviceEventClassId",),
    provider=("deviceProduct",),
    partition="deviceProduct",
)
HEADER = (
    "deviceVendor",
    "deviceProduct",
    "deviceVersion",
    "deviceEventClassId",
    "name",
    "severity",
)

_START = re.compile(r"CEF: ?(\d+)\|")
_PART = re.compile(r"((?:[^|\\]|\\.)*)\|", re.S)
_HEADER_ESCAPE = re.compile(r"\\([|\\])")
_KEY = re.compile(r"(?:^|(?<=\s))([A-Za-z0-9_.\[\]-]+)=")
_VALUE_ESCAPE = re.compile(r"\\([=\\nr])")
_UNESCAPED = {"=": "=", "\\": "\\", "n": "\n", "r": "\r"}


class CefReader:
    """CEF files and lines."""

    format = "cef"

    def decoder(self, source: str) -> CefDecoder:
        """A decoder for CEF lines."""
        return CefDecoder()

    def read(self, source: Source, ctx: ReadContext) -> Iterator[Record]:
        """One event per CEF line; a line without a CEF header is a problem."""
        return read_lines(CefDecoder(), source, ctx)


class CefDecoder:
    """One CEF event per line."""

    def decode(self, line: str, lineno: int) -> Sequence[Record]:
        """The line's event; a blank line gives none, a line without ``CEF:`` is rejected."""
        if not line.strip():
            return ()
        fields = parse_cef(line)
        if fields is None:
            raise LineRejected("no CEF header (CEF:n|vendor|product|…) in the line")
        return ((CEF, lineno, fields, line),)


def parse_cef(line: str) -> dict[str, str] | None:
    """A CEF line's fields, or ``None`` when it holds no CEF header; never raises."""
    start = _START.search(line)
    if start is None:
        return None
    fields: dict[str, str] = {"cefVersion": start.group(1)}
    pos = start.end()
    for name in HEADER:
        part = _PART.match(line, pos)
        if part is None:
            # a header cut short: the rest is its last field, and there is no extension
            fields[name] = _HEADER_ESCAPE.sub(r"\1", line[pos:])
            pos = len(line)
            break
        fields[name] = _HEADER_ESCAPE.sub(r"\1", part.group(1))
        pos = part.end()
    for key, value in parse_extension(line[pos:]).items():
        fields.setdefault(key, value)
    prefix = line[: start.start()].strip()
    if prefix:
        for key, value in parse_syslog(prefix).items():
            if key != "message" or value:
                fields.setdefault(f"syslog.{key}", value)
    return fields


def parse_extension(text: str) -> dict[str, str]:
    """CEF extension ``key=value`` pairs; a value runs to the next ``key=``."""
    keys = list(_KEY.finditer(text))
    fields: dict[str, str] = {}
    for index, match in enumerate(keys):
        end = keys[index + 1].start() if index + 1 < len(keys) else len(text)
        value = text[match.end() : end].rstrip()
        if "\\" in value:
            value = _VALUE_ESCAPE.sub(lambda m: _UNESCAPED[m.group(1)], value)
        fields.setdefault(match.group(1), value)
    return fields
