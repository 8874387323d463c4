"""Run a hunt: read events, match rules, and hand every alert to a sink.

A hunt over files can use several processes: each reads and matches its own share of the
files, and the parent de-duplicates, correlates and writes the alerts. Alerts are keyed
(:attr:`Alert.key`), so the same rule on the same event is reported once.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

import pyarrow as pa

from mamori.core import logging as mlog
from mamori.detection.alerts import alerts_for
from mamori.detection.engine import Engine
from mamori.detection.models import Alert
from mamori.events.models import ReadProblem
from mamori.events.service import EventStream

log = mlog.get_logger(__name__)

AlertSink = Callable[[Alert], None]


@dataclass(frozen=True)
class Progress:
    """How far a hunt has got: what a progress bar shows."""

    events: int
    alerts: int
    elapsed_s: float

    @property
    def events_per_s(self) -> float:
        return self.events / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass
class HuntReport:
    """What a hunt read and found."""

    events: int = 0
    files: int = 0
    alerts: int = 0
    duplicates: int = 0
    elapsed_s: float = 0.0
    read_problem_count: int = 0
    read_problems: list[ReadProblem] = field(default_factory=list)
    candidates: int = 0
    disabled_rules: dict[str, float] = field(default_factory=dict)
    """Rules switched off for taking longer than their time budget (id: seconds taken)."""


class Correlator:
    """What a hunt feeds every alert to, to raise alerts on groups of events."""

    listens_to: frozenset[str] = frozenset()

    def feed(self, alert: Alert) -> list[Alert]:
        return []

    def flush(self) -> list[Alert]:
        return []


@dataclass
class Hunt:
    """A rule set ready to hunt with."""

    engine: Engine
    correlator: Correlator = field(default_factory=Correlator)
    batch_size: int = 10_000  # events per batch: smaller batches keep a worker near 200 MB
    workers: int = 1
    format: str | None = None
    suppressed: frozenset[str] = frozenset()

    def run(
        self,
        paths: Sequence[str | Path],
        sink: AlertSink,
        progress: Callable[[Progress], None] | None = None,
    ) -> HuntReport:
        """Hunt through ``paths`` (files, archives, directories); every alert goes to ``sink``."""
        report = HuntReport()
        started = time.perf_counter()
        seen: set[str] = set()

        def emit(alert: Alert) -> None:
            if alert.key in seen:
                report.duplicates += 1
                return
            seen.add(alert.key)
            report.alerts += 1
            sink(alert)

        # Files are read in no particular time order, so the alerts that correlation rules
        # count are held back and fed in event-time order once everything is read.
        held: list[Alert] = []
        listens = self.correlator.listens_to
        workers = min(self.workers, max(1, len(_files(paths))))
        chunks = self._parallel(paths, workers) if workers > 1 else self._serial(paths)
        for events, alerts, done in chunks:
            report.events += events
            for alert in alerts:
                if alert.rule_id not in self.suppressed:
                    emit(alert)
                if alert.rule_id in listens:
                    held.append(alert)
            if done is not None:
                _merge(report, done)
            if progress is not None:
                progress(Progress(report.events, report.alerts, time.perf_counter() - started))
        held.sort(key=_event_time)
        for alert in held:
            for correlated in self.correlator.feed(alert):
                emit(correlated)
        for correlated in self.correlator.flush():
            emit(correlated)
        report.elapsed_s = time.perf_counter() - started
        mlog.event(
            log, "detection.hunt.done", events=report.events, alerts=report.alerts,
            seconds=round(report.elapsed_s, 3),
        )  # fmt: skip
        return report

    def match_batch(self, batch: pa.RecordBatch) -> list[Alert]:
        """The alerts of one batch (used for live sources, which arrive batch by batch)."""
        return list(alerts_for(batch, self.engine.match(batch), self.engine.rules))

    def _stream(self, paths: Sequence[str | Path]) -> EventStream:
        return EventStream(paths, batch_size=self.batch_size, format=self.format)

    def _serial(self, paths: Sequence[str | Path]) -> Iterator[_Chunk]:
        stream = self._stream(paths)
        for batch in stream:
            yield batch.num_rows, self.match_batch(batch), None
        yield 0, [], _Done.of(stream, self.engine)

    def _parallel(self, paths: Sequence[str | Path], workers: int) -> Iterator[_Chunk]:
        shares = _shares(_files(paths), workers)
        context = multiprocessing.get_context("fork")
        queue: Any = context.Queue(maxsize=workers * 4)
        global _WORKER_HUNT
        _WORKER_HUNT = self
        processes = [context.Process(target=_work, args=(share, queue)) for share in shares]
        for process in processes:
            process.start()
        running = len(processes)
        try:
            while running:
                try:
                    events, alerts, done = queue.get(timeout=1.0)
                except Empty:
                    if not any(p.is_alive() for p in processes) and queue.empty():
                        raise RuntimeError("a hunt worker died without reporting") from None
                    continue
                if done is not None:
                    running -= 1
                yield events, alerts, done
        finally:
            for process in processes:
                process.join(timeout=5)
                if process.is_alive():
                    process.kill()


@dataclass(frozen=True)
class _Done:
    """What a reader reports once it has finished."""

    files: int
    problem_count: int
    problems: tuple[ReadProblem, ...]
    candidates: int
    disabled: dict[str, float]

    @classmethod
    def of(cls, stream: EventStream, engine: Engine) -> _Done:
        stats = stream.stats
        disabled = {engine.rules[n].id: s for n, s in engine.stats.disabled.items()}
        return cls(
            stats.files,
            stats.problem_count,
            tuple(stats.problems),
            engine.stats.candidates,
            disabled,
        )


_Chunk = tuple[int, list[Alert], "_Done | None"]
_WORKER_HUNT: Hunt | None = None


def _work(paths: list[str], queue: Any) -> None:
    hunt = _WORKER_HUNT
    assert hunt is not None
    stream = hunt._stream(paths)
    for batch in stream:
        queue.put((batch.num_rows, hunt.match_batch(batch), None))
    queue.put((0, [], _Done.of(stream, hunt.engine)))


def _event_time(alert: Alert) -> tuple[bool, str]:
    stamp = alert.timestamp
    return (stamp is None, stamp.isoformat() if stamp is not None else "")


def _merge(report: HuntReport, done: _Done) -> None:
    report.files += done.files
    report.read_problem_count += done.problem_count
    report.read_problems.extend(done.problems[: max(0, 100 - len(report.read_problems))])
    report.candidates += done.candidates
    report.disabled_rules.update(done.disabled)


def _files(paths: Iterable[str | Path]) -> list[str]:
    """Every regular file under ``paths``, directories walked without following links."""
    found: list[str] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs.sort()
                found.extend(str(Path(root) / name) for name in sorted(names))
        else:
            found.append(str(path))
    return found


def _shares(files: list[str], workers: int) -> list[list[str]]:
    """Split files between workers so that each gets about the same number of bytes."""
    sized = sorted(files, key=lambda f: -_size(f))
    shares: list[list[str]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for name in sized:
        lightest = loads.index(min(loads))
        shares[lightest].append(name)
        loads[lightest] += _size(name)
    return [share for share in shares if share]


def _size(name: str) -> int:
    try:
        return os.stat(name).st_size
    except OSError:
        return 0
