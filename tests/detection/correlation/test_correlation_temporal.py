"""temporal and temporal_ordered: all listed rules within a timespan, with and without order."""

from __future__ import annotations

from datetime import timedelta

from correlation_support import at, engine, hit, run

from mamori.detection.models import Alert

RECON = """
title: Reconnaissance burst
id: 3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
level: high
correlation:
    type: temporal
    rules:
        - recon_a
        - recon_b
        - recon_c
    group-by:
        - Computer
        - User
    timespan: 5m
"""

ORDERED = RECON.replace("type: temporal", "type: temporal_ordered").replace(
    "3a1b2c3d-4e5f", "3a1b2c3d-4e60"
)

# the aliases example of the Sigma correlation specification
ERROR_THEN_CONNECTION = """
title: Internal error and a connection between the same two hosts
id: 9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a
correlation:
    type: temporal
    rules:
        - internal_error
        - new_network_connection
    group-by:
        - internal_ip
        - remote_ip
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
"""


def recon(letter: str, seconds: float, user: str = "mallory", host: str = "ws1") -> Alert:
    return hit(f"rule-recon-{letter}", seconds, host=host, User=user)


def test_all_three_rules_in_any_order_fire() -> None:
    [alert] = run(engine(RECON), [recon("c", 0), recon("a", 60), recon("b", 120)])
    assert alert.event["rules"] == ["recon_a", "recon_b", "recon_c"]
    assert alert.event["count"] == 3
    assert alert.event["group"] == {"Computer": "ws1", "User": "mallory"}
    assert alert.timestamp == at(120)


def test_a_missing_rule_does_not_fire() -> None:
    alerts = [recon("a", 0), recon("b", 60), recon("a", 120), recon("b", 180)]
    assert run(engine(RECON), alerts) == []


def test_rules_of_different_groups_do_not_combine() -> None:
    alerts = [recon("a", 0), recon("b", 60), recon("c", 120, user="bob")]
    assert run(engine(RECON), alerts) == []


def test_rules_exactly_one_timespan_apart_combine() -> None:
    assert len(run(engine(RECON), [recon("a", 0), recon("b", 100), recon("c", 300)])) == 1
    assert run(engine(RECON), [recon("a", 0), recon("b", 100), recon("c", 300.5)]) == []


def test_out_of_order_arrival_fires_on_event_time() -> None:
    correlations = engine(RECON)
    assert correlations.feed(recon("c", 200)) == []
    assert correlations.feed(recon("a", 0)) == []
    [alert] = correlations.feed(recon("b", 100))
    assert alert.event["window_start"] == at(0).isoformat()
    assert alert.event["window_end"] == at(200).isoformat()


def test_a_condition_can_ask_for_fewer_rules() -> None:
    two_of_three = RECON.replace("timespan: 5m", "timespan: 5m\n    condition:\n        gte: 2")
    [alert] = run(engine(two_of_three), [recon("a", 0), recon("c", 10)])
    assert alert.event["rules"] == ["recon_a", "recon_c"]


def test_lt_on_temporal_is_decided_at_flush() -> None:
    partial = RECON.replace("timespan: 5m", "timespan: 5m\n    condition:\n        lt: 3")
    [alert] = run(engine(partial), [recon("a", 0), recon("b", 10), recon("a", 20)])
    assert alert.event["rules"] == ["recon_a", "recon_b"]
    assert run(engine(partial), [recon("a", 0), recon("b", 10), recon("c", 20)]) == []


def test_aliases_map_each_rule_to_its_own_fields() -> None:
    error = hit("rule-internal-error", 0, **{"source.ip": "10.0.0.5", "destination.ip": "10.0.0.1"})
    connection = hit(
        "rule-new-connection", 4, **{"source.ip": "10.0.0.1", "destination.ip": "10.0.0.5"}
    )
    [alert] = run(engine(ERROR_THEN_CONNECTION), [error, connection])
    assert alert.event["group"] == {"internal_ip": "10.0.0.1", "remote_ip": "10.0.0.5"}
    assert alert.event["rules"] == ["internal_error", "new_network_connection"]


def test_aliases_do_not_join_unrelated_hosts() -> None:
    error = hit("rule-internal-error", 0, **{"source.ip": "10.0.0.5", "destination.ip": "10.0.0.1"})
    mirrored = hit(
        "rule-new-connection", 4, **{"source.ip": "10.0.0.5", "destination.ip": "10.0.0.1"}
    )
    assert run(engine(ERROR_THEN_CONNECTION), [error, mirrored]) == []


def test_ordered_rules_in_order_fire() -> None:
    [alert] = run(engine(ORDERED), [recon("a", 0), recon("b", 60), recon("c", 120)])
    assert alert.event["rules"] == ["recon_a", "recon_b", "recon_c"]
    assert alert.event["correlation_type"] == "temporal_ordered"


def test_ordered_rules_out_of_order_do_not_fire() -> None:
    assert run(engine(ORDERED), [recon("a", 0), recon("c", 60), recon("b", 120)]) == []
    assert run(engine(ORDERED), [recon("c", 0), recon("b", 60), recon("a", 120)]) == []


def test_order_is_event_time_not_arrival() -> None:
    correlations = engine(ORDERED)
    assert correlations.feed(recon("c", 120)) == []
    assert correlations.feed(recon("b", 60)) == []
    [alert] = correlations.feed(recon("a", 0))
    assert alert.timestamp == at(0)
    # and the reverse: arrival in the listed order, event times the other way round
    assert run(engine(ORDERED), [recon("a", 120), recon("b", 60), recon("c", 0)]) == []


def test_ordered_boundary_is_inclusive() -> None:
    assert len(run(engine(ORDERED), [recon("a", 0), recon("b", 1), recon("c", 300)])) == 1
    assert run(engine(ORDERED), [recon("a", 0), recon("b", 1), recon("c", 300.5)]) == []


def test_a_chain_skips_events_that_do_not_continue_it() -> None:
    alerts = [recon("b", 0), recon("a", 10), recon("c", 20), recon("b", 30), recon("c", 40)]
    correlations = engine(ORDERED)
    assert [correlations.feed(alert) for alert in alerts[:4]] == [[], [], [], []]
    [alert] = correlations.feed(alerts[4])
    assert alert.timestamp == at(40)
    assert alert.event["events_total"] == 5  # the window's events, the chain a@10 b@30 c@40 in it


def test_a_rule_may_be_listed_twice_in_order() -> None:
    twice = ORDERED.replace("        - recon_c\n", "        - recon_a\n")
    assert run(engine(twice), [recon("a", 0), recon("b", 10)]) == []
    [alert] = run(engine(twice), [recon("a", 0), recon("b", 10), recon("a", 20)])
    assert alert.event["rules"] == ["recon_a", "recon_b", "recon_a"]


def test_a_rule_listed_twice_in_a_row_needs_two_events() -> None:
    listed = "        - recon_b\n        - recon_c\n"
    twice = ORDERED.replace(listed, "        - recon_a\n        - recon_b\n")
    assert run(engine(twice), [recon("a", 0), recon("b", 10)]) == []
    assert run(engine(twice), [recon("a", 0), recon("b", 10), recon("a", 20)]) == []
    [alert] = run(engine(twice), [recon("a", 0), recon("a", 0), recon("b", 10)])
    assert alert.event["rules"] == ["recon_a", "recon_a", "recon_b"]


def test_temporal_alerts_once_per_timespan() -> None:
    alerts = [recon(letter, 10 * index) for index, letter in enumerate("abcabcabc")]
    raised = run(engine(RECON, allowed_lateness=timedelta(0)), alerts)
    assert [alert.timestamp for alert in raised] == [at(20)]
