"""The events domain's types: sources, records as readers yield them, and read statistics."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BufferedIOBase
from pathlib import Path
from typing import IO, Any, TypeAlias

from mamori.core import logging as mlog

log = mlog.get_logger(__name__)

#: Metadata columns every batch carries, in order (see the event batch contract).
META_COLUMNS = (
    "_source",
    "_record_id",
    "_timestamp",
    "_host",
    "_channel",
    "_event_id",
    "_provider",
    "_format",
    "_raw",
)

DEFAULT_BATCH_SIZE = 50_000
DEFAULT_MAX_LINE_BYTES = 1 << 20
DEFAULT_MAX_PROBLEMS = 1000


@dataclass(frozen=True, eq=False)
class MetaSpec:
    """Which event fields feed each metadata column, for one kind of record.

    Each tuple names candidate fields, first present wins. ``constants`` fixes a
    metadata column for every record (a Zeek log's path as its channel).
    ``partition`` names the field whose value splits batches (the channel), so a
    batch holds one kind of log. ``trim`` drops trailing whitespace from field
    values, as SigmaHQ's reference tooling does for Windows events. Specs
    compare by identity: readers keep one per kind of record, so grouping records
    by spec costs one pointer hash.
    """

    format: str
    timestamp: tuple[str, ...] = ()
    host: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    event_id: tuple[str, ...] = ()
    provider: tuple[str, ...] = ()
    constants: tuple[tuple[str, str], ...] = ()
    partition: str = ""
    trim: bool = False


#: A readable binary stream: a file, a gzip stream, a zip member.
ByteStream: TypeAlias = IO[bytes] | BufferedIOBase

#: What a reader yields per event: its spec, record id, flat fields and lossless raw text.
Record = tuple[MetaSpec, int, dict[str, Any], str]


class LineRejected(ValueError):
    """A line a decoder cannot make an event of; the reader counts it and reads on."""


@dataclass(frozen=True)
class Source:
    """One stream of events: a file, a gzip file, or a member of a zip archive."""

    name: str
    open: Callable[[], ByteStream]
    path: Path | None = None
    hint: str = ""  # the name whose extension tells the format ("x.log" for "x.log.gz")


@dataclass(frozen=True)
class ReadProblem:
    """Something in the input that could not be read as asked, and where."""

    source: str
    location: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.location}" if self.location else self.source
        return f"{where}: {self.reason}"


@dataclass
class ReadStats:
    """A running tally of a read: events, sources and bytes, and the problems met.

    ``problems`` keeps the first ``max_problems``; ``problem_count`` is exact.
    """

    events: int = 0
    files: int = 0
    bytes: int = 0
    problem_count: int = 0
    problems: list[ReadProblem] = field(default_factory=list)
    max_problems: int = DEFAULT_MAX_PROBLEMS

    def problem(self, source: str, location: str, reason: str) -> None:
        """Count a problem and keep it while the list has room."""
        self.problem_count += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(ReadProblem(source, location, reason))
            mlog.event(
                log,
                "events.read.problem",
                logging.INFO,
                source=source,
                location=location,
                reason=reason,
            )


@dataclass
class ReadContext:
    """What a reader needs besides its source: limits, and where to report problems."""

    stats: ReadStats
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    evtx_threads: int = 1

    def problem(self, source: str, location: str, reason: str) -> None:
        """Report a problem in ``source`` at ``location`` (``line 3``, ``chunk 2``, or empty)."""
        self.stats.problem(source, location, reason)
