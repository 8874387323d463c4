"""event_count: windows on event time, both ends included, one alert per burst."""

from __future__ import annotations

import random
from datetime import timedelta

from correlation_support import RULE_IDS, at, engine, hit, run

from mamori.detection.models import Alert, Level

BRUTE_FORCE = """
title: Many failed logons from one host
id: 0e95725d-7320-415d-80f7-004da920fc11
level: high
tags:
    - attack.credential-access
    - attack.t1110
correlation:
    type: event_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - Computer
    timespan: 5m
    condition:
        gte: 3
"""

FEW_LOGONS = """
title: Few logons on a host
id: 2f0c5a1e-98c5-4b9e-9a4c-8f3c2a6d1e01
correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - Computer
    timespan: 1h
    condition:
        lt: 3
"""


def failed(seconds: float, host: str = "ws1") -> Alert:
    return hit("rule-failed-logon", seconds, host=host)


def test_three_failures_in_five_minutes_fire_at_the_third() -> None:
    correlations = engine(BRUTE_FORCE)
    assert correlations.feed(failed(0)) == []
    assert correlations.feed(failed(60)) == []
    third = failed(120)
    [alert] = correlations.feed(third)
    assert alert.correlation is True
    assert alert.rule_id == "0e95725d-7320-415d-80f7-004da920fc11"
    assert (alert.title, alert.level) == ("Many failed logons from one host", Level.HIGH)
    assert alert.tags == ("attack.credential-access", "attack.t1110")
    assert alert.attack.techniques == ("T1110",)
    assert (alert.timestamp, alert.host, alert.record_id) == (at(120), "ws1", third.record_id)
    assert alert.event["group"] == {"Computer": "ws1"}
    assert alert.event["count"] == 3
    assert alert.event["window_start"] == at(0).isoformat()
    assert alert.event["window_end"] == at(120).isoformat()
    assert [ref["timestamp"] for ref in alert.event["events"]] == [
        at(0).isoformat(),
        at(60).isoformat(),
        at(120).isoformat(),
    ]
    assert alert.event["events"][2] == {
        "rule_id": "rule-failed-logon",
        "source_file": "Security.evtx",
        "record_id": third.record_id,
        "timestamp": at(120).isoformat(),
    }


def test_two_failures_do_not_fire() -> None:
    assert run(engine(BRUTE_FORCE), [failed(0), failed(60)]) == []


def test_failures_spread_wider_than_the_timespan_do_not_fire() -> None:
    assert run(engine(BRUTE_FORCE), [failed(0), failed(200), failed(400), failed(600)]) == []


def test_events_exactly_one_timespan_apart_share_a_window() -> None:
    assert len(run(engine(BRUTE_FORCE), [failed(0), failed(150), failed(300)])) == 1
    assert run(engine(BRUTE_FORCE), [failed(0), failed(150), failed(300.000001)]) == []


def test_groups_are_counted_apart() -> None:
    alerts = [failed(0, "ws1"), failed(10, "ws2"), failed(20, "ws1"), failed(30, "ws2")]
    assert run(engine(BRUTE_FORCE), alerts) == []
    [alert] = run(engine(BRUTE_FORCE), [*alerts, failed(40, "ws2")])
    assert alert.event["group"] == {"Computer": "ws2"}


def test_a_burst_alerts_once_per_timespan() -> None:
    correlations = engine(BRUTE_FORCE)
    raised = run(correlations, [failed(second) for second in range(0, 600, 10)])
    assert [alert.timestamp for alert in raised] == [at(20), at(330)]
    assert correlations.stats.alerts == 2


def test_out_of_order_events_are_placed_by_event_time() -> None:
    correlations = engine(BRUTE_FORCE)
    assert correlations.feed(failed(120)) == []
    assert correlations.feed(failed(0)) == []
    [alert] = correlations.feed(failed(60))
    assert alert.timestamp == at(60)
    assert alert.event["window_start"] == at(0).isoformat()
    assert alert.event["window_end"] == at(120).isoformat()
    assert correlations.stats.late_events == 2


def test_late_events_count_only_within_the_held_state() -> None:
    correlations = engine(BRUTE_FORCE)
    correlations.feed(failed(0))
    correlations.feed(failed(60))
    correlations.feed(hit("rule-other", 3600))  # event time moves on; the window is forgotten
    assert correlations.feed(failed(120)) == []
    assert correlations.held_events == 1
    tolerant = engine(BRUTE_FORCE, allowed_lateness=timedelta(hours=1))
    assert len(run(tolerant, [failed(0), failed(60), hit("rule-other", 3600), failed(120)])) == 1


def test_lt_is_decided_when_the_window_closes() -> None:
    correlations = engine(FEW_LOGONS)
    assert correlations.feed(failed(0, "quiet")) == []
    assert correlations.feed(failed(10, "busy")) == []
    for second in (20, 30, 40):
        assert correlations.feed(failed(second, "busy")) == []
    assert correlations.feed(failed(3600, "quiet")) == []  # exactly at the end: same window
    [alert] = correlations.feed(failed(3600.5, "other"))
    assert alert.event["group"] == {"Computer": "quiet"}
    assert alert.event["count"] == 2
    assert alert.timestamp == at(3600)
    [rest] = correlations.flush()
    assert rest.event["group"] == {"Computer": "other"}


def test_a_window_stays_open_while_the_newest_time_equals_its_end() -> None:
    correlations = engine(FEW_LOGONS)
    correlations.feed(failed(0, "quiet"))
    assert correlations.feed(failed(3600, "other")) == []
    assert correlations.feed(failed(3600, "quiet")) == []
    assert sorted(alert.event["count"] for alert in correlations.flush()) == [1, 2]


def test_a_late_window_within_one_timespan_of_an_alert_is_quiet() -> None:
    lateness = timedelta(hours=1)
    for late, raised in (((100, 110, 120), 0), ((99, 109, 119), 1)):
        correlations = engine(BRUTE_FORCE, allowed_lateness=lateness)
        # the alert window is [405, 420]; [100, 120] ends exactly one timespan before it
        first = [correlations.feed(failed(second)) for second in (405, 410, 420)]
        assert [len(alerts) for alerts in first] == [0, 0, 1]
        later = [alert for second in late for alert in correlations.feed(failed(second))]
        assert len(later) == raised, late


def test_lt_and_lte_are_decided_at_flush() -> None:
    lte = FEW_LOGONS.replace("lt: 3", "lte: 3").replace("2f0c5a1e", "2f0c5a1f")
    alerts = [failed(0), failed(10), failed(20)]
    assert run(engine(FEW_LOGONS), list(alerts)) == []
    [alert] = run(engine(lte), list(alerts))
    assert alert.event["count"] == 3
    assert alert.timestamp == at(20)


def test_eq_and_neq_wait_for_the_window() -> None:
    eq = FEW_LOGONS.replace("lt: 3", "eq: 2")
    neq = FEW_LOGONS.replace("lt: 3", "neq: 2")
    correlations = engine(eq)
    assert correlations.feed(failed(0)) == [] and correlations.feed(failed(5)) == []
    assert correlations.feed(failed(6)) == []
    assert correlations.flush() == []  # three, not two
    assert len(run(engine(eq), [failed(0), failed(5)])) == 1
    assert len(run(engine(neq), [failed(0), failed(5), failed(6)])) == 1


def test_windows_after_a_decision_start_at_the_next_event() -> None:
    alerts = [failed(0), failed(3000), failed(3601), failed(3700), failed(7300)]
    raised = run(engine(FEW_LOGONS), alerts)
    # windows: [0, 3600] holds 2, [3601, 7201] holds 2, [7300, ...] holds 1
    assert [alert.event["count"] for alert in raised] == [2, 2, 1]


def test_an_event_in_a_decided_window_is_stale() -> None:
    correlations = engine(FEW_LOGONS)
    correlations.feed(failed(0))
    assert len(correlations.feed(failed(4000))) == 1
    assert correlations.feed(failed(100)) == []
    assert correlations.stats.stale_events == 1


def test_events_without_the_group_field_or_time_are_counted_not_grouped() -> None:
    correlations = engine(BRUTE_FORCE)
    bare = hit("rule-failed-logon", 0)
    bare.event.pop("Computer")
    correlations.feed(bare)
    correlations.feed(hit("rule-failed-logon", None))
    assert correlations.stats.ungrouped_events == 1
    assert correlations.stats.untimed_events == 1
    assert correlations.held_events == 0


def test_rules_are_matched_by_name_too() -> None:
    by_name = BRUTE_FORCE.replace("5638f7c0-ac70-491d-8465-2a65075e0d86", "failed_logon")
    assert len(run(engine(by_name), [failed(0), failed(1), failed(2)])) == 1
    assert RULE_IDS["failed_logon"] == "rule-failed-logon"


def test_other_rules_do_not_count() -> None:
    others = [hit("rule-successful-logon", second) for second in range(5)]
    assert run(engine(BRUTE_FORCE), others) == []


def test_group_cap_evicts_the_least_recent_group_and_counts_it() -> None:
    correlations = engine(BRUTE_FORCE, max_groups=2)
    for host in ("a", "b", "c"):
        correlations.feed(failed(0, host))
    assert correlations.held_groups == 2
    assert correlations.stats.groups_evicted == 1
    assert correlations.stats.events_dropped == 1
    correlations.feed(failed(1, "a"))
    assert correlations.feed(failed(2, "a")) == []  # a's first event went with the group


def test_event_cap_drops_the_oldest_and_counts_them() -> None:
    correlations = engine(BRUTE_FORCE, max_events_per_group=2)
    raised = run(correlations, [failed(0), failed(1), failed(2)])
    assert raised == []
    assert correlations.stats.events_dropped == 1


def test_an_alert_lists_at_most_max_event_refs_and_keeps_the_last() -> None:
    wide = BRUTE_FORCE.replace("gte: 3", "gte: 10")
    correlations = engine(wide, max_event_refs=4)
    alerts = [failed(second) for second in range(10)]
    [alert] = run(correlations, alerts)
    refs = alert.event["events"]
    assert len(refs) == 4 and alert.event["events_total"] == 10
    assert refs[-1]["record_id"] == alerts[-1].record_id


def test_state_behind_the_timespan_is_evicted() -> None:
    correlations = engine(BRUTE_FORCE)
    for second in range(0, 3000, 7):
        correlations.feed(failed(second, f"host{second % 50}"))
    assert correlations.held_events <= 50 * (300 // 7 + 1)
    correlations.feed(hit("rule-failed-logon", 10_000, host="late"))
    assert correlations.held_groups == 1


def test_shuffled_input_alerts_the_same_groups_as_sorted_within_lateness() -> None:
    alerts = [failed(second, f"h{second % 3}") for second in range(0, 900, 37)]
    shuffled = list(alerts)
    random.Random(7).shuffle(shuffled)
    lateness = timedelta(hours=1)
    in_order = run(engine(BRUTE_FORCE, allowed_lateness=lateness), alerts)
    mixed = run(engine(BRUTE_FORCE, allowed_lateness=lateness), shuffled)
    hosts = {alert.event["group"]["Computer"] for alert in in_order}
    assert hosts == {alert.event["group"]["Computer"] for alert in mixed} == {"h0", "h1", "h2"}
