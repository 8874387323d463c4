"""value_count: distinct values of one field per group and window."""

from __future__ import annotations

from datetime import timedelta

from correlation_support import at, engine, hit, run

from mamori.detection.models import Alert

SPRAY = """
title: One host tries many accounts
id: 7c3a4b1e-5d2f-4e6a-9b8c-1a2b3c4d5e6f
level: medium
correlation:
    type: value_count
    rules:
        - failed_logon
    group-by:
        - IpAddress
    timespan: 10m
    condition:
        field: TargetUserName
        gte: 3
"""

RARE_USERS = """
title: A source that tried few accounts
id: 7c3a4b1e-5d2f-4e6a-9b8c-1a2b3c4d5e70
correlation:
    type: value_count
    rules:
        - failed_logon
    group-by:
        - IpAddress
    timespan: 10m
    condition:
        field: TargetUserName
        lte: 2
"""


def attempt(seconds: float, user: str | None, source: str = "10.0.0.9") -> Alert:
    fields = (
        {"IpAddress": source} if user is None else {"IpAddress": source, "TargetUserName": user}
    )
    return hit("rule-failed-logon", seconds, **fields)


def test_three_distinct_accounts_fire() -> None:
    [alert] = run(engine(SPRAY), [attempt(0, "alice"), attempt(30, "bob"), attempt(60, "carol")])
    assert alert.event["count"] == 3
    assert alert.event["field"] == "TargetUserName"
    assert alert.event["values"] == ["alice", "bob", "carol"]
    assert alert.event["group"] == {"IpAddress": "10.0.0.9"}
    assert alert.timestamp == at(60)


def test_repeated_accounts_count_once() -> None:
    alerts = [attempt(second, "alice" if second % 2 else "bob") for second in range(20)]
    assert run(engine(SPRAY), alerts) == []


def test_events_without_the_field_add_no_value() -> None:
    alerts = [attempt(0, "alice"), attempt(1, None), attempt(2, None), attempt(3, "bob")]
    assert run(engine(SPRAY), alerts) == []
    assert len(run(engine(SPRAY), [*alerts, attempt(4, "carol")])) == 1


def test_values_exactly_one_timespan_apart_share_a_window() -> None:
    assert len(run(engine(SPRAY), [attempt(0, "a"), attempt(300, "b"), attempt(600, "c")])) == 1
    late_c = attempt(600.001, "c")
    assert run(engine(SPRAY), [attempt(0, "a"), attempt(300, "b"), late_c]) == []


def test_sources_are_counted_apart() -> None:
    alerts = [attempt(0, "a", "s1"), attempt(1, "b", "s2"), attempt(2, "c", "s1")]
    assert run(engine(SPRAY), alerts) == []


def test_out_of_order_values_are_placed_by_event_time() -> None:
    correlations = engine(SPRAY)
    assert correlations.feed(attempt(500, "c")) == []
    assert correlations.feed(attempt(0, "a")) == []  # a and c share [0, 600]: two accounts
    [alert] = correlations.feed(attempt(200, "b"))
    assert alert.event["values"] == ["a", "b", "c"]
    assert alert.timestamp == at(200)


def test_out_of_order_value_outside_every_window_does_not_fire() -> None:
    correlations = engine(SPRAY, allowed_lateness=timedelta(hours=1))
    for alert in (attempt(1000, "c"), attempt(0, "a"), attempt(700, "b")):
        assert correlations.feed(alert) == []
    assert correlations.flush() == []


def test_sweep_of_late_values_matches_a_recount() -> None:
    users = ["u1", "u2", "u1", "u3", "u2", "u4"]
    sorted_alerts = [attempt(100 * index, user) for index, user in enumerate(users)]
    correlations = engine(SPRAY.replace("gte: 3", "gte: 4"), allowed_lateness=timedelta(hours=1))
    raised = run(correlations, list(reversed(sorted_alerts)))
    # fed newest first: [200, 500] is the first window with four accounts; the events at 100
    # and 0 then only widen windows that end where the alert's did, so they stay quiet
    [alert] = raised
    assert alert.event["values"] == ["u1", "u2", "u3", "u4"]
    assert alert.event["window_start"] == at(200).isoformat()
    assert alert.timestamp == at(200)


def test_lte_is_decided_at_flush() -> None:
    alerts = [attempt(0, "a", "s1"), attempt(5, "a", "s1"), attempt(9, "b", "s1")]
    alerts += [attempt(1, "a", "s2"), attempt(2, "b", "s2"), attempt(3, "c", "s2")]
    [alert] = run(engine(RARE_USERS), alerts)
    assert alert.event["group"] == {"IpAddress": "s1"}
    assert alert.event["values"] == ["a", "b"]
