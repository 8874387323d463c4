"""Whatever the evaluator cannot do exactly is refused by name, never skipped."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from correlation_support import RULE_IDS, engine, rule
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaRuleLocation

from mamori.core.errors import InvalidInputError
from mamori.detection.correlation import CorrelationEngine, check_document
from mamori.detection.errors import RuleError, UnsupportedFeatureError

BASE = """
title: Base correlation
id: 6b1f0e2d-3c4a-4b5d-8e6f-7a8b9c0d1e2f
correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - Computer
    timespan: 5m
    condition:
        gte: 3
"""


def refused(text: str) -> UnsupportedFeatureError:
    with pytest.raises(UnsupportedFeatureError) as caught:
        engine(text)
    assert "Base correlation" in caught.value.message
    return caught.value


def test_the_base_rule_is_accepted() -> None:
    assert [spec.kind for spec in engine(BASE).specs] == ["event_count"]


@pytest.mark.parametrize("kind", ["value_sum", "value_avg", "value_median"])
def test_metric_types_are_refused(kind: str) -> None:
    text = BASE.replace("type: event_count", f"type: {kind}").replace(
        "gte: 3", "gte: 3\n        field: Bytes"
    )
    error = refused(text)
    assert error.details["feature"] == f"correlation type {kind!r}"


def test_a_percentile_is_refused() -> None:
    error = refused(BASE.replace("gte: 3", "gte: 3\n        percentile: 95"))
    assert error.details["feature"] == "condition.percentile"


def test_an_extended_condition_is_refused() -> None:
    text = BASE.replace("type: event_count", "type: temporal").replace(
        "    condition:\n        gte: 3", "    condition: failed_logon"
    )
    assert "extended" in refused(text).details["feature"]


def test_a_field_on_event_count_is_refused() -> None:
    error = refused(BASE.replace("gte: 3", "gte: 3\n        field: TargetUserName"))
    assert error.details["feature"] == "condition.field on a event_count correlation"


def test_value_count_over_several_fields_is_refused() -> None:
    text = BASE.replace("type: event_count", "type: value_count").replace(
        "gte: 3", "gte: 3\n        field: [TargetUserName, IpAddress]"
    )
    assert refused(text).details["feature"] == "condition.field with several fields"


def test_an_unknown_reference_is_refused_with_its_location(tmp_path: Path) -> None:
    source = SigmaRuleLocation(tmp_path / "mr_spray.yml")
    parsed = SigmaCorrelationRule.from_dict(
        yaml.safe_load(BASE.replace("failed_logon", "no_such_rule")), source=source
    )
    with pytest.raises(RuleError, match="'no_such_rule', which is no loaded rule") as caught:
        CorrelationEngine([parsed], RULE_IDS)
    assert caught.value.where is not None and "mr_spray.yml" in caught.value.where


def test_an_alias_for_an_unlisted_rule_is_refused() -> None:
    text = BASE.replace(
        "    timespan", "    aliases:\n        host:\n            recon_a: Computer\n    timespan"
    )
    with pytest.raises(RuleError, match="alias 'host' maps rule 'recon_a'"):
        engine(text)


def test_a_temporal_rule_listing_a_rule_twice_is_refused() -> None:
    text = BASE.replace("type: event_count", "type: temporal").replace(
        "        - failed_logon\n", "        - failed_logon\n        - failed_logon\n"
    )
    with pytest.raises(RuleError, match="lists the same rule twice"):
        engine(text.replace("gte: 3", "gte: 2"))


def test_a_correlation_needs_an_id_or_a_name() -> None:
    with pytest.raises(RuleError, match="neither an id nor a name"):
        engine(BASE.replace("id: 6b1f0e2d-3c4a-4b5d-8e6f-7a8b9c0d1e2f\n", ""))


def test_two_correlations_with_one_name_are_refused() -> None:
    named = BASE.replace("title: Base correlation", "title: Base correlation\nname: twin")
    other = named.replace("6b1f0e2d", "6b1f0e2e")
    with pytest.raises(RuleError, match="two correlation rules answer to 'twin'"):
        CorrelationEngine([rule(named), rule(other)], RULE_IDS)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("allowed_lateness", timedelta(seconds=-1)),
        ("max_groups", 0),
        ("max_events_per_group", 0),
        ("max_event_refs", 0),
    ],
)
def test_limits_must_be_sensible(option: str, value: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        engine(BASE, **{option: value})
    assert caught.value.where == option


def test_unknown_keys_of_the_correlation_section_are_refused() -> None:
    document = yaml.safe_load(
        BASE.replace("    timespan: 5m", "    timespan: 5m\n    ordered: true")
    )
    with pytest.raises(UnsupportedFeatureError, match="correlation.ordered") as caught:
        check_document(document, "rules/mr_base.yml")
    assert caught.value.where == "rules/mr_base.yml (correlation.ordered)"
    # pySigma itself lets the key pass: the check is what stops it
    assert SigmaCorrelationRule.from_dict(document).type.name == "EVENT_COUNT"


def test_a_range_condition_is_refused() -> None:
    document = yaml.safe_load(BASE.replace("gte: 3", "gt: 100\n        lte: 200"))
    with pytest.raises(UnsupportedFeatureError, match="range condition"):
        check_document(document, "rules/mr_base.yml")


def test_a_plain_document_passes_the_check() -> None:
    check_document(yaml.safe_load(BASE), "rules/mr_base.yml")
    with pytest.raises(RuleError, match="'correlation' map"):
        check_document({"title": "no section"}, "rules/mr_base.yml")
