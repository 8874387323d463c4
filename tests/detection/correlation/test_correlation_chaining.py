"""Correlations built on correlations, with the example of the Sigma specification."""

from __future__ import annotations

import textwrap

import pytest
from correlation_support import at, hit, rule, run
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from mamori.detection.correlation import CorrelationEngine
from mamori.detection.errors import RuleError
from mamori.detection.models import Alert

# "Failed Logins Followed by Successful Login", from the Sigma correlation specification
SPEC_EXAMPLE = textwrap.dedent(
    """
    title: Correlation - Multiple Failed Logins Followed by Successful Login
    id: b180ead8-d58f-40b2-ae54-c8940995b9b6
    correlation:
        type: temporal_ordered
        rules:
            - multiple_failed_login
            - successful_login
        group-by:
            - User
        timespan: 10m
    level: high
    ---
    title: Multiple failed logons
    id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
    name: multiple_failed_login
    correlation:
        type: event_count
        rules:
            - failed_login
        group-by:
            - User
        timespan: 10m
        condition:
            gte: 10
    ---
    title: Single failed login
    id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
    name: failed_login
    logsource:
        product: windows
        service: security
    detection:
        selection:
            EventID:
                - 529
                - 4625
        condition: selection
    ---
    title: Successful login
    id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
    name: successful_login
    logsource:
        product: windows
        service: security
    detection:
        selection:
            EventID:
                - 528
                - 4624
        condition: selection
    """
)
OUTER = "b180ead8-d58f-40b2-ae54-c8940995b9b6"
INNER = "a8418a5a-5fc4-46b5-b23b-6c73beb19d41"
FAILED = "53ba33fd-3a50-4468-a5ef-c583635cfa92"
SUCCEEDED = "4d0a2c83-c62c-4ed4-b475-c7e23a9269b8"


def split(text: str) -> tuple[list[SigmaCorrelationRule], dict[str, str]]:
    """The correlation rules of a collection, and the id every base rule's alerts carry."""
    collection = SigmaCollection.from_yaml(text)
    correlations = [item for item in collection if isinstance(item, SigmaCorrelationRule)]
    rule_ids: dict[str, str] = {}
    for item in collection:
        if isinstance(item, SigmaRule):
            rule_ids[str(item.id)] = str(item.id)
            rule_ids[str(item.name)] = str(item.id)
    return correlations, rule_ids


def chain(text: str = SPEC_EXAMPLE) -> CorrelationEngine:
    correlations, rule_ids = split(text)
    return CorrelationEngine(correlations, rule_ids)


def logon(rule_id: str, seconds: float, user: str = "alice") -> Alert:
    return hit(rule_id, seconds, User=user)


def test_failures_then_success_fire_the_outer_rule_only() -> None:
    correlations = chain()
    alerts = [logon(FAILED, second * 20) for second in range(10)] + [logon(SUCCEEDED, 300)]
    [alert] = run(correlations, alerts)
    assert alert.rule_id == OUTER
    assert alert.event["rules"] == ["multiple_failed_login", "successful_login"]
    assert alert.event["group"] == {"User": "alice"}
    assert alert.timestamp == at(300)
    assert correlations.withheld_rule_ids == {INNER, FAILED, SUCCEEDED}


def test_the_inner_alert_is_shown_when_the_outer_rule_generates() -> None:
    text = SPEC_EXAMPLE.replace("10m\nlevel: high", "10m\n    generate: true\nlevel: high")
    assert text != SPEC_EXAMPLE
    alerts = [logon(FAILED, second * 20) for second in range(10)] + [logon(SUCCEEDED, 300)]
    raised = run(chain(text), alerts)
    assert [alert.rule_id for alert in raised] == [INNER, OUTER]
    assert raised[0].timestamp == at(180)


def test_success_before_the_failures_does_not_fire() -> None:
    alerts = [logon(SUCCEEDED, 0)] + [logon(FAILED, 10 + second) for second in range(10)]
    assert run(chain(), alerts) == []


def test_too_few_failures_do_not_fire() -> None:
    alerts = [logon(FAILED, second * 20) for second in range(9)] + [logon(SUCCEEDED, 300)]
    assert run(chain(), alerts) == []


def test_another_users_success_does_not_fire() -> None:
    alerts = [logon(FAILED, second) for second in range(10)] + [logon(SUCCEEDED, 60, "bob")]
    assert run(chain(), alerts) == []


def test_rules_given_in_any_order_are_evaluated_inner_first() -> None:
    correlations, rule_ids = split(SPEC_EXAMPLE)
    engine = CorrelationEngine(list(reversed(correlations)), rule_ids)
    assert [spec.rule_id for spec in engine.specs] == [INNER, OUTER]


def test_an_outer_rule_may_only_group_by_what_the_inner_one_groups_by() -> None:
    outer = "    group-by:\n        - User\n    timespan: 10m\nlevel"
    text = SPEC_EXAMPLE.replace(outer, outer.replace("User", "Computer"))
    assert text != SPEC_EXAMPLE
    with pytest.raises(RuleError, match="reads Computer from correlation 'multiple_failed_login'"):
        chain(text)


def test_a_cycle_is_refused() -> None:
    first = """
    title: First
    id: 11111111-1111-4111-8111-111111111111
    name: first
    correlation:
        type: event_count
        rules: [second]
        timespan: 1m
        condition: {gte: 1}
    """
    second = first.replace("First", "Second").replace("name: first", "name: second")
    second = second.replace("11111111-1111-4111-8111", "22222222-2222-4222-8222")
    second = second.replace("rules: [second]", "rules: [first]")
    with pytest.raises(RuleError, match="cycle"):
        CorrelationEngine([rule(first), rule(second)], {})


def test_a_correlation_without_the_one_it_builds_on_is_refused() -> None:
    correlations, rule_ids = split(SPEC_EXAMPLE)
    outer = [item for item in correlations if str(item.id) == OUTER]
    with pytest.raises(RuleError, match="not loaded with it"):
        CorrelationEngine(outer, rule_ids)
