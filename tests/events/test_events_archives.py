"""gzip and zip: read in place, a zip member as its own source, EVTX inside archives too."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

from events_support import HERE, SYSMON_SMALL, need, read, write


def test_a_gzip_log_reads_like_the_plain_one(tmp_path: Path) -> None:
    path = tmp_path / "conn.log.gz"
    path.write_bytes(gzip.compress((HERE / "conn.log").read_bytes()))
    plain, _ = read(HERE / "conn.log")
    packed, stream = read(path)
    assert [e["uid"] for e in packed] == [e["uid"] for e in plain]
    assert {e["_source"] for e in packed} == {str(path)}
    assert {e["_channel"] for e in packed} == {"conn"}  # the path from the inner name
    assert stream.stats.bytes == (HERE / "conn.log").stat().st_size


def test_an_evtx_inside_gzip_is_read(tmp_path: Path) -> None:
    path = tmp_path / "sysmon.evtx.gz"
    path.write_bytes(gzip.compress(need(SYSMON_SMALL).read_bytes()))
    events, stream = read(path)
    assert [e["Image"] for e in events] == [e["Image"] for e in read(SYSMON_SMALL)[0]]
    assert stream.stats.problem_count == 0


def test_zip_members_are_sources_named_after_the_archive(tmp_path: Path) -> None:
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(need(SYSMON_SMALL), "host1/Sysmon.evtx")
        zf.write(HERE / "syslog_sample.log", "host1/syslog")
        zf.writestr("host1/dns.log.gz", gzip.compress((HERE / "dns.json.log").read_bytes()))
        zf.writestr("notes/", "")
        zf.writestr("notes/readme.txt", "nothing to see")
    events, stream = read(archive)
    sources = sorted({e["_source"] for e in events})
    assert sources == [
        f"{archive}!host1/Sysmon.evtx",
        f"{archive}!host1/dns.log.gz",
        f"{archive}!host1/syslog",
    ]
    by_format = {fmt: [e for e in events if e["_format"] == fmt] for fmt in ("evtx", "zeek")}
    assert len(by_format["evtx"]) == 2 and len(by_format["zeek"]) == 2
    assert {e["_channel"] for e in by_format["zeek"]} == {"dns"}
    assert stream.stats.files == 3
    (problem,) = stream.stats.problems
    assert problem.source == f"{archive}!notes/readme.txt" and "unknown format" in problem.reason


def test_a_zip_inside_a_zip_and_a_broken_archive_are_problems(tmp_path: Path) -> None:
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("a.jsonl", '{"a": 1}\n')
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(inner, "inner.zip")
        zf.writestr("b.jsonl", '{"b": 2}\n')
    broken = write(tmp_path / "broken.zip", b"PK\x03\x04" + b"\x00" * 40)
    events, stream = read(outer, broken)
    assert [e["b"] for e in events] == ["2"]
    reasons = {p.source: p.reason for p in stream.stats.problems}
    assert "zip inside a zip" in reasons[f"{outer}!inner.zip"]
    assert "unreadable zip" in reasons[str(broken)]


def test_a_gzip_cut_short_keeps_what_came_before(tmp_path: Path) -> None:
    lines = "".join(f'{{"n": {index}, "pad": "{"x" * 50}"}}\n' for index in range(2000))
    packed = gzip.compress(lines.encode())
    path = write(tmp_path / "cut.jsonl.gz", packed[: len(packed) // 2])
    events, stream = read(path)
    assert 0 < len(events) < 2000
    assert [e["n"] for e in events] == [str(index) for index in range(len(events))]
    (problem,) = stream.stats.problems
    assert "unreadable from here on" in problem.reason and problem.location.startswith("line ")


def test_a_gzip_evtx_cut_short_is_a_problem(tmp_path: Path) -> None:
    packed = gzip.compress(need(SYSMON_SMALL).read_bytes())
    path = write(tmp_path / "cut.evtx.gz", packed[: len(packed) // 2])
    events, stream = read(path, format="evtx")
    assert events == []
    assert stream.stats.problem_count >= 1


def test_an_archive_member_read_twice_gives_the_same_rows(tmp_path: Path) -> None:
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(HERE / "conn.log", "conn.log")
    copy = tmp_path / "copy.zip"
    shutil.copy(archive, copy)
    first, _ = read(archive)
    second, _ = read(copy)
    strip = [{k: v for k, v in e.items() if k != "_source"} for e in first]
    assert strip == [{k: v for k, v in e.items() if k != "_source"} for e in second]
