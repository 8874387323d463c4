"""What a live source is: something that hands lines to a :class:`LineSink` as they arrive.

A source opens what it reads when it starts (so a port in use or an unreadable file is an
error at once, in the caller's thread), then feeds lines from a thread of its own until it is
stopped or its input ends.
"""

from __future__ import annotations

import abc
import threading
from typing import Protocol

from mamori.core import logging as mlog

log = mlog.get_logger(__name__)


class LineSink(Protocol):
    """Where sources put what they read. Every method may block while the sink is full."""

    def lines(self, source: str, lines: list[bytes]) -> bool:
        """Hand over complete lines of ``source``; ``False`` once the sink takes no more."""
        ...

    def restart(self, source: str) -> bool:
        """``source`` starts over (a file rotated or truncated): its line numbers restart."""
        ...

    def end(self, source: str, reason: str | None) -> None:
        """``source`` will send nothing more; ``reason`` says why when it failed."""
        ...


class LiveSource(Protocol):
    """A stream of log lines: a followed file, a syslog listener, standard input."""

    @property
    def name(self) -> str:
        """The ``_source`` of its events, e.g. a path or ``udp://127.0.0.1:5514``."""
        ...

    @property
    def format(self) -> str | None:
        """The line format when the source knows it (syslog); ``None`` to detect it."""
        ...

    def start(self, sink: LineSink) -> None:
        """Open the input now (raising if it cannot be), then feed ``sink`` in the background."""
        ...

    def stop(self) -> None:
        """Ask the source to stop soon; safe to call more than once."""
        ...

    def join(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the source to finish."""
        ...


class BackgroundSource(abc.ABC):
    """A source whose reading loop runs in a daemon thread; subclasses open, run and close."""

    def __init__(self, name: str, format: str | None = None) -> None:
        self._name = name
        self._format = format
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        """The ``_source`` of its events."""
        return self._name

    @property
    def format(self) -> str | None:
        """The line format when known."""
        return self._format

    def start(self, sink: LineSink) -> None:
        """Open the input, then start the reading thread."""
        self._open()
        self._thread = threading.Thread(
            target=self._main, args=(sink,), name=f"mamori-watch {self._name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Ask the reading loop to end."""
        self._stopping.set()

    def join(self, timeout: float) -> None:
        """Wait for the reading thread (a daemon: one blocked on a read is left behind)."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        """Whether the source was asked to stop."""
        return self._stopping.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking at once when stopped; ``True`` when stopped."""
        return self._stopping.wait(seconds)

    def _main(self, sink: LineSink) -> None:
        reason: str | None = None
        try:
            self._run(sink)
        except Exception as exc:  # a source's failure ends that source, never the watcher
            log.error(
                "detection.watch.source.failed",
                exc_info=True,
                extra={"event_fields": {"source": self._name}},
            )
            reason = f"{type(exc).__name__}: {exc}"
        finally:
            self._close()
            sink.end(self._name, reason)

    @abc.abstractmethod
    def _open(self) -> None:
        """Open the input (bind, open the file); raise a mamori error when it cannot be."""

    @abc.abstractmethod
    def _run(self, sink: LineSink) -> None:
        """Feed ``sink`` until stopped or the input ends."""

    @abc.abstractmethod
    def _close(self) -> None:
        """Release what ``_open`` took."""
