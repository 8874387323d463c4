"""Timing: repeated runs, medians and percentiles, no outside dependency."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RunTimes:
    """One timed pass over a list of operations: total seconds and each call's seconds."""

    total: float
    calls: tuple[float, ...]

    @property
    def rate(self) -> float:
        """Operations per second over the whole pass."""
        return len(self.calls) / self.total if self.total else 0.0


@dataclass(frozen=True)
class Summary:
    """The median of several passes: throughput, and latency percentiles in seconds."""

    runs: int
    operations: int
    rate: float
    p50: float
    p99: float


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by the nearest-rank method."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    """The median, NaN for no values."""
    data = list(values)
    return statistics.median(data) if data else math.nan


def time_each(operation: Callable[[T], object], items: Sequence[T]) -> RunTimes:
    """Call ``operation`` on every item in turn, timing each call and the whole pass."""
    clock = time.perf_counter
    calls: list[float] = []
    started = clock()
    for item in items:
        before = clock()
        operation(item)
        calls.append(clock() - before)
    return RunTimes(clock() - started, tuple(calls))


def time_once(operation: Callable[[], T]) -> tuple[float, T]:
    """Seconds one call of ``operation`` takes, and what it returned."""
    started = time.perf_counter()
    result = operation()
    return time.perf_counter() - started, result


def summarize(passes: Sequence[RunTimes]) -> Summary:
    """Median throughput, median p50 and median p99 over the passes."""
    return Summary(
        runs=len(passes),
        operations=sum(len(item.calls) for item in passes),
        rate=median(item.rate for item in passes),
        p50=median(percentile(item.calls, 50) for item in passes),
        p99=median(percentile(item.calls, 99) for item in passes),
    )
