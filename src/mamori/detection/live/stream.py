"""Lines from a byte stream that ends: standard input, a pipe."""

from __future__ import annotations

import sys
from typing import BinaryIO

from mamori.detection.live.framing import LineSplitter
from mamori.detection.live.source import BackgroundSource, LineSink
from mamori.events.models import DEFAULT_MAX_LINE_BYTES

CHUNK_BYTES = 1 << 16
STDIN_NAME = "<stdin>"


class StreamSource(BackgroundSource):
    """Reads a binary stream to its end; lines are handed on as soon as they arrive.

    A blocked read cannot be interrupted, so ``stop`` takes effect at the next chunk; the
    reading thread is a daemon and never keeps the process alive.
    """

    def __init__(
        self,
        stream: BinaryIO | None = None,
        *,
        name: str = STDIN_NAME,
        format: str | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        super().__init__(name, format)
        self._stream = stream
        self._splitter = LineSplitter(max_line_bytes)

    def _open(self) -> None:
        if self._stream is None:
            self._stream = sys.stdin.buffer

    def _run(self, sink: LineSink) -> None:
        stream = self._stream
        assert stream is not None
        # read1 returns what a pipe has now instead of waiting for a full chunk
        read = getattr(stream, "read1", stream.read)
        while not self.stopping:
            data = read(CHUNK_BYTES)
            if not data:
                break
            lines = self._splitter.feed(data)
            if lines and not sink.lines(self.name, lines):
                return
        last = self._splitter.flush()
        if last is not None:
            sink.lines(self.name, [last])

    def _close(self) -> None:
        """Leave the stream open: it belongs to the caller (or is the process's stdin)."""
