"""Following a file as ``tail -F`` does: appends, truncation, rotation, a late file."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from live_watch_support import LineLog, eventually

from mamori.detection.live import FileTail, WatchSourceError


@contextmanager
def following(path: Path, **options: object) -> Iterator[LineLog]:
    tail = FileTail(path, poll_s=0.01, **options)  # type: ignore[arg-type]
    log = LineLog()
    tail.start(log)
    try:
        yield log
    finally:
        tail.stop()
        tail.join(2.0)
        eventually(lambda: "end" in log.kinds(), 2.0, "the end of the tail")


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as handle:
        handle.write(data)


def test_starts_at_the_end_and_follows_appends_from_another_thread(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"old 1\nold 2\n")
    expected = [f"new {n}".encode() for n in range(200)]
    with following(path) as log:

        def writer() -> None:
            for line in expected:
                _append(path, line + b"\n")

        thread = threading.Thread(target=writer)
        thread.start()
        thread.join()
        log.wait_lines(expected)


def test_from_start_reads_what_is_there_first(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"old 1\nold 2\n")
    with following(path, from_start=True) as log:
        log.wait_lines([b"old 1", b"old 2"])
        _append(path, b"new\n")
        log.wait_lines([b"old 1", b"old 2", b"new"])


def test_a_line_written_in_two_pieces_arrives_whole(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"")
    with following(path) as log:
        _append(path, b"half a ")
        _append(path, b"line\n")
        log.wait_lines([b"half a line"])


def test_truncation_starts_over_from_the_beginning(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"")
    with following(path) as log:
        _append(path, b"before one\nbefore two\n")
        log.wait_lines([b"before one", b"before two"])
        with path.open("r+b") as handle:  # copytruncate: same file, emptied
            handle.truncate(0)
        eventually(lambda: "restart" in log.kinds(), what="the restart")
        _append(path, b"after\n")
        log.wait_lines([b"before one", b"before two", b"after"])
    assert log.kinds().index("restart") < len(log.kinds()) - 2


def test_rotation_reads_the_rest_of_the_old_file_then_the_new_one(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"")
    with following(path) as log:
        _append(path, b"one\n")
        log.wait_lines([b"one"])
        os.rename(path, tmp_path / "app.log.1")
        _append(tmp_path / "app.log.1", b"two (late, to the old file)\n")
        path.write_bytes(b"three (new file)\n")
        log.wait_lines([b"one", b"two (late, to the old file)", b"three (new file)"])
        _append(path, b"four\n")
        log.wait_lines([b"one", b"two (late, to the old file)", b"three (new file)", b"four"])
    kinds = [kind for kind in log.kinds() if kind != "lines"]
    assert kinds == ["restart", "end"]


def test_a_file_that_is_not_there_yet_is_read_from_its_start_once_it_appears(
    tmp_path: Path,
) -> None:
    path = tmp_path / "later.log"
    with following(path) as log:
        path.write_bytes(b"first\nsecond\n")
        log.wait_lines([b"first", b"second"])


def test_a_folder_cannot_be_followed(tmp_path: Path) -> None:
    with pytest.raises(WatchSourceError, match="folder"):
        FileTail(tmp_path).start(LineLog())
