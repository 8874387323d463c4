"""The EVTX reader: real samples' fields and metadata; damaged files read as far as possible."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from events_support import MULTI_CHUNK, MULTI_CHUNK_RECORDS, SYSMON_SMALL, need, read, write

from mamori.events import EventStream

CHUNK = 65536
HEADER = 4096


def test_a_sysmon_process_creation_has_sigma_fields_and_metadata() -> None:
    events, stream = read(need(SYSMON_SMALL))
    first = events[0]
    assert first["EventID"] == "1"
    assert first["Channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert first["Provider_Name"] == "Microsoft-Windows-Sysmon"
    assert first["Image"] == "C:\\Windows\\hh.exe"
    assert first["ParentImage"] == "C:\\Windows\\explorer.exe"
    assert first["SystemTime"] == "2019-07-26T07:39:14.375565Z"
    assert first["_timestamp"] == datetime(2019, 7, 26, 7, 39, 14, 375565, tzinfo=UTC)
    assert (first["_host"], first["_event_id"], first["_record_id"]) == ("MSEDGEWIN10", 1, 4348)
    assert (first["_provider"], first["_format"]) == ("Microsoft-Windows-Sysmon", "evtx")
    assert first["_channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert first["_source"] == str(SYSMON_SMALL)
    assert '"Image":"C:\\\\Windows\\\\hh.exe"' in first["_raw"]
    assert stream.stats.events == len(events) == 2
    assert (stream.stats.files, stream.stats.problem_count) == (1, 0)
    assert stream.stats.bytes == SYSMON_SMALL.stat().st_size


def test_every_field_is_a_string_column_and_metadata_has_contract_types() -> None:
    batch = next(iter(EventStream([need(SYSMON_SMALL)])))
    assert batch.schema.field("_record_id").type == pa.int64()
    assert batch.schema.field("_event_id").type == pa.int64()
    assert batch.schema.field("_timestamp").type == pa.timestamp("us", tz="UTC")
    for field in batch.schema:
        if not field.name.startswith("_") or field.name in ("_source", "_raw", "_format"):
            assert field.type == pa.string(), field.name


def test_security_events_name_attributes_after_their_element() -> None:
    events, _ = read(need(MULTI_CHUNK))
    event = events[0]
    assert event["EventID"] == "5145" and event["Channel"] == "Security"
    assert event["Provider_Name"] == "Microsoft-Windows-Security-Auditing"
    assert "Provider_Guid" in event and "ProcessID" in event and "ThreadID" in event
    assert event["ShareName"].startswith("\\\\")
    assert [e["_record_id"] for e in events] == sorted(e["_record_id"] for e in events)
    assert len(events) == MULTI_CHUNK_RECORDS


def test_parser_threads_do_not_change_the_result() -> None:
    one, _ = read(need(MULTI_CHUNK), evtx_threads=1)
    many, _ = read(need(MULTI_CHUNK), evtx_threads=2)
    assert one == many


def _copy(tmp_path: Path, name: str) -> bytearray:
    data = bytearray(need(MULTI_CHUNK).read_bytes())
    assert (len(data) - HEADER) % CHUNK == 0
    return data


def test_a_corrupt_chunk_is_reported_with_its_number_and_the_rest_is_read(tmp_path: Path) -> None:
    data = _copy(tmp_path, "corrupt")
    start = HEADER + 3 * CHUNK
    data[start : start + CHUNK] = os.urandom(CHUNK)
    path = write(tmp_path / "corrupt.evtx", bytes(data))
    events, stream = read(path)
    every = [event["_record_id"] for event in read(MULTI_CHUNK)[0]]
    lost = every[287:369]  # the parser's records 288-369 live in chunk 3
    assert [event["_record_id"] for event in events] == every[:287] + every[369:]
    assert len(lost) == 82
    assert stream.stats.problem_count == 1
    problem = stream.stats.problems[0]
    assert (problem.source, problem.location) == (str(path), "chunk 3")
    assert "chunk" in problem.reason


def test_a_truncated_file_keeps_its_whole_chunks_and_names_the_cut_one(tmp_path: Path) -> None:
    data = _copy(tmp_path, "cut")
    path = write(tmp_path / "cut.evtx", bytes(data[: HEADER + 5 * CHUNK + 1000]))
    events, stream = read(path)
    assert len(events) == 451  # the records of chunks 0-4
    assert [(p.location, "truncated" in p.reason) for p in stream.stats.problems] == [
        ("chunk 5", True)
    ]


def test_a_damaged_record_is_skipped_alone(tmp_path: Path) -> None:
    data = _copy(tmp_path, "record")
    # bytes that are no BinXML token, inside the second record of chunk 1 (record 101)
    start = HEADER + CHUNK + 3991
    data[start : start + 16] = b"\xf3" * 16
    path = write(tmp_path / "record.evtx", bytes(data))
    events, stream = read(path)
    assert len(events) == MULTI_CHUNK_RECORDS - 1
    assert [p.location for p in stream.stats.problems] == ["record 101"]


def test_random_bytes_are_not_an_evtx_file(tmp_path: Path) -> None:
    path = write(tmp_path / "random.evtx", os.urandom(200_000))
    events, stream = read(path)
    assert events == []
    assert stream.stats.problem_count == 1
    assert "not an EVTX file" in stream.stats.problems[0].reason


def test_random_bytes_after_a_valid_header_are_reported(tmp_path: Path) -> None:
    data = _copy(tmp_path, "header")
    path = write(tmp_path / "header.evtx", bytes(data[:HEADER]) + os.urandom(3 * CHUNK))
    events, stream = read(path)
    assert events == []
    assert {p.location for p in stream.stats.problems} >= {"chunk 0"}


def test_a_damaged_file_header_is_reported_and_the_records_still_read(tmp_path: Path) -> None:
    data = _copy(tmp_path, "checksum")
    data[10:12] = b"\xff\xff"
    path = write(tmp_path / "checksum.evtx", bytes(data))
    events, stream = read(path)
    assert len(events) == MULTI_CHUNK_RECORDS
    assert [p.location for p in stream.stats.problems] == ["file header"]


def test_an_empty_evtx_file_holds_no_events(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.evtx", b"")
    events, stream = read(path)
    assert events == [] and stream.stats.files == 1


def test_a_header_only_file_holds_no_events_and_no_problem(tmp_path: Path) -> None:
    data = _copy(tmp_path, "hdr")
    path = write(tmp_path / "header_only.evtx", bytes(data[:HEADER]))
    events, stream = read(path)
    assert events == [] and stream.stats.problem_count == 0


def test_format_forced_on_a_renamed_evtx(tmp_path: Path) -> None:
    path = tmp_path / "renamed.dat"
    shutil.copy(need(SYSMON_SMALL), path)
    assert len(read(path)[0]) == 2  # found by its signature
    assert len(read(path, format="evtx")[0]) == 2
