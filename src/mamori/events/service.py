"""Reading events: files and directories as an :class:`EventStream`, live lines as a
:class:`LineParser`. Both give Arrow record batches that follow the event batch
contract (see :mod:`mamori.events`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path

import pyarrow as pa

from mamori.core import logging as mlog
from mamori.events.base import get_line_reader, get_reader
from mamori.events.batch import BatchBuilder
from mamori.events.detect import SNIFF_BYTES, detect_format
from mamori.events.errors import EventsError, SourceNotFoundError
from mamori.events.lines import STREAM_ERRORS, decode_line, decode_one, too_long
from mamori.events.models import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_LINE_BYTES,
    DEFAULT_MAX_PROBLEMS,
    ReadContext,
    ReadStats,
    Source,
)
from mamori.events.sources import expand

log = mlog.get_logger(__name__)


class EventStream:
    """The events of files, archives and directories, as bounded Arrow batches.

    Iterate it for the batches; ``stats`` tallies the read in progress (events,
    files, bytes, problems) and starts afresh with each iteration. ``format``
    forces one format for every file; ``fields`` limits the field columns made
    (the metadata columns are always there).
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        format: str | None = None,
        fields: Collection[str] | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_problems: int = DEFAULT_MAX_PROBLEMS,
        evtx_threads: int = 1,
    ) -> None:
        _check_positive(batch_size=batch_size, max_line_bytes=max_line_bytes)
        if format is not None:
            get_reader(format)
        self.paths = [Path(path) for path in paths]
        for path in self.paths:
            if not path.exists():
                raise SourceNotFoundError(
                    "no such file or directory", where=str(path), hint="check the path"
                )
        self.batch_size = batch_size
        self.format = format
        self.fields = None if fields is None else frozenset(fields)
        self.max_line_bytes = max_line_bytes
        self.max_problems = max_problems
        self.evtx_threads = evtx_threads
        self.stats = ReadStats(max_problems=max_problems)

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        self.stats = stats = ReadStats(max_problems=self.max_problems)
        ctx = ReadContext(stats, self.max_line_bytes, self.evtx_threads)
        builder = BatchBuilder(self.batch_size, self.fields)
        for source in expand(self.paths, ctx):
            for batch in self._read(source, ctx, builder):
                stats.events += batch.num_rows
                yield batch
        for batch in builder.take_all():
            stats.events += batch.num_rows
            yield batch
        mlog.event(
            log,
            "events.read.done",
            events=stats.events,
            files=stats.files,
            bytes=stats.bytes,
            problems=stats.problem_count,
        )

    def _read(
        self, source: Source, ctx: ReadContext, builder: BatchBuilder
    ) -> Iterator[pa.RecordBatch]:
        """The full batches while reading one source; a failing source becomes a problem."""
        name = source.name
        fmt = self.format or _sniff(source, ctx)
        if fmt is None:
            return
        ctx.stats.files += 1
        add = builder.add
        try:
            for record in get_reader(fmt).read(source, ctx):
                if add(name, record) and (batch := builder.take_largest()) is not None:
                    yield batch
        except (*STREAM_ERRORS, EventsError) as exc:
            ctx.problem(name, "", f"unreadable: {exc}")
        except Exception as exc:  # a reader's bug must not end a hunt over thousands of files
            log.error("events.read.failed", exc_info=True, extra={"event_fields": {"source": name}})
            ctx.problem(name, "", f"internal error while reading: {type(exc).__name__}: {exc}")


def _sniff(source: Source, ctx: ReadContext) -> str | None:
    """The source's format from its first bytes; an empty or unknown source is skipped."""
    try:
        with source.open() as stream:
            head = stream.read(SNIFF_BYTES)
    except STREAM_ERRORS as exc:
        ctx.problem(source.name, "", f"unreadable: {exc}")
        return None
    if not head:
        ctx.stats.files += 1  # an empty file is read, and holds no events
        return None
    found = detect_format(head, source.hint or source.name)
    if found is None:
        ctx.problem(
            source.name,
            "",
            "unknown format (not EVTX, JSON, syslog, Zeek or CEF); name the format to force one",
        )
    return found


class LineParser:
    """Parses lines fed to it (a tailed file, a syslog socket) into Arrow batches.

    Line numbers, and a Zeek header's columns, carry over from one ``feed`` to
    the next, so a tailed file can be fed as it grows.
    """

    def __init__(
        self,
        format: str,
        source: str,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        fields: Collection[str] | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_problems: int = DEFAULT_MAX_PROBLEMS,
    ) -> None:
        _check_positive(batch_size=batch_size, max_line_bytes=max_line_bytes)
        self.source = source
        self.stats = ReadStats(max_problems=max_problems)
        self._ctx = ReadContext(self.stats, max_line_bytes)
        self._decoder = get_line_reader(format).decoder(source)
        self._builder = BatchBuilder(batch_size, fields)
        self._lineno = 0

    def feed(self, lines: Iterable[str | bytes]) -> Iterator[pa.RecordBatch]:
        """Batches of the events in ``lines``: full ones as they fill, then the rest."""
        builder, ctx, source = self._builder, self._ctx, self.source
        for line in lines:
            self._lineno += 1
            text = self._text(line)
            if text is None:
                continue
            for record in decode_one(self._decoder, text, self._lineno, source, ctx):
                if builder.add(source, record) and (batch := builder.take_largest()) is not None:
                    yield self._count(batch)
        for batch in builder.take_all():
            yield self._count(batch)

    def _text(self, line: str | bytes) -> str | None:
        limit = self._ctx.max_line_bytes
        if len(line) > limit:
            self._ctx.problem(self.source, f"line {self._lineno}", too_long(limit))
            return None
        if isinstance(line, str):
            return line.rstrip("\r\n")
        text, replaced = decode_line(line.rstrip(b"\r\n"))
        if replaced:
            self._ctx.problem(
                self.source, f"line {self._lineno}", "bytes that are not UTF-8 replaced"
            )
        return text

    def _count(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        self.stats.events += batch.num_rows
        return batch


def parse_lines(
    format: str,
    lines: Iterable[str | bytes],
    source: str,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    fields: Collection[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """The events of ``lines`` in one format as batches (a one-off :class:`LineParser`)."""
    return LineParser(format, source, batch_size=batch_size, fields=fields).feed(lines)


def _check_positive(**limits: int) -> None:
    for name, value in limits.items():
        if value < 1:
            raise EventsError(f"{name} must be at least 1, not {value}", where=name)
