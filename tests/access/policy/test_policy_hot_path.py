"""The gate's hot path keeps every guarantee it is fast for: one statement reads all the
facts (the stops in force included, on every decision), the evaluation memo answers
exactly as Cedar does and misses as soon as any input changes, and every decision is
still counted and logged, however often the same request comes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from test_policy_properties import LOADED, NOW, cases

from mamori.access.capabilities import CAPABILITIES, QuotaLimit
from mamori.access.control import quotas, stops
from mamori.access.control.models import QuotaUsage
from mamori.access.errors import AccessDeniedError, RateLimitedError
from mamori.access.models import Principal, PrincipalKind, Resource, Role, StopScope, Tier
from mamori.access.policy import PolicyEngine, repository
from mamori.access.policy.engine import Evaluation
from mamori.access.policy.models import Facts, OrgFacts
from mamori.access.policy.request import build_request
from mamori.audit.service import get_entry
from mamori.core.ids import OrgId
from mamori.store.engine import Database

MEMOIZED = PolicyEngine(LOADED)
UNCACHED = PolicyEngine(LOADED, cache_size=0)


@contextmanager
def _statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements run through ``database`` inside the block (BEGIN left out)."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def _set_stop(database, clock, scope: StopScope, **target: str) -> str:
    regulator = Principal(PrincipalKind.USER, "usr_regulator", roles=frozenset({Role.REGULATOR}))
    with database.session() as session:
        return stops.set_stop(session, clock, regulator, scope, "incident 7", **target).id


def _read(database: Database, principal: Principal, action: str, resource: Resource) -> Facts:
    with database.session() as session:
        return repository.read_facts(session, principal, action, resource)


def test_facts_come_from_one_statement(program, database) -> None:
    org = program.org(Tier.TRUSTED)
    asset = program.asset(org)
    engagement = program.engagement(org, [asset])
    red = program.user(org, Role.RED_TEAMER)
    resource = Resource(org_id=org, asset_id=asset, engagement_id=engagement)
    with _statements(database) as seen:
        facts = _read(database, red, "redteam.emulate", resource)
    assert len(seen) == 1, seen
    assert facts.principal_org == OrgFacts(org, Tier.TRUSTED, True)
    assert facts.asset is not None and facts.asset.org_id == org
    assert facts.asset.verified and facts.asset.in_engagement
    assert facts.engagement is not None and facts.engagement.org_id == org
    assert facts.engagement.status == "approved"
    assert facts.engagement.starts_at == NOW - dt.timedelta(hours=1)
    assert facts.stops == ()
    assert facts.limit == CAPABILITIES["redteam.emulate"].default_quota


def test_facts_hold_exactly_the_stops_that_could_halt_the_request(program, database, clock) -> None:
    mine, owner, bystander = program.org(), program.org(), program.org()
    asset = program.asset(owner)
    analyst = program.user(mine, Role.ANALYST)
    _set_stop(database, clock, StopScope.GLOBAL)
    _set_stop(database, clock, StopScope.ORGANIZATION, org_id=mine)
    _set_stop(database, clock, StopScope.ORGANIZATION, org_id=owner)
    _set_stop(database, clock, StopScope.ORGANIZATION, org_id=bystander)
    _set_stop(database, clock, StopScope.CAPABILITY, capability="vulnscan.scan")
    _set_stop(database, clock, StopScope.CAPABILITY, capability="intel.read")
    _set_stop(
        database, clock, StopScope.ORGANIZATION_CAPABILITY, org_id=owner, capability="vulnscan.scan"
    )
    lifted = _set_stop(database, clock, StopScope.ORGANIZATION, org_id=program.org())
    regulator = Principal(PrincipalKind.USER, "usr_regulator", roles=frozenset({Role.REGULATOR}))
    with database.session() as session:
        stops.lift_stop(session, clock, regulator, lifted, "resolved")
    # The asset's real owner is found by the same statement, and its stops come with it.
    facts = _read(database, analyst, "vulnscan.scan", Resource(asset_id=asset))
    assert facts.stops == (
        ("capability", "", "vulnscan.scan"),
        ("global", "", ""),
        ("organization", min(mine, owner), ""),
        ("organization", max(mine, owner), ""),
        ("organization_capability", owner, "vulnscan.scan"),
    )
    assert facts.asset is not None and facts.asset.org_id == owner


def test_facts_give_the_quota_limit_in_force(program, database, clock) -> None:
    org = program.org()
    analyst = program.user(org, Role.ANALYST)
    own = Resource(org_id=org)
    assert _read(database, analyst, "assist.query", own).limit == QuotaLimit(2_000, 3600)
    assert _read(database, analyst, "intel.read", own).limit is None
    operator = program.user(None, Role.OPERATOR)
    with database.session() as session:
        quotas.set_quota(session, clock, operator, org, "intel.read", limit=7, window_seconds=60)
    assert _read(database, analyst, "intel.read", own).limit == QuotaLimit(7, 60)
    # Quotas count an organization's uses: staff belong to none.
    assert _read(database, operator, "intel.read", own).limit is None


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(sorted(CAPABILITIES)))
def test_memo_answers_exactly_as_cedar(case, action) -> None:
    principal, resource, facts = case
    request = build_request(
        principal, CAPABILITIES[action], resource, facts, now=NOW, mfa_max_age=300
    )
    fresh = UNCACHED.evaluate(request)
    assert MEMOIZED.evaluate(request) == fresh
    assert MEMOIZED.evaluate(request) == fresh


ORG_A = OrgId("org_a")
ADMIN = Principal(
    PrincipalKind.USER,
    "usr_a",
    ORG_A,
    frozenset({Role.ORG_ADMIN}),
    mfa_verified_at=NOW - dt.timedelta(seconds=10),
)
QUOTA = QuotaUsage(ORG_A, "assist.query", 10, 3600, 0, 3)
BASE = Facts(OrgFacts(ORG_A, Tier.VERIFIED, True), None, None, (), QUOTA)


@dataclass(frozen=True)
class Variant:
    """One request of the series: what differs from the base, and the forbid expected."""

    facts: Facts = BASE
    principal: Principal = ADMIN
    action: str = "assist.query"
    seconds_later: int = 0
    denied_by: str | None = None

    def decide(self, engine: PolicyEngine) -> Evaluation:
        request = build_request(
            self.principal,
            CAPABILITIES[self.action],
            Resource(org_id=ORG_A),
            self.facts,
            now=NOW + dt.timedelta(seconds=self.seconds_later),
            mfa_max_age=300,
        )
        return engine.evaluate(request)


def test_memo_misses_whenever_an_input_of_the_decision_changes() -> None:
    engine = PolicyEngine(LOADED)
    stale = replace(ADMIN, mfa_verified_at=NOW - dt.timedelta(seconds=301))
    high_risk = "identity.key.manage"
    series = [
        Variant(),
        Variant(
            replace(BASE, stops=(("global", "", ""),)), denied_by="forbid-emergency-stop-global"
        ),
        Variant(
            replace(BASE, stops=(("organization", ORG_A, ""),)),
            denied_by="forbid-emergency-stop-organization",
        ),
        Variant(
            replace(BASE, principal_org=OrgFacts(ORG_A, Tier.VERIFIED, False)),
            denied_by="forbid-organization-suspended",
        ),
        Variant(
            replace(BASE, principal_org=OrgFacts(ORG_A, Tier.REGISTERED, True)),
            denied_by="forbid-below-verified",
        ),
        Variant(replace(BASE, quota=replace(QUOTA, used=10)), denied_by="forbid-quota-exceeded"),
        Variant(principal=stale, action=high_risk, denied_by="forbid-high-risk-stale-mfa"),
        Variant(action=high_risk, seconds_later=290),
        Variant(action=high_risk, seconds_later=290),
        Variant(action=high_risk, seconds_later=291, denied_by="forbid-high-risk-stale-mfa"),
        Variant(),
    ]
    for variant in series:
        memoized = variant.decide(engine)
        assert memoized == variant.decide(UNCACHED), variant
        assert memoized.allowed is (variant.denied_by is None), variant
        if variant.denied_by is not None:
            assert variant.denied_by in {policy.id for policy in memoized.policies}


def test_a_downgrade_denies_the_very_next_identical_request(program, authorizer) -> None:
    org = program.org(Tier.VERIFIED)
    analyst = program.user(org, Role.ANALYST)
    resource = Resource(org_id=org)
    for _ in range(2):
        authorizer.authorize(analyst, "detection.hunt", resource)
    program.set_org(org, tier=Tier.REGISTERED)
    for _ in range(2):
        with pytest.raises(AccessDeniedError) as raised:
            authorizer.authorize(analyst, "detection.hunt", resource)
        assert "forbid-below-verified" in raised.value.decision.policies
    program.set_org(org, tier=Tier.VERIFIED)
    authorizer.authorize(analyst, "detection.hunt", resource)


def test_identical_requests_are_each_logged_and_counted(
    program, authorizer, database, clock
) -> None:
    org = program.org()
    analyst = program.user(org, Role.ANALYST)
    resource = Resource(org_id=org)
    indices = [authorizer.authorize(analyst, "intel.read", resource).audit_index for _ in range(3)]
    assert len(set(indices)) == 3
    operator = program.user(None, Role.OPERATOR)
    with database.session() as session:
        for index in indices:
            assert get_entry(session, index, org_id=org).details["outcome"] == "allow"
        quotas.set_quota(session, clock, operator, org, "assist.query", limit=2, window_seconds=60)
    for _ in range(2):
        authorizer.authorize(analyst, "assist.query", resource)
    for _ in range(2):
        with pytest.raises(RateLimitedError) as raised:
            authorizer.authorize(analyst, "assist.query", resource)
        with database.session() as session:
            entry = get_entry(session, raised.value.decision.audit_index, org_id=org)
        assert entry.details["outcome"] == "deny"
    with database.session() as session:
        usage = quotas.usage(session, clock, org, "assist.query")
    assert usage is not None and usage.used == 2


def test_a_stop_halts_the_next_of_many_identical_requests(
    program, authorizer, database, clock
) -> None:
    org = program.org()
    key = program.key(org, "anomaly.score")
    resource = Resource(org_id=org)
    for _ in range(3):
        authorizer.authorize(key, "anomaly.score", resource)
    stop = _set_stop(
        database, clock, StopScope.ORGANIZATION_CAPABILITY, org_id=org, capability="anomaly.score"
    )
    with pytest.raises(AccessDeniedError) as raised:
        authorizer.authorize(key, "anomaly.score", resource)
    assert "forbid-emergency-stop-organization-capability" in raised.value.decision.policies
    regulator = Principal(PrincipalKind.USER, "usr_regulator", roles=frozenset({Role.REGULATOR}))
    with database.session() as session:
        stops.lift_stop(session, clock, regulator, stop, "resolved")
    authorizer.authorize(key, "anomaly.score", resource)
