"""Live detection: lines from live sources, matched in micro-batches as they arrive.

Sources run in threads and put chunks of lines into a bounded :class:`Inbox`. The caller's
thread collects them until ``batch_lines`` lines are waiting or ``batch_ms`` have passed
since the first, parses each source's lines with its own :class:`LineParser`, matches the
batches and hands every new alert to the sink. Alerts of correlation rules' base rules are
fed to the correlator in arrival order, which for live data is time order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from mamori.core import logging as mlog
from mamori.detection.live.errors import WatchSourceError
from mamori.detection.live.inbox import Inbox, Item, RecentKeys
from mamori.detection.live.models import WatchOptions, WatchStats
from mamori.detection.live.source import LiveSource
from mamori.detection.models import Alert
from mamori.detection.service import AlertSink, Hunt
from mamori.events import LineParser
from mamori.events.detect import detect_format
from mamori.events.models import ReadProblem

log = mlog.get_logger(__name__)

_POLL_S = 0.1
_DRAIN_S = 0.3  # how long a stopping watch waits for its sources' last lines
_SNIFF_BYTES = 4096
_UNKNOWN = (
    "line skipped: not JSON, syslog, Zeek or CEF (name the format with --log-format "
    "if it is one of them)"
)


@dataclass
class _Parsing:
    """A source's parser and how many of its problems have been counted."""

    parser: LineParser
    counted: int = 0
    kept: int = 0


class Watcher:
    """Runs a hunt's rules over live sources until stopped or every source has ended.

    A watcher runs once: :meth:`start` opens the sources (so a bound port can be read from a
    listener before lines flow), :meth:`run` matches until the end, :meth:`stop` ends it.
    """

    def __init__(
        self,
        hunt: Hunt,
        sources: Sequence[LiveSource],
        sink: AlertSink,
        options: WatchOptions | None = None,
    ) -> None:
        self.hunt = hunt
        self.sources = list(sources)
        self.sink = sink
        self.options = options or WatchOptions()
        self.stats = WatchStats()
        for source in self.sources:
            fmt = self.options.format or source.format
            if fmt is not None:
                LineParser(fmt, source.name)  # an unknown or non-line format fails here
        self._inbox = Inbox(self.options.queue_chunks)
        self._recent = RecentKeys(self.options.recent_keys)
        self._parsings: dict[str, _Parsing] = {}
        self._formats: dict[str, str] = {}
        self._pending: dict[str, list[bytes]] = {}
        self._pending_lines = 0
        self._deadline: float | None = None
        self._live: set[str] = set()
        self._started = False
        self._stop_requested = False

    def start(self) -> None:
        """Open every source (bind, open files); a source that cannot be opened raises."""
        started: list[LiveSource] = []
        try:
            for source in self.sources:
                source.start(self._inbox)
                started.append(source)
        except BaseException:
            for source in started:
                source.stop()
            raise
        names = [source.name for source in self.sources]
        if len(set(names)) != len(names):
            self._shutdown_sources()
            raise WatchSourceError("a source is named twice", where=", ".join(names))
        self._live = set(names)
        self._started = True
        mlog.event(log, "detection.watch.started", sources=names)

    def stop(self) -> None:
        """Ask the watch to end soon; safe from a signal handler or another thread."""
        self._stop_requested = True

    def run(self) -> WatchStats:
        """Watch until :meth:`stop` or until every source has ended; returns the counts."""
        if not self._started:
            self.start()
        began = time.perf_counter()
        try:
            while self._live and not self._stop_requested:
                self._step(self._wait_s())
        finally:
            self._finish()
            self.stats.elapsed_s = time.perf_counter() - began
            mlog.event(
                log, "detection.watch.stopped", events=self.stats.events,
                alerts=self.stats.alerts, problems=self.stats.problem_count,
            )  # fmt: skip
        return self.stats

    def _wait_s(self) -> float:
        if self._deadline is None:
            return _POLL_S
        return max(0.0, min(_POLL_S, self._deadline - time.monotonic()))

    def _step(self, timeout: float) -> None:
        item = self._inbox.take(timeout)
        if item is not None:
            self._accept(item)
        now = time.monotonic()
        if self._pending_lines and self._deadline is None:
            self._deadline = now + self.options.batch_ms / 1000
        if self._pending_lines >= self.options.batch_lines or (
            self._deadline is not None and now >= self._deadline
        ):
            self._flush_all()

    def _accept(self, item: Item) -> None:
        kind, source, payload = item
        if kind == "lines" and isinstance(payload, list):
            self._pending.setdefault(source, []).extend(payload)
            self._pending_lines += len(payload)
            self.stats.lines += len(payload)
            return
        self._flush(source)
        if kind == "restart":
            self._forget_parser(source)
            self.stats.restarts += 1
        elif kind == "end":
            self._live.discard(source)
            reason = payload if isinstance(payload, str) else None
            self.stats.ended[source] = reason
            mlog.event(log, "detection.watch.source.ended", source=source, reason=reason)

    def _finish(self) -> None:
        """Stop the sources, take their last lines, match them, and flush correlation."""
        self._shutdown_sources()
        until = time.monotonic() + _DRAIN_S
        while self._live and (left := until - time.monotonic()) > 0:
            self._step(min(left, 0.05))
        self._inbox.close()
        while (item := self._inbox.take(0)) is not None:
            self._accept(item)
        self._flush_all()
        for alert in self.hunt.correlator.flush():
            self._correlated(alert)
        engine = self.hunt.engine
        self.stats.disabled_rules = {
            engine.rules[number].id: seconds for number, seconds in engine.stats.disabled.items()
        }

    def _shutdown_sources(self) -> None:
        for source in self.sources:
            source.stop()

    def _flush_all(self) -> None:
        for source in list(self._pending):
            self._flush(source)
        self._deadline = None

    def _flush(self, source: str) -> None:
        lines = self._pending.pop(source, None)
        if not self._pending:
            self._deadline = None
        if not lines:
            return
        self._pending_lines -= len(lines)
        parsing, lines = self._parsing(source, lines)
        if parsing is None:
            return
        try:
            batches = list(parsing.parser.feed(lines))
        except Exception as exc:  # a parser's bug must cost these lines, not the watch
            log.error("detection.watch.parse.failed", exc_info=True)
            self._problem(source, f"{len(lines)} lines lost to an internal error: {exc!r}")
            self._forget_parser(source)
            return
        self._count_problems(parsing)
        for batch in batches:
            self._match(batch)

    def _parsing(self, source: str, lines: list[bytes]) -> tuple[_Parsing | None, list[bytes]]:
        """The source's parser, made on its first lines (whose format may need detecting)."""
        parsing = self._parsings.get(source)
        if parsing is not None:
            return parsing, lines
        fmt = self.options.format or self._format_of(source) or self._formats.get(source)
        if fmt is None:
            fmt, lines = self._detect(source, lines)
            if fmt is None:
                return None, []
            self._formats[source] = fmt
        parser = LineParser(
            fmt,
            source,
            batch_size=max(self.options.batch_lines, 1000),
            max_line_bytes=self.options.max_line_bytes,
            max_problems=self.options.kept_problems,
        )
        parsing = self._parsings[source] = _Parsing(parser)
        return parsing, lines

    def _format_of(self, source: str) -> str | None:
        for candidate in self.sources:
            if candidate.name == source:
                return candidate.format
        return None

    def _detect(self, source: str, lines: list[bytes]) -> tuple[str | None, list[bytes]]:
        """The format of the first line that shows one, and the lines from there on."""
        for index, line in enumerate(lines):
            if not line.strip():
                continue
            found = detect_format(line[:_SNIFF_BYTES], source)
            if found is not None and found != "evtx":
                return found, lines[index:]
            self._problem(source, _UNKNOWN)
        return None, []

    def _forget_parser(self, source: str) -> None:
        parsing = self._parsings.pop(source, None)
        if parsing is not None:
            self._count_problems(parsing)

    def _count_problems(self, parsing: _Parsing) -> None:
        stats = parsing.parser.stats
        self.stats.problem_count += stats.problem_count - parsing.counted
        parsing.counted = stats.problem_count
        room = self.options.kept_problems - len(self.stats.problems)
        fresh = stats.problems[parsing.kept : parsing.kept + max(room, 0)]
        self.stats.problems.extend(fresh)
        parsing.kept += len(fresh)

    def _problem(self, source: str, reason: str) -> None:
        self.stats.problem_count += 1
        if len(self.stats.problems) < self.options.kept_problems:
            self.stats.problems.append(ReadProblem(source, "", reason))

    def _match(self, batch: pa.RecordBatch) -> None:
        self.stats.events += batch.num_rows
        self.stats.batches += 1
        try:
            alerts = self.hunt.match_batch(batch)
        except Exception as exc:  # an engine bug must cost one batch, not the watch
            log.error("detection.watch.match.failed", exc_info=True)
            source = str(batch.column("_source")[0].as_py()) if batch.num_rows else ""
            self._problem(source, f"{batch.num_rows} events not matched: internal error {exc!r}")
            return
        for alert in alerts:
            self._consider(alert)

    def _consider(self, alert: Alert) -> None:
        if not self._recent.add(alert.key):
            self.stats.duplicates += 1
            return
        if alert.rule_id not in self.hunt.suppressed:
            self.stats.alerts += 1
            self.sink(alert)
        if alert.rule_id in self.hunt.correlator.listens_to:
            for correlated in self.hunt.correlator.feed(alert):
                self._correlated(correlated)

    def _correlated(self, alert: Alert) -> None:
        if not self._recent.add(alert.key):
            self.stats.duplicates += 1
            return
        self.stats.alerts += 1
        self.stats.correlation_alerts += 1
        self.sink(alert)
