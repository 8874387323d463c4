"""The bounded hand-over between source threads and the matcher, and the memory of recent
alert keys."""

from __future__ import annotations

import queue
import threading
from collections import OrderedDict
from typing import Literal

Kind = Literal["lines", "restart", "end"]
Item = tuple[Kind, str, list[bytes] | str | None]
_PUT_WAIT_S = 0.1


class Inbox:
    """A :class:`~mamori.detection.live.source.LineSink` over a bounded queue.

    A full inbox makes sources wait (a file is read later, a TCP sender is slowed by flow
    control), so memory stays bounded however fast lines come. Once closed, it takes nothing.
    """

    def __init__(self, max_chunks: int) -> None:
        self._queue: queue.Queue[Item] = queue.Queue(max_chunks)
        self._closed = threading.Event()

    def lines(self, source: str, lines: list[bytes]) -> bool:
        """Queue lines of ``source``; ``False`` once the inbox is closed."""
        return self._put(("lines", source, lines))

    def restart(self, source: str) -> bool:
        """Queue the news that ``source`` starts over."""
        return self._put(("restart", source, None))

    def end(self, source: str, reason: str | None) -> None:
        """Queue the news that ``source`` ended."""
        self._put(("end", source, reason))

    def take(self, timeout: float) -> Item | None:
        """The next item, waiting up to ``timeout`` seconds; ``None`` when there is none."""
        try:
            if timeout <= 0:
                return self._queue.get_nowait()
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Take nothing more; sources waiting to put are released."""
        self._closed.set()

    def _put(self, item: Item) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=_PUT_WAIT_S)
            except queue.Full:
                continue
            return True
        return False


class RecentKeys:
    """The last ``size`` alert keys seen, oldest forgotten first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> bool:
        """Remember ``key``; ``False`` when it was already remembered (a repeat)."""
        keys = self._keys
        if key in keys:
            keys.move_to_end(key)
            return False
        keys[key] = None
        if len(keys) > self.size:
            keys.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._keys)
