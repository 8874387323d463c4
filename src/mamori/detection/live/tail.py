"""Following a growing log file the way ``tail -F`` does.

The file is polled: new bytes are read as they are appended; when the name points to a new
file (rotation: the inode changed) the rest of the old file is read, then the new one from
its start; when the file shrinks (truncation, ``copytruncate``) it is read again from the
start. A file that is not there yet is waited for.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from mamori.core import logging as mlog
from mamori.detection.live.errors import WatchSourceError
from mamori.detection.live.framing import LineSplitter
from mamori.detection.live.source import BackgroundSource, LineSink
from mamori.events.models import DEFAULT_MAX_LINE_BYTES

log = mlog.get_logger(__name__)

CHUNK_BYTES = 1 << 16


class FileTail(BackgroundSource):
    """Follows one file by name; starts at its end unless ``from_start``."""

    def __init__(
        self,
        path: Path,
        *,
        from_start: bool = False,
        format: str | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        poll_s: float = 0.05,
    ) -> None:
        super().__init__(str(path), format)
        self.path = path
        self.from_start = from_start
        self.poll_s = poll_s
        self._splitter = LineSplitter(max_line_bytes)
        self._file: io.FileIO | None = None
        self._identity: tuple[int, int] | None = None
        self._position = 0
        self._open_failed = False

    def _open(self) -> None:
        if self.path.is_dir():
            raise WatchSourceError(
                "is a folder, not a file to follow",
                where=str(self.path),
                hint="name the log file itself; `mamori hunt` reads whole folders",
            )
        try:
            self._reopen(at_end=not self.from_start)
        except OSError as exc:
            raise WatchSourceError(
                f"cannot open the file: {exc.strerror or exc}",
                where=str(self.path),
                hint="check that mamori may read it",
            ) from exc

    def _run(self, sink: LineSink) -> None:
        while not self.stopping:
            if not self._advance(sink):
                self.wait(self.poll_s)
        last = self._splitter.flush()
        if last is not None:
            sink.lines(self.name, [last])

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _advance(self, sink: LineSink) -> bool:
        """Read, or move to the file now under the name; ``False`` when there is nothing new."""
        if self._file is None:
            return self._try_reopen()
        return self._pump(sink) or self._follow(sink)

    def _reopen(self, *, at_end: bool) -> bool:
        """Open the file by its name; ``False`` when there is none (yet)."""
        try:
            handle = io.FileIO(self.path, "r")
        except FileNotFoundError:
            return False
        stat = os.fstat(handle.fileno())
        self._identity = (stat.st_dev, stat.st_ino)
        self._position = handle.seek(0, os.SEEK_END) if at_end else 0
        self._file = handle
        return True

    def _try_reopen(self) -> bool:
        """Open a file that has appeared, from its start; report a failure once."""
        try:
            opened = self._reopen(at_end=False)
        except OSError as exc:
            if not self._open_failed:
                mlog.event(log, "detection.watch.file.unreadable", path=self.name, error=str(exc))
            self._open_failed = True
            return False
        self._open_failed = False
        return opened

    def _pump(self, sink: LineSink) -> bool:
        """Read what has been appended; ``True`` when there was something."""
        assert self._file is not None
        data = self._file.read(CHUNK_BYTES)
        if not data:
            return False
        self._position += len(data)
        lines = self._splitter.feed(data)
        if lines and not sink.lines(self.name, lines):
            self.stop()
        return True

    def _follow(self, sink: LineSink) -> bool:
        """Switch to a new file under the name, or start over a truncated one; ``True`` when
        there may be more to read at once."""
        try:
            stat = os.stat(self.path)
        except OSError:
            return False  # moved away and not yet replaced: the old file may still grow
        if (stat.st_dev, stat.st_ino) != self._identity:
            while self._pump(sink):  # what the writer added before it moved to the new file
                pass
            last = self._splitter.flush()
            if last is not None:
                sink.lines(self.name, [last])
            self._close()
            mlog.event(log, "detection.watch.file.rotated", path=self.name)
            sink.restart(self.name)
            return self._try_reopen()
        if stat.st_size < self._position:
            assert self._file is not None
            self._position = self._file.seek(0)
            self._splitter.reset()
            mlog.event(log, "detection.watch.file.truncated", path=self.name)
            sink.restart(self.name)
            return True
        return False
