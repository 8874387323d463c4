"""The watcher: micro-batches, bad lines counted and skipped, repeats dropped, correlation
fed in arrival order, and a clean end."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pytest
from live_watch_support import (
    FAILURE_BURST,
    LOGIN_FAILED,
    SSH_EXHAUSTED,
    auth_lines,
    count_of,
    eventually,
    login_event,
    login_rules,
    watching,
)

from mamori.detection.live import FileTail, StreamSource, Watcher, WatchError, WatchOptions
from mamori.detection.ruleset import open_hunt
from mamori.events import UnknownFormatError


@contextmanager
def pipe() -> Iterator[tuple[BinaryIO, BinaryIO]]:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as reader, os.fdopen(write_fd, "wb", buffering=0) as writer:
        yield reader, writer


def test_an_alert_arrives_while_the_stream_is_still_open(tmp_path: Path) -> None:
    with pipe() as (reader, writer):
        source = StreamSource(reader, name="pipe")
        options = WatchOptions(batch_lines=500, batch_ms=50)
        with watching([source], tmp_path / "cache", options=options) as (running, collected):
            started = time.monotonic()
            writer.write(auth_lines("maximum authentication attempts exceeded")[0] + b"\n")
            collected.wait_for(count_of(SSH_EXHAUSTED, 1), timeout=5)
            latency = time.monotonic() - started
            running.finish()
    assert latency < 2.0  # one batch of one line, long before 500 lines or the end


def test_a_malformed_line_is_counted_and_the_next_good_line_still_alerts(tmp_path: Path) -> None:
    rules = login_rules(tmp_path / "rules")
    with pipe() as (reader, writer):
        source = StreamSource(reader, name="events", format="json")
        with watching([source], tmp_path / "cache", [rules]) as (running, collected):
            writer.write(login_event("ann", 1) + b"\n")
            collected.wait_for(count_of(LOGIN_FAILED, 1))
            writer.write(b'{"user": "broken", \n')
            writer.write(login_event("bob", 2) + b"\n")
            alerts = collected.wait_for(count_of(LOGIN_FAILED, 2))
            stats = running.finish()
    assert [alert.event["user"] for alert in alerts] == ["ann", "bob"]
    assert [alert.record_id for alert in alerts] == [1, 3]
    assert stats.problem_count == 1
    assert "line 2" in str(stats.problems[0])


def test_an_overlong_line_is_skipped_and_counted(tmp_path: Path) -> None:
    rules = login_rules(tmp_path / "rules")
    with pipe() as (reader, writer):
        source = StreamSource(reader, name="events", max_line_bytes=200)
        options = WatchOptions(batch_ms=20, max_line_bytes=200)
        with watching([source], tmp_path / "cache", [rules], options) as (running, collected):
            writer.write(login_event("x" * 500, 1) + b"\n" + login_event("cy", 2) + b"\n")
            alerts = collected.wait_for(count_of(LOGIN_FAILED, 1))
            stats = running.finish()
    assert [alert.event["user"] for alert in alerts] == ["cy"]
    assert stats.problem_count == 1 and "longer than 200 bytes" in str(stats.problems[0])


def test_the_format_is_detected_from_the_first_line_that_shows_one(tmp_path: Path) -> None:
    rules = login_rules(tmp_path / "rules")
    with pipe() as (reader, writer):
        source = StreamSource(reader, name="events")
        with watching([source], tmp_path / "cache", [rules]) as (running, collected):
            writer.write(b"not a log line\n" + login_event("dee", 1) + b"\n")
            collected.wait_for(count_of(LOGIN_FAILED, 1))
            stats = running.finish()
    assert stats.problem_count == 1 and "not JSON, syslog" in str(stats.problems[0])


def test_correlation_is_fed_live_and_flushed(tmp_path: Path) -> None:
    rules = login_rules(tmp_path / "rules")
    with pipe() as (reader, writer):
        source = StreamSource(reader, name="events")
        with watching([source], tmp_path / "cache", [rules]) as (running, collected):
            for second in (1, 2):
                writer.write(login_event("eve", second) + b"\n")
            writer.write(login_event("eve", 3, action="login_ok") + b"\n")
            collected.wait_for(count_of(LOGIN_FAILED, 2))
            assert not collected.of(FAILURE_BURST)
            writer.write(login_event("eve", 30) + b"\n")
            burst = collected.wait_for(count_of(FAILURE_BURST, 1))
            stats = running.finish()
    assert [a.rule_id for a in burst].count(FAILURE_BURST) == 1
    assert stats.correlation_alerts == 1 and stats.alerts == 4


def test_a_line_read_again_after_truncation_alerts_once(tmp_path: Path) -> None:
    rules = login_rules(tmp_path / "rules")
    path = tmp_path / "events.jsonl"
    line = login_event("fay", 1) + b"\n"
    path.write_bytes(line)
    source = FileTail(path, from_start=True, poll_s=0.01)
    with watching([source], tmp_path / "cache", [rules]) as (running, collected):
        collected.wait_for(count_of(LOGIN_FAILED, 1))
        path.write_bytes(b"")  # truncated, then the same event written again
        eventually(lambda: running.watcher.stats.restarts == 1, what="the restart")
        path.write_bytes(line + login_event("gus", 2) + b"\n")
        alerts = collected.wait_for(count_of(LOGIN_FAILED, 2))
        stats = running.finish()
    assert [alert.event["user"] for alert in alerts] == ["fay", "gus"]
    assert [alert.record_id for alert in alerts] == [1, 2]
    assert stats.duplicates == 1


def test_the_watch_ends_by_itself_when_every_source_has_ended(tmp_path: Path) -> None:
    rules = login_rules(tmp_path / "rules")
    hunt, _, _ = open_hunt([rules], cache_dir=tmp_path / "cache")
    got: list[object] = []
    lines = b"".join(login_event(f"u{n}", n % 3600) + b"\n" for n in range(1200))
    with pipe() as (reader, writer):
        watcher = Watcher(hunt, [StreamSource(reader, name="bulk")], got.append)
        watcher.start()
        writer.write(lines)
        writer.close()
        stats = watcher.run()
    assert stats.events == 1200 and len(got) == stats.alerts >= 1200
    assert stats.batches >= 2  # matched once 500 lines waited, not all at the end
    assert stats.ended == {"bulk": None}


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    hunt, _, _ = open_hunt([login_rules(tmp_path / "rules")], cache_dir=tmp_path / "cache")
    with pytest.raises(WatchError, match="batch_lines"):
        WatchOptions(batch_lines=0)
    with pytest.raises(UnknownFormatError):
        Watcher(hunt, [StreamSource(name="x")], print, WatchOptions(format="evtx"))
