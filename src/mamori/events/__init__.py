"""Normalized security events and the readers that produce them as Apache Arrow batches.

``EventStream(paths)`` reads files, gzip and zip archives and directories (EVTX,
JSON/JSONL, syslog, Zeek, CEF) into ``pyarrow.RecordBatch`` objects; ``LineParser``
does the same for lines fed live. Each batch has the metadata columns ``_source``,
``_record_id``, ``_timestamp``, ``_host``, ``_channel``, ``_event_id``,
``_provider``, ``_format`` and ``_raw``, then one string column per event field,
named as Sigma rules name it.
"""

from mamori.events.base import READERS, LineDecoder, LineReader, Reader
from mamori.events.errors import EventsError, SourceNotFoundError, UnknownFormatError
from mamori.events.models import META_COLUMNS, ReadProblem, ReadStats
from mamori.events.service import EventStream, LineParser, parse_lines

__all__ = [
    "META_COLUMNS",
    "READERS",
    "EventStream",
    "EventsError",
    "LineDecoder",
    "LineParser",
    "LineReader",
    "ReadProblem",
    "ReadStats",
    "Reader",
    "SourceNotFoundError",
    "UnknownFormatError",
    "parse_lines",
]
