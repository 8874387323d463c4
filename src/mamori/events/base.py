"""The reader extension point: one small protocol, and the built-in readers by format name.

A reader turns a :class:`~mamori.events.models.Source` into records. A line
reader also hands out a :class:`LineDecoder`, so the same parsing serves files
and live lines (``mamori watch``). A third-party format is one more object with
``format`` and ``read``, added to :data:`READERS`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from mamori.events.errors import UnknownFormatError
from mamori.events.models import ReadContext, Record, Source
from mamori.events.readers.cef import CefReader
from mamori.events.readers.evtx import EvtxReader
from mamori.events.readers.jsonlog import JsonReader
from mamori.events.readers.syslog import SyslogReader
from mamori.events.readers.zeek import ZeekReader


class Reader(Protocol):
    """Reads one source's events."""

    format: str

    def read(self, source: Source, ctx: ReadContext) -> Iterator[Record]:
        """Every event of ``source``; problems go to ``ctx``, never raised."""
        ...


class LineDecoder(Protocol):
    """Turns one line of text into records; keeps whatever state the format needs."""

    def decode(self, line: str, lineno: int) -> Sequence[Record]:
        """The records of one line (none for a header or blank line); raises LineRejected."""
        ...


@runtime_checkable
class LineReader(Reader, Protocol):
    """A reader whose events are lines, so that lines can also be fed to it live."""

    def decoder(self, source: str) -> LineDecoder:
        """A fresh decoder for the lines of the source named ``source``."""
        ...


READERS: dict[str, Reader] = {
    "evtx": EvtxReader(),
    "json": JsonReader(),
    "syslog": SyslogReader(),
    "zeek": ZeekReader(),
    "cef": CefReader(),
}


def get_reader(name: str) -> Reader:
    """The reader for a format name; raises UnknownFormatError for a name none handles."""
    reader = READERS.get(name)
    if reader is None:
        raise UnknownFormatError(
            f"no reader for the format {name!r}",
            where="format",
            hint=f"use one of: {', '.join(sorted(READERS))}",
        )
    return reader


def get_line_reader(name: str) -> LineReader:
    """The reader for a line format; raises UnknownFormatError when ``name`` is not one."""
    reader = get_reader(name)
    if not isinstance(reader, LineReader):
        raise UnknownFormatError(
            f"the format {name!r} is not line-based and cannot be fed line by line",
            where="format",
            hint="feed json, syslog, zeek or cef lines; read EVTX files with EventStream",
        )
    return reader
