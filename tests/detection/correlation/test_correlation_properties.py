"""event_count against a brute-force count over random event times and arrival orders."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from correlation_support import T0, engine, hit, run
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.detection.models import Alert

RULE = """
title: Burst
id: 4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b
correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - Computer
    timespan: {span}s
    condition:
        {op}: {bound}
"""

times_ms = st.lists(st.integers(min_value=0, max_value=60_000), min_size=0, max_size=40)
spans = st.sampled_from([1, 5, 20])
bounds = st.integers(min_value=1, max_value=6)
LATE = timedelta(minutes=5)  # more than the whole range of times: the held state stays exact


def alerts_at(times: list[int]) -> list[Alert]:
    return [hit("rule-failed-logon", ms / 1000) for ms in times]


def ms_of(text: str) -> int:
    return (datetime.fromisoformat(text) - T0) // timedelta(milliseconds=1)


def count_between(times: list[int], start: int, end: int) -> int:
    return sum(start <= time <= end for time in times)


@settings(max_examples=300, deadline=None)
@given(times=times_ms, span=spans, bound=bounds, order=st.randoms(use_true_random=False))
def test_gte_fires_exactly_when_some_window_holds_enough(
    times: list[int], span: int, bound: int, order: random.Random
) -> None:
    alerts = alerts_at(times)
    order.shuffle(alerts)
    correlations = engine(RULE.format(span=span, op="gte", bound=bound), allowed_lateness=LATE)
    span_ms, fed, ends = span * 1000, [], []
    for alert in alerts:
        assert alert.timestamp is not None
        fed.append((alert.timestamp - T0) // timedelta(milliseconds=1))
        for raised in correlations.feed(alert):
            start, end = ms_of(raised.event["window_start"]), ms_of(raised.event["window_end"])
            assert end - start <= span_ms
            # counted over the events fed so far, which a brute force recounts
            assert raised.event["count"] == count_between(fed, start, end) >= bound
            ends.append(end)
    assert correlations.flush() == []
    exists = any(count_between(times, start, start + span_ms) >= bound for start in times)
    assert bool(ends) == exists
    ends.sort()
    assert all(later - earlier > span_ms for earlier, later in zip(ends, ends[1:], strict=False))


@settings(max_examples=300, deadline=None)
@given(times=times_ms, span=spans, bound=bounds)
def test_gte_in_time_order_fires_at_the_first_crossing_then_once_per_timespan(
    times: list[int], span: int, bound: int
) -> None:
    times = sorted(times)
    raised = run(engine(RULE.format(span=span, op="gte", bound=bound)), alerts_at(times))
    expected, last = [], None
    span_ms = span * 1000
    for index, time in enumerate(times):
        seen = times[: index + 1]
        count = count_between(seen, time - span_ms, time)
        if count >= bound and (last is None or time - last > span_ms):
            expected.append((time, count))
            last = time
    assert [(ms_of(a.event["window_end"]), a.event["count"]) for a in raised] == expected


@settings(max_examples=300, deadline=None)
@given(
    times=times_ms,
    span=spans,
    bound=bounds,
    op=st.sampled_from(["lt", "lte", "eq", "neq"]),
    order=st.randoms(use_true_random=False),
    shuffle=st.booleans(),
)
def test_closed_windows_match_a_brute_force_partition(
    times: list[int], span: int, bound: int, op: str, order: random.Random, shuffle: bool
) -> None:
    alerts = alerts_at(sorted(times))
    lateness = timedelta(0)
    if shuffle:
        order.shuffle(alerts)
        lateness = LATE
    correlations = engine(RULE.format(span=span, op=op, bound=bound), allowed_lateness=lateness)
    raised = run(correlations, alerts)
    holds = {"lt": int.__lt__, "lte": int.__le__, "eq": int.__eq__, "neq": int.__ne__}[op]
    expected, pending, span_ms = [], sorted(times), span * 1000
    while pending:
        end = pending[0] + span_ms
        window = [time for time in pending if time <= end]
        pending = pending[len(window) :]
        if holds(len(window), bound):
            expected.append((window[0], len(window)))
    got = sorted((ms_of(a.event["window_start"]), a.event["count"]) for a in raised)
    assert got == expected
    assert correlations.stats.stale_events == 0


VALUES_RULE = """
title: Spray
id: 4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7c
correlation:
    type: value_count
    rules:
        - failed_logon
    group-by:
        - Computer
    timespan: {span}s
    condition:
        field: TargetUserName
        gte: {bound}
"""

ORDERED_RULE = """
title: Recon in order
id: 4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7d
correlation:
    type: temporal_ordered
    rules:
        - recon_a
        - recon_b
        - recon_c
    group-by:
        - Computer
    timespan: {span}s
"""

users = st.sampled_from(["alice", "bob", "carol", "dave", "erin"])


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(st.tuples(st.integers(0, 60_000), users), max_size=40),
    span=spans,
    bound=st.integers(1, 5),
    order=st.randoms(use_true_random=False),
)
def test_value_count_fires_exactly_when_some_window_holds_enough_accounts(
    events: list[tuple[int, str]], span: int, bound: int, order: random.Random
) -> None:
    alerts = [hit("rule-failed-logon", ms / 1000, TargetUserName=user) for ms, user in events]
    order.shuffle(alerts)
    correlations = engine(VALUES_RULE.format(span=span, bound=bound), allowed_lateness=LATE)
    raised = run(correlations, alerts)
    span_ms = span * 1000

    def distinct(start: int, end: int) -> set[str]:
        return {user for ms, user in events if start <= ms <= end}

    exists = any(len(distinct(start, start + span_ms)) >= bound for start, _ in events)
    assert bool(raised) == exists
    for alert in raised:
        start, end = ms_of(alert.event["window_start"]), ms_of(alert.event["window_end"])
        assert set(alert.event["values"]) <= distinct(start, end)
        assert alert.event["count"] == len(alert.event["values"]) >= bound


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.integers(0, 30_000), st.sampled_from("abc")),
        max_size=25,
        unique_by=lambda event: event[0],
    ),
    span=spans,
    order=st.randoms(use_true_random=False),
)
def test_temporal_ordered_fires_exactly_when_some_window_holds_the_sequence(
    events: list[tuple[int, str]], span: int, order: random.Random
) -> None:
    alerts = [hit(f"rule-recon-{letter}", ms / 1000) for ms, letter in events]
    order.shuffle(alerts)
    raised = run(engine(ORDERED_RULE.format(span=span), allowed_lateness=LATE), alerts)

    def in_order(start: int) -> bool:
        letters = [letter for ms, letter in sorted(events) if start <= ms <= start + span * 1000]
        wanted = iter(letters)
        return all(any(seen == letter for seen in wanted) for letter in "abc")

    assert bool(raised) == any(in_order(start) for start, _ in events)
