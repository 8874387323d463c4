"""Bad input: bytes that are not UTF-8, huge lines, empty and unknown files, wrong requests."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest
from events_support import read, write

from mamori.events import EventsError, EventStream, LineParser, UnknownFormatError


def test_bytes_that_are_not_utf8_are_replaced_and_counted_once_per_file(tmp_path: Path) -> None:
    data = b"<34>Oct 11 22:14:15 host app: caf\xe9\n<34>Oct 11 22:14:16 host app: ok\n"
    data += b"<34>Oct 11 22:14:17 host app: \xff\xfe again\n"
    events, stream = read(write(tmp_path / "latin1.log", data))
    assert [e["message"] for e in events] == ["caf\ufffd", "ok", "\ufffd\ufffd again"]
    (problem,) = stream.stats.problems
    assert problem.location == "line 1" and "2 line(s)" in problem.reason


def test_invalid_utf8_in_json_lines_and_json_documents(tmp_path: Path) -> None:
    events, stream = read(write(tmp_path / "a.jsonl", b'{"v": "\xff"}\n{"v": "ok"}\n'))
    assert [e["v"] for e in events] == ["\ufffd", "ok"] and stream.stats.problem_count == 1
    events, stream = read(write(tmp_path / "b.json", b'[{"v": "\xff"},\n {"v": "ok"}]'))
    assert [e["v"] for e in events] == ["\ufffd", "ok"] and stream.stats.problem_count == 1


def test_a_10_mb_line_is_skipped_without_being_held(tmp_path: Path) -> None:
    path = tmp_path / "huge.log"
    with path.open("wb") as handle:
        handle.write(b"<34>Oct 11 22:14:15 host app: before\n<34>Oct 11 22:14:15 host app: ")
        for _ in range(10):
            handle.write(b"x" * (1 << 20))
        handle.write(b"\n<34>Oct 11 22:14:16 host app: after\n")
    tracemalloc.start()
    try:
        events, stream = read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [e["message"] for e in events] == ["before", "after"]
    assert [e["_record_id"] for e in events] == [1, 3]
    (problem,) = stream.stats.problems
    assert problem.location == "line 2" and "longer than 1048576 bytes" in problem.reason
    assert peak < 4 * (1 << 20)  # about one line limit, never the 10 MB line


def test_the_line_limit_can_be_raised_or_lowered(tmp_path: Path) -> None:
    path = write(tmp_path / "x.jsonl", '{"a": "' + "y" * 5000 + '"}\n{"a": 1}\n')
    assert len(read(path)[0]) == 2
    events, stream = read(path, max_line_bytes=100)
    assert [e["a"] for e in events] == ["1"] and stream.stats.problem_count == 1


def test_a_long_line_in_a_gzip_file(tmp_path: Path) -> None:
    data = b'{"a": 1}\n{"b": "' + b"z" * 3_000_000 + b'"}\n{"a": 2}\n'
    events, stream = read(write(tmp_path / "x.jsonl.gz", gzip.compress(data)))
    assert [e["a"] for e in events] == ["1", "2"] and stream.stats.problem_count == 1


def test_empty_files_hold_no_events_and_are_no_problem(tmp_path: Path) -> None:
    paths = [write(tmp_path / name, "") for name in ("a.log", "b.jsonl", "c", "d.cef")]
    paths.append(write(tmp_path / "e.log.gz", gzip.compress(b"")))
    events, stream = read(*paths)
    assert events == [] and stream.stats.problem_count == 0 and stream.stats.files == 5


def test_blank_only_files_hold_no_events(tmp_path: Path) -> None:
    events, stream = read(write(tmp_path / "blank.jsonl", "\n\n  \n"), format="json")
    assert events == [] and stream.stats.problem_count == 0


def test_unknown_formats_are_skipped_and_counted(tmp_path: Path) -> None:
    binary = write(tmp_path / "image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    prose = write(tmp_path / "notes.txt", "Dear analyst,\nnothing here.\n")
    events, stream = read(binary, prose)
    assert events == [] and stream.stats.problem_count == 2
    assert all("unknown format" in p.reason for p in stream.stats.problems)


def test_forcing_a_format_reads_what_sniffing_would_not(tmp_path: Path) -> None:
    prose = write(tmp_path / "notes.txt", "Dear analyst,\nnothing here.\n")
    events, _ = read(prose, format="syslog")
    assert [e["message"] for e in events] == ["Dear analyst,", "nothing here."]


def test_an_unknown_format_name_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "x.log", "x\n")
    with pytest.raises(UnknownFormatError) as raised:
        EventStream([path], format="leef")
    assert "evtx" in (raised.value.hint or "")
    with pytest.raises(UnknownFormatError):
        LineParser("evtx", "stdin")
    with pytest.raises(EventsError):
        EventStream([path], batch_size=0)


def test_the_problem_list_is_capped_but_the_count_is_exact(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.jsonl", "nope\n" * 50)
    events, stream = read(path, max_problems=10)
    assert events == [] and stream.stats.problem_count == 50 and len(stream.stats.problems) == 10


def test_a_line_parser_counts_bad_lines() -> None:
    parser = LineParser("json", "tail", max_line_bytes=20)
    batches = list(parser.feed(['{"a": 1}', "not json", '{"b": "' + "x" * 30 + '"}', b"\xff"]))
    assert sum(batch.num_rows for batch in batches) == 1
    assert [p.location for p in parser.stats.problems] == ["line 2", "line 3", "line 4", "line 4"]
