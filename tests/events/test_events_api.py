"""The public surface of mamori.events, pinned, and the reader registry's contract."""

from __future__ import annotations

import inspect

import mamori.events as events
from mamori.events import READERS, LineReader
from mamori.events.base import get_line_reader, get_reader


def test_the_public_names() -> None:
    assert sorted(events.__all__) == sorted(
        [
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
    )
    assert events.META_COLUMNS == (
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


def test_event_stream_signature() -> None:
    parameters = inspect.signature(events.EventStream).parameters
    assert list(parameters) == [
        "paths",
        "batch_size",
        "format",
        "fields",
        "max_line_bytes",
        "max_problems",
        "evtx_threads",
    ]
    assert parameters["batch_size"].default == 50_000
    assert parameters["max_line_bytes"].default == 1 << 20


def test_every_built_in_reader_is_registered_under_its_format() -> None:
    assert sorted(READERS) == ["cef", "evtx", "json", "syslog", "zeek"]
    for name, reader in READERS.items():
        assert reader.format == name and get_reader(name) is reader
        assert callable(reader.read)
    line_formats = sorted(name for name, r in READERS.items() if isinstance(r, LineReader))
    assert line_formats == ["cef", "json", "syslog", "zeek"]
    for name in line_formats:
        assert get_line_reader(name).decoder("x") is not None
