"""Finding the windows that match: sliding ones for gt/gte, closed ones for the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mamori.detection.correlation.spec import CorrelationSpec, Measure
from mamori.detection.correlation.state import Entry, EventRef, GroupState


@dataclass(frozen=True)
class Window:
    """A matching window: its events in time order, its measure and what completed it."""

    entries: tuple[Entry, ...]
    measured: int
    detail: list[Any]
    completing: EventRef


def sliding_match(state: GroupState, spec: CorrelationSpec, pos: int) -> Window | None:
    """A window that holds entry ``pos``, spans at most the timespan, matches and is not quiet.

    Windows are anchored on event times: every window starts at an event and ends one timespan
    later (both ends included), so the answer does not depend on where a clock boundary falls.
    """
    time_us = state.keys[pos][0]
    if pos == len(state) - 1:
        # the newest event: the widest window ending at it holds every narrower one
        lo = state.first_at_or_after(time_us - spec.span_us)
        measured = state.measure(spec.measure, spec.order, lo, len(state))
        return _fire(state, spec, lo, len(state), measured, pos)
    reach = state.end_of(time_us + spec.span_us)
    if state.quiet_between(time_us, state.keys[reach - 1][0]):
        return None  # every window holding the event ends near an earlier alert
    if not spec.condition.holds(_at_most(state, spec, time_us, reach)):
        return None  # not even all events around it together would be enough
    for lo, hi, counted in _late_candidates(state, spec, pos):
        window = _fire(state, spec, lo, hi, counted, pos)
        if window is not None:
            return window
    return None


def _at_most(state: GroupState, spec: CorrelationSpec, time_us: int, reach: int) -> int:
    """A bound on the measure of any window holding an event at ``time_us``: the measure of
    everything within one timespan of it (for value_count, cheaper bounds)."""
    lo = state.first_at_or_after(time_us - spec.span_us)
    if spec.measure is Measure.EVENTS:
        return reach - lo
    if spec.measure is Measure.VALUES:
        return min(reach - lo, len(state.held_values))
    return state.measure(spec.measure, spec.order, lo, reach)


def _fire(
    state: GroupState, spec: CorrelationSpec, lo: int, hi: int, measured: int | None, pos: int
) -> Window | None:
    end = state.keys[hi - 1][0]
    if state.quiet(end):
        return None
    if measured is None:
        measured = state.measure(spec.measure, spec.order, lo, hi)
    if not spec.condition.holds(measured):
        return None
    state.fired(end)
    return _window(state, spec, lo, hi, measured, state.entries[pos].ref)


def closed(end_us: int, watermark: int | None) -> bool:
    """Whether a window ending at ``end_us`` is over once event time reached ``watermark``."""
    return watermark is None or end_us < watermark


def close_windows(state: GroupState, spec: CorrelationSpec, watermark: int | None) -> list[Window]:
    """Decide the windows of ``state`` that end before ``watermark`` (every one, when None).

    Each window starts at the oldest undecided event and lasts one timespan; the next starts
    at the first event after it, so every event is decided exactly once.
    """
    windows: list[Window] = []
    while len(state) and closed(state.keys[0][0] + spec.span_us, watermark):
        end = state.keys[0][0] + spec.span_us
        hi = state.end_of(end)
        measured = state.measure(spec.measure, spec.order, 0, hi)
        if spec.condition.holds(measured):
            windows.append(_window(state, spec, 0, hi, measured, state.entries[hi - 1].ref))
        state.decided_until = end
        state.drop_first(hi)
    return windows


def _late_candidates(
    state: GroupState, spec: CorrelationSpec, pos: int
) -> Iterator[tuple[int, int, int | None]]:
    """(lo, hi, measure or None: not yet counted) of each window anchored at an event that can
    hold entry ``pos``; value_count is swept along, the other measures are cheap to count."""
    time_us = state.keys[pos][0]
    anchor = state.first_at_or_after(time_us - spec.span_us)
    sweep = _ValueSweep(state, anchor) if spec.measure is Measure.VALUES else None
    while anchor <= pos:
        hi = state.end_of(state.keys[anchor][0] + spec.span_us)
        yield anchor, hi, sweep.move(anchor, hi) if sweep is not None else None
        anchor = state.end_of(state.keys[anchor][0])


class _ValueSweep:
    """Distinct values of a window that only moves forward, updated instead of recounted."""

    def __init__(self, state: GroupState, start: int) -> None:
        self._entries = state.entries
        self._lo = self._hi = start
        self._counts: Counter[str] = Counter()

    def move(self, lo: int, hi: int) -> int:
        for entry in self._entries[self._hi : hi]:
            if entry.value is not None:
                self._counts[entry.value] += 1
        for entry in self._entries[self._lo : lo]:
            if entry.value is not None:
                self._counts[entry.value] -= 1
                if not self._counts[entry.value]:
                    del self._counts[entry.value]
        self._lo, self._hi = lo, max(hi, self._hi)
        return len(self._counts)


def _window(
    state: GroupState, spec: CorrelationSpec, lo: int, hi: int, measured: int, completing: EventRef
) -> Window:
    detail = state.detail(spec.measure, spec.order, lo, hi)
    return Window(tuple(state.entries[lo:hi]), measured, detail, completing)
