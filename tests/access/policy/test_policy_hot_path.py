"""The gate's hot path keeps every guarantee it is fast for: one statement reads all the
facts (the stops in force included, on every decision), the decision memo answers
exactly as Cedar does and misses as soon as any input changes, and every decision is
still counted and logged, however often the same request comes."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session
from test_policy_properties import LOADED, NOW, cases

from mamori.access.capabilities import CAPABILITIES, QuotaLimit
from mamori.access.control import quotas, stops
from mamori.access.control.models import QuotaUsage
from mamori.access.errors import AccessDeniedError, RateLimitedError
from mamori.access.models import Principal, PrincipalKind, Resource, Role, StopScope, Tier
from mamori.access.policy import PolicyEngine, repository
from mamori.access.policy.engine import Evaluation
from mamori.access.policy.models import Facts, OrgFacts
from mamori.access.policy.request import cedar_request, decision_inputs
from mamori.audit.service import get_entry
from mamori.core.ids import OrgId
from mamori.store.engine import Database

MEMOIZED = PolicyEngine(LOADED)
UNCACHED = PolicyEngine(LOADED, cache_size=0)


@contextmanager
def _driver_statements(session: Session) -> Iterator[list[str]]:
    """The statements the database driver sends inside the block, as the driver sees them
    (SQLite's trace hook, libpq's protocol trace), so that nothing run below SQLAlchemy
    goes uncounted. The session's transaction has begun before the block."""
    driver = session.connection().connection.driver_connection
    seen: list[str] = []
    if isinstance(driver, psycopg.Connection):
        with tempfile.TemporaryFile() as trace:
            driver.pgconn.trace(trace.fileno())
            driver.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                yield seen
            finally:
                driver.pgconn.untrace()
            trace.seek(0)
            lines = trace.read().decode().splitlines()
        seen += [line for line in lines if line.startswith("F") and "\tExecute\t" in line]
        return
    driver.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        driver.set_trace_callback(None)


def _set_stop(database, clock, scope: StopScope, **target: str) -> str:
    regulator = Principal(PrincipalKind.USER, "usr_regulator", roles=frozenset({Role.REGULATOR}))
    with database.session() as session:
        return stops.set_stop(session, clock, regulator, scope, "incident 7", **target).id


def _read(database: Database, principal: Principal, action: str, resource: Resource) -> Facts:
    with database.session() as session:
        return repository.read_facts(session, principal, action, resource, now=NOW)


def test_facts_come_from_one_statement(program, database) -> None:
    org = program.org(Tier.TRUSTED)
    asset = program.asset(org)
    engagement = program.engagement(org, [asset])
    red = program.user(org, Role.RED_TEAMER)
    resource = Resource(org_id=org, asset_id=asset, engagement_id=engagement)
    with database.session() as session, _driver_statements(session) as seen:
        facts = repository.read_facts(session, red, "redteam.emulate", resource, now=NOW)
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
    assert _read(database, operator, "intel.read", own).quota is None


def test_facts_give_the_uses_of_the_current_window(program, authorizer, database, clock) -> None:
    org = program.org()
    analyst = program.user(org, Role.ANALYST)
    own = Resource(org_id=org)
    # The default quota, 2,000 an hour; NOW is on an hour boundary, so its window starts there.
    assert _read(database, analyst, "assist.query", own).quota == QuotaUsage(
        org, "assist.query", 2_000, 3600, int(NOW.timestamp()), 0
    )
    for _ in range(3):
        authorizer.authorize(analyst, "assist.query", own)
    assert _read(database, analyst, "assist.query", own).quota.used == 3
    # Another capability, another organization and an unlimited capability count apart.
    assert _read(database, analyst, "vulnscan.scan", own).quota.used == 0
    neighbour = program.user(program.org(), Role.ANALYST)
    assert _read(database, neighbour, "assist.query", own).quota.used == 0
    assert _read(database, analyst, "intel.read", own).quota is None
    operator = program.user(None, Role.OPERATOR)
    with database.session() as session:
        quotas.set_quota(session, clock, operator, org, "assist.query", limit=5, window_seconds=60)
    # The organization's own window of a minute (NOW is on a minute boundary).
    assert _read(database, analyst, "assist.query", own).quota == QuotaUsage(
        org, "assist.query", 5, 60, int(NOW.timestamp()), 3
    )
    clock.advance(60)
    later = clock.now()
    with database.session() as session:
        facts = repository.read_facts(session, analyst, "assist.query", own, now=later)
    assert facts.quota is not None and facts.quota.used == 0


def test_a_denied_request_writes_no_use(program, authorizer, database) -> None:
    org = program.org()
    auditor = program.user(org, Role.AUDITOR)
    with pytest.raises(AccessDeniedError):
        authorizer.authorize(auditor, "assist.query", Resource(org_id=org))
    with database.session() as session:
        rows = session.execute(text("SELECT count(*) FROM usage_counters")).scalar_one()
    assert rows == 0


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(sorted(CAPABILITIES)), st.integers(0, 7200))
def test_memo_answers_exactly_as_cedar(case, action, seconds_later) -> None:
    principal, resource, facts = case
    inputs = decision_inputs(
        principal,
        CAPABILITIES[action],
        resource,
        facts,
        now=NOW + dt.timedelta(seconds=seconds_later),
        mfa_max_age=300,
    )
    fresh = UNCACHED.evaluate(cedar_request(inputs))
    assert MEMOIZED.decide(inputs) == fresh
    assert MEMOIZED.decide(inputs) == fresh


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

    def decide(self, engine: PolicyEngine) -> tuple[Evaluation, Evaluation]:
        """The memo's answer, and Cedar's own on the same request."""
        inputs = decision_inputs(
            self.principal,
            CAPABILITIES[self.action],
            Resource(org_id=ORG_A),
            self.facts,
            now=NOW + dt.timedelta(seconds=self.seconds_later),
            mfa_max_age=300,
        )
        return engine.decide(inputs), UNCACHED.evaluate(cedar_request(inputs))


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
        Variant(replace(BASE, quota=replace(QUOTA, used=9))),
        Variant(replace(BASE, quota=replace(QUOTA, used=10)), denied_by="forbid-quota-exceeded"),
        Variant(replace(BASE, quota=replace(QUOTA, used=11)), denied_by="forbid-quota-exceeded"),
        Variant(seconds_later=86_400),
        Variant(principal=stale, action=high_risk, denied_by="forbid-high-risk-stale-mfa"),
        Variant(action=high_risk, seconds_later=290),
        Variant(action=high_risk, seconds_later=290),
        Variant(action=high_risk, seconds_later=291, denied_by="forbid-high-risk-stale-mfa"),
        Variant(action=high_risk, seconds_later=-11, denied_by="forbid-high-risk-stale-mfa"),
        Variant(),
    ]
    for variant in series:
        memoized, fresh = variant.decide(engine)
        assert memoized == fresh, variant
        assert memoized.allowed is (variant.denied_by is None), variant
        if variant.denied_by is not None:
            assert variant.denied_by in {policy.id for policy in memoized.policies}


def test_the_clock_and_the_count_enter_the_memo_key_only_when_an_answer_flips() -> None:
    key = Principal(PrincipalKind.API_KEY, "key_a", ORG_A, frozenset({Role.ANALYST}))
    later = [NOW + dt.timedelta(seconds=seconds) for seconds in (0, 1, 3600, 86_400)]

    def inputs(principal: Principal, facts: Facts, now: dt.datetime, action: str = "assist.query"):
        capability, resource = CAPABILITIES[action], Resource(org_id=ORG_A)
        return decision_inputs(principal, capability, resource, facts, now=now, mfa_max_age=300)

    # A service key's question is the same key all day, and one use later.
    assert len({inputs(key, BASE, now) for now in later}) == 1
    used = [replace(BASE, quota=replace(QUOTA, used=n)) for n in range(10)]
    assert len({inputs(key, facts, NOW) for facts in used}) == 1
    assert inputs(key, replace(BASE, quota=replace(QUOTA, used=10)), NOW) != inputs(key, BASE, NOW)
    # A person's second factor splits the key once: fresh, then stale.
    ages = {inputs(ADMIN, BASE, NOW + dt.timedelta(seconds=s)).mfa_fresh for s in range(0, 600)}
    assert ages == {True, False}


def test_fact_rows_follow_the_statement() -> None:
    assert repository._Row._fields == tuple(repository._FACTS.selected_columns.keys())


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
