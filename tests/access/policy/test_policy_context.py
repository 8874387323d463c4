"""The three answers the gate works out before asking Cedar (``mfa_fresh``,
``engagement_open``, ``quota_exhausted``) forbid exactly when the comparisons they stand
for would: each shipped forbid is checked against that comparison written in Cedar over
the raw numbers (seconds, ages, counts), on drawn times down to the millisecond."""

from __future__ import annotations

import datetime as dt
import json

import cedarpy
from hypothesis import given, settings
from hypothesis import strategies as st
from test_policy_properties import NOW

from mamori.access.capabilities import CAPABILITIES
from mamori.access.control.models import QuotaUsage
from mamori.access.models import Principal, PrincipalKind, Resource, Role, Tier
from mamori.access.policy import PolicyEngine
from mamori.access.policy.models import AssetFacts, EngagementFacts, Facts, OrgFacts
from mamori.access.policy.request import decision_inputs
from mamori.core.ids import AssetId, EngagementId, OrgId

ENGINE = PolicyEngine.load()
MAX_AGE = 300
ORG = OrgId("org_a")

# The comparisons as Cedar, over the numbers themselves.
RAW = """
@id("permit-all") permit (principal, action, resource);
@id("stale-mfa") forbid (principal, action, resource)
unless { context.mfa_age >= 0 && context.mfa_age <= context.mfa_max_age };
@id("outside-window") forbid (principal, action, resource)
when { context.now < context.starts_at || context.now >= context.ends_at };
@id("quota-used") forbid (principal, action, resource)
when { context has quota && context.quota.used >= context.quota.limit };
"""
RAW_POLICIES = cedarpy.PolicySet.from_str(RAW)
RAW_IDS = {
    f"policy{index}": name
    for index, name in enumerate(["permit-all", "stale-mfa", "outside-window", "quota-used"])
}

millis = st.integers(-2_000_000, 2_000_000)


def _seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _raw_forbids(context: dict[str, object]) -> set[str]:
    request = {
        "principal": {"type": "P", "id": "p"},
        "action": {"type": "A", "id": "a"},
        "resource": {"type": "R", "id": "r"},
        "context": context,
    }
    result = cedarpy.is_authorized(request, RAW_POLICIES, json.dumps([]))
    assert not result.diagnostics.errors
    return {RAW_IDS[cedar_id] for cedar_id in result.diagnostics.reasons} - {"permit-all"}


def _shipped_forbids(principal: Principal, action: str, resource: Resource, facts: Facts, now):
    inputs = decision_inputs(
        principal, CAPABILITIES[action], resource, facts, now=now, mfa_max_age=MAX_AGE
    )
    evaluation = ENGINE.decide(inputs)
    assert not evaluation.errors
    return {policy.id for policy in evaluation.policies if policy.effect == "forbid"}


# Ages near the freshness limit and near zero, where the whole-second rounding matters.
ages = st.integers(-2_000, 2_000) | st.integers(MAX_AGE * 1000 - 2_000, MAX_AGE * 1000 + 2_000)


@settings(max_examples=400, deadline=None)
@given(st.none() | ages | millis, millis)
def test_mfa_fresh_is_the_age_comparison(age_ms, now_ms) -> None:
    now = NOW + dt.timedelta(milliseconds=now_ms)
    verified = None if age_ms is None else now - dt.timedelta(milliseconds=age_ms)
    admin = Principal(PrincipalKind.USER, "usr_a", ORG, frozenset({Role.ORG_ADMIN}), None, verified)
    facts = Facts(OrgFacts(ORG, Tier.VERIFIED, True), None, None, (), None)
    shipped = _shipped_forbids(admin, "identity.key.manage", Resource(org_id=ORG), facts, now)
    age = -1 if verified is None else int((now - verified).total_seconds())
    raw = _raw_forbids(
        {
            "mfa_age": age if age >= 0 else -1,
            "mfa_max_age": MAX_AGE,
            "now": 0,
            "starts_at": 0,
            "ends_at": 1,
        }
    )
    assert ("forbid-high-risk-stale-mfa" in shipped) is ("stale-mfa" in raw)


@settings(max_examples=400, deadline=None)
@given(millis, st.integers(0, 4_000_000), millis)
def test_engagement_open_is_the_window_comparison(starts_ms, lasts_ms, now_ms) -> None:
    now = NOW + dt.timedelta(milliseconds=now_ms)
    starts = NOW + dt.timedelta(milliseconds=starts_ms)
    ends = starts + dt.timedelta(milliseconds=lasts_ms)
    engagement = EngagementFacts("eng_x", ORG, "approved", starts, ends)
    asset = AssetFacts("ast_x", ORG, True, True)
    facts = Facts(OrgFacts(ORG, Tier.TRUSTED, True), asset, engagement, (), None)
    red = Principal(PrincipalKind.USER, "usr_r", ORG, frozenset({Role.RED_TEAMER}), None, now)
    resource = Resource(ORG, AssetId("ast_x"), EngagementId("eng_x"))
    shipped = _shipped_forbids(red, "redteam.emulate", resource, facts, now)
    raw = _raw_forbids(
        {
            "mfa_age": 0,
            "mfa_max_age": MAX_AGE,
            "now": _seconds(now),
            "starts_at": _seconds(starts),
            "ends_at": _seconds(ends),
        }
    )
    assert ("forbid-engagement-outside-window" in shipped) is ("outside-window" in raw)
    assert shipped <= {"forbid-engagement-outside-window"}


@settings(max_examples=200, deadline=None)
@given(st.none() | st.tuples(st.integers(0, 50), st.integers(0, 60)))
def test_quota_exhausted_is_the_count_comparison(quota) -> None:
    usage = None if quota is None else QuotaUsage(ORG, "assist.query", quota[0], 60, 0, quota[1])
    facts = Facts(OrgFacts(ORG, Tier.VERIFIED, True), None, None, (), usage)
    analyst = Principal(PrincipalKind.USER, "usr_b", ORG, frozenset({Role.ANALYST}))
    shipped = _shipped_forbids(analyst, "assist.query", Resource(org_id=ORG), facts, NOW)
    context: dict[str, object] = {
        "mfa_age": 0,
        "mfa_max_age": MAX_AGE,
        "now": 0,
        "starts_at": 0,
        "ends_at": 1,
    }
    if usage is not None:
        context["quota"] = {"limit": usage.limit, "used": usage.used}
    raw = _raw_forbids(context)
    assert ("forbid-quota-exceeded" in shipped) is ("quota-used" in raw)
    assert shipped <= {"forbid-quota-exceeded"}
