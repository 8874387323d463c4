"""Zeek: TSV logs with their headers, JSON logs, and the same rendering for both."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from events_support import HERE, read, write

from mamori.events import LineParser


def test_a_tsv_log_reads_with_zeek_names_and_the_path_as_channel() -> None:
    events, stream = read(HERE / "conn.log")
    assert stream.stats.problem_count == 0
    web, dns, tls = events
    assert web["id.orig_h"] == "10.0.0.7" and web["id.resp_p"] == "80"
    assert web["service"] == "http" and web["tunnel_parents"] == ""  # (empty)
    assert web["_timestamp"] == datetime(2024, 3, 5, 9, 0, 0, 123456, tzinfo=UTC)
    assert (web["_channel"], web["_provider"], web["_format"]) == ("conn", "zeek", "zeek")
    assert web["_record_id"] == 9  # the line number
    assert "service" not in dns and "duration" not in dns  # unset
    assert dns["tunnel_parents"] == "Ca1,Cb2"
    assert tls["service"] == "ssl\ttls"  # \x09 unescaped
    assert tls["_timestamp"] == datetime(2024, 3, 5, 9, 0, 2, 1, tzinfo=UTC)


def test_a_json_log_reads_like_tsv() -> None:
    events, _ = read(HERE / "dns.json.log")
    first, second = events
    assert first["query"] == "evil.example.net" and first["id.resp_p"] == "53"
    assert first["answers"] == "198.51.100.7,198.51.100.8"  # a vector, as TSV writes it
    assert first["TTLs"] == "60.0,60.0" and first["rejected"] == "false"
    assert first["_channel"] == "dns" and first["_format"] == "zeek"
    assert first["_timestamp"] == datetime(2024, 3, 5, 9, 1, 40, 250000, tzinfo=UTC)
    assert second["_channel"] == "dns"  # from the file name
    assert second["_timestamp"] == datetime(2024, 3, 5, 9, 15, 1, 500000, tzinfo=UTC)


def test_data_before_a_header_and_wrong_widths_are_problems(tmp_path: Path) -> None:
    text = "a\tb\n#fields\tts\tx\n1.0\tone\n2.0\n3.0\tthree\n"
    events, stream = read(write(tmp_path / "http.log", "#separator \\x09\n" + text))
    assert [e["x"] for e in events] == ["one", "three"]
    assert [p.location for p in stream.stats.problems] == ["line 2", "line 5"]
    assert {e["_channel"] for e in events} == {"http"}


def test_a_custom_separator(tmp_path: Path) -> None:
    text = "#separator |\n#fields|ts|query\n#path|dns\n1700000000|a.example\n"
    (event,), _ = read(write(tmp_path / "x.log", text), format="zeek")
    assert event["query"] == "a.example" and event["_channel"] == "dns"


def test_lines_fed_live_keep_the_header() -> None:
    parser = LineParser("zeek", "conn.log")
    header = (HERE / "conn.log").read_text().splitlines()[:8]
    assert list(parser.feed(header)) == []
    (batch,) = parser.feed(["1709629300.0\tCk9\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t-\t-\t(empty)"])
    assert batch.column("uid").to_pylist() == ["Ck9"]
    assert batch.column("_record_id").to_pylist() == [9]
