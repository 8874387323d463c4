"""What one group of one correlation rule remembers: its events in event-time order."""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mamori.detection.correlation.spec import Measure

Key = tuple[int, int]
"""(event time in microseconds since the epoch, arrival number): unique, and ordered by time."""


@dataclass(frozen=True, slots=True)
class EventRef:
    """A short reference to one event that contributed to a correlation."""

    rule_id: str
    source_file: str
    record_id: int | None
    timestamp: datetime
    host: str | None

    def as_dict(self) -> dict[str, Any]:
        """The reference as it appears in a correlation alert."""
        return {
            "rule_id": self.rule_id,
            "source_file": self.source_file,
            "record_id": self.record_id,
            "timestamp": self.timestamp.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Entry:
    """One event held by a group: which listed rule it came from and its counted value."""

    key: Key
    target: int
    value: str | None
    ref: EventRef


class GroupState:
    """The events one group still holds, sorted by event time, with the counts kept current.

    The *tail* is every entry within one timespan of the group's latest event; a running
    count of its values lets value_count answer in-order events without rescanning, and the
    count of all values held bounds what any window of the group can reach.
    """

    __slots__ = (
        "keys", "entries", "by_target", "tail_lo", "tail_values", "held_values", "span_us",
        "fired_ends", "decided_until",
    )  # fmt: skip

    def __init__(self, targets: int, span_us: int) -> None:
        self.keys: list[Key] = []
        self.entries: list[Entry] = []
        self.by_target: list[list[Key]] = [[] for _ in range(targets)]
        self.tail_lo = 0
        self.tail_values: Counter[str] = Counter()
        self.held_values: Counter[str] = Counter()
        self.span_us = span_us
        self.fired_ends: list[int] = []
        self.decided_until: int | None = None

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, entry: Entry) -> int:
        """Insert ``entry`` in time order; its index."""
        pos = bisect_right(self.keys, entry.key)
        self.keys.insert(pos, entry.key)
        self.entries.insert(pos, entry)
        insort(self.by_target[entry.target], entry.key)
        _tally(self.held_values, entry.value, 1)
        last = self.keys[-1][0]
        if pos == len(self.keys) - 1:
            self._count(entry.value, 1)
            while self.keys[self.tail_lo][0] < last - self.span_us:
                self._count(self.entries[self.tail_lo].value, -1)
                self.tail_lo += 1
        elif entry.key[0] >= last - self.span_us:
            self._count(entry.value, 1)
        else:
            self.tail_lo += 1
        return pos

    def drop_first(self, count: int) -> None:
        """Forget the ``count`` oldest entries."""
        per_target: Counter[int] = Counter()
        for index, entry in enumerate(self.entries[:count]):
            per_target[entry.target] += 1
            _tally(self.held_values, entry.value, -1)
            if index >= self.tail_lo:
                self._count(entry.value, -1)
        for target, dropped in per_target.items():
            del self.by_target[target][:dropped]
        del self.keys[:count]
        del self.entries[:count]
        self.tail_lo = max(0, self.tail_lo - count)

    def drop_before(self, time_us: int) -> int:
        """Forget entries older than ``time_us``; how many."""
        count = bisect_left(self.keys, (time_us, -1))
        if count:
            self.drop_first(count)
        return count

    def first_at_or_after(self, time_us: int) -> int:
        """Index of the first entry at or after ``time_us``."""
        return bisect_left(self.keys, (time_us, -1))

    def end_of(self, time_us: int) -> int:
        """Index just past the last entry at or before ``time_us``."""
        return bisect_right(self.keys, (time_us, sys.maxsize))

    def quiet(self, end_us: int) -> bool:
        """Whether an alert window ending at ``end_us`` is within one timespan of an earlier one."""
        index = bisect_left(self.fired_ends, end_us - self.span_us)
        return index < len(self.fired_ends) and self.fired_ends[index] <= end_us + self.span_us

    def quiet_between(self, start_us: int, end_us: int) -> bool:
        """Whether every window end from ``start_us`` to ``end_us`` would be quiet."""
        need = start_us
        for fired in self.fired_ends[bisect_left(self.fired_ends, start_us - self.span_us) :]:
            if fired - self.span_us > need:
                return False
            need = max(need, fired + self.span_us + 1)
            if need > end_us:
                return True
        return False

    def fired(self, end_us: int) -> None:
        """Remember that an alert window ended at ``end_us``."""
        insort(self.fired_ends, end_us)

    def forget_fired_before(self, time_us: int) -> None:
        """Drop alert ends that can no longer quiet a window."""
        del self.fired_ends[: bisect_left(self.fired_ends, time_us)]

    def measure(self, measure: Measure, order: tuple[int, ...], lo: int, hi: int) -> int:
        """The measure of entries ``lo:hi`` (value_count counts distinct values)."""
        if measure is Measure.EVENTS:
            return hi - lo
        if measure is Measure.VALUES:
            if lo == self.tail_lo and hi == len(self.keys):
                return len(self.tail_values)
            return len(self.values(lo, hi))
        return len(self.detail(measure, order, lo, hi))

    def detail(self, measure: Measure, order: tuple[int, ...], lo: int, hi: int) -> list[Any]:
        """What was counted: distinct values, the rules present, or the ordered chain found."""
        if measure is Measure.VALUES:
            return sorted(self.values(lo, hi))
        if measure is Measure.RULES:
            return self._present(lo, hi)
        if measure is Measure.ORDERED:
            return self._chain(order, lo, hi)
        return []

    def values(self, lo: int, hi: int) -> set[str]:
        """Distinct non-null values of entries ``lo:hi``."""
        return {entry.value for entry in self.entries[lo:hi] if entry.value is not None}

    def _present(self, lo: int, hi: int) -> list[int]:
        first, last = self.keys[lo], self.keys[hi - 1]
        present = []
        for target, keys in enumerate(self.by_target):
            index = bisect_left(keys, first)
            if index < len(keys) and keys[index] <= last:
                present.append(target)
        return present

    def _chain(self, order: tuple[int, ...], lo: int, hi: int) -> list[int]:
        """The longest prefix of ``order`` found in sequence; earliest matches keep it longest."""
        last = self.keys[hi - 1]
        chain: list[int] = []
        cursor = (self.keys[lo][0], -1)
        for target in order:
            keys = self.by_target[target]
            index = bisect_right(keys, cursor)
            if index == len(keys) or keys[index] > last:
                break
            chain.append(target)
            cursor = keys[index]
        return chain

    def _count(self, value: str | None, delta: int) -> None:
        _tally(self.tail_values, value, delta)


def _tally(counts: Counter[str], value: str | None, delta: int) -> None:
    if value is None:
        return
    counts[value] += delta
    if counts[value] <= 0:
        del counts[value]
