"""Directories: walked recursively in name order, symlink loops ended, unknown files counted."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from events_support import HERE, SYSMON_SMALL, need, read, write

from mamori.events import EventStream, SourceNotFoundError


def _tree(root: Path) -> Path:
    write(root / "b" / "late.jsonl", '{"n": "b1"}\n')
    write(root / "a" / "z.jsonl", '{"n": "a-z"}\n')
    write(root / "a" / "deep" / "x.jsonl", '{"n": "a-deep"}\n')
    write(root / "a" / "notes.txt", "just words, no log\n")
    write(root / "a" / "empty.log", "")
    write(root / "0.jsonl", '{"n": "top"}\n')
    return root


def test_a_directory_is_walked_in_name_order(tmp_path: Path) -> None:
    events, stream = read(_tree(tmp_path / "logs"))
    assert [e["n"] for e in events] == ["top", "a-deep", "a-z", "b1"]
    assert stream.stats.files == 5  # four logs and the empty one
    (problem,) = stream.stats.problems
    assert problem.source.endswith("notes.txt") and "unknown format" in problem.reason


def test_the_order_is_the_same_every_time(tmp_path: Path) -> None:
    root = _tree(tmp_path / "logs")
    assert read(root)[0] == read(root)[0]


def test_a_symlink_loop_ends(tmp_path: Path) -> None:
    root = _tree(tmp_path / "logs")
    os.symlink(root, root / "a" / "loop")
    os.symlink(root / "b", root / "b-again")
    events, stream = read(root)
    assert sorted(e["n"] for e in events) == ["a-deep", "a-z", "b1", "top"]
    reasons = [p.reason for p in stream.stats.problems]
    assert sum("already read" in reason for reason in reasons) == 2


def test_a_broken_link_is_a_problem(tmp_path: Path) -> None:
    root = _tree(tmp_path / "logs")
    os.symlink(root / "missing", root / "dangling")
    events, stream = read(root)
    reasons = {Path(p.source).name: p.reason for p in stream.stats.problems}
    assert "not a regular file" in reasons["dangling"] and len(events) == 4


def test_an_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    root = _tree(tmp_path / "logs")
    secret = write(root / "secret.jsonl", '{"n": 1}\n')
    secret.chmod(0)
    try:
        if os.access(secret, os.R_OK):
            pytest.skip("the tests run as a user that can read any file (root)")
        events, stream = read(root)
    finally:
        secret.chmod(0o600)
    reasons = {Path(p.source).name: p.reason for p in stream.stats.problems}
    assert "unreadable" in reasons["secret.jsonl"] and len(events) == 4


def test_mixed_formats_in_one_directory(tmp_path: Path) -> None:
    root = tmp_path / "case"
    root.mkdir()
    shutil.copy(need(SYSMON_SMALL), root / "sysmon.evtx")
    for name in ("conn.log", "syslog_sample.log", "firewall.cef", "winlogbeat.ndjson"):
        shutil.copy(HERE / name, root / name)
    events, stream = read(root)
    formats = {}
    for event in events:
        formats[event["_format"]] = formats.get(event["_format"], 0) + 1
    assert formats == {"evtx": 2, "zeek": 3, "syslog": 7, "cef": 4, "json": 2}
    assert stream.stats.files == 5


def test_a_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError) as raised:
        EventStream([tmp_path / "nope"])
    assert raised.value.where == str(tmp_path / "nope")
