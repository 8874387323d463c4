"""The per-group store keeps its running counts equal to a recount, whatever the order."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.detection.correlation.spec import Measure
from mamori.detection.correlation.state import Entry, EventRef, GroupState

SPAN = 20
REF = EventRef("rule", "file", 1, datetime(2026, 1, 1, tzinfo=UTC), None)

moments = st.integers(0, 40).map(lambda step: step * 5)  # often exactly one span apart
steps = st.lists(
    st.one_of(
        st.tuples(st.just("add"), moments, st.sampled_from(["a", "b", "c", None])),
        st.tuples(st.just("drop"), moments, st.none()),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(steps=steps)
def test_the_tail_counts_what_a_recount_finds(steps: list[tuple[str, int, str | None]]) -> None:
    state = GroupState(targets=1, span_us=SPAN)
    for number, (action, time, value) in enumerate(steps):
        if action == "add":
            state.add(Entry((time, number), 0, value, REF))
        else:
            state.drop_before(time)
        if not len(state):
            continue
        last = state.keys[-1][0]
        assert state.tail_lo == state.first_at_or_after(last - SPAN)
        tail = Counter(e.value for e in state.entries[state.tail_lo :] if e.value is not None)
        assert state.tail_values == tail
        assert state.measure(Measure.VALUES, (0,), state.tail_lo, len(state)) == len(tail)
        assert state.keys == sorted(state.keys)
        assert state.by_target[0] == state.keys
        assert state.held_values == Counter(e.value for e in state.entries if e.value is not None)


@settings(max_examples=400, deadline=None)
@given(
    ends=st.lists(moments, max_size=8),
    start=moments,
    length=st.integers(0, 60),
)
def test_quiet_between_agrees_with_checking_every_moment(
    ends: list[int], start: int, length: int
) -> None:
    state = GroupState(targets=1, span_us=SPAN)
    for end in ends:
        state.fired(end)
    every = all(state.quiet(moment) for moment in range(start, start + length + 1))
    assert state.quiet_between(start, start + length) == every
