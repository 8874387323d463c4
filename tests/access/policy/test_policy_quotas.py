"""Quotas through the gate: uses are counted per fixed window, the one past the limit is
denied with the time the window resets, and denied requests use nothing."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from mamori.access.capabilities import QuotaLimit
from mamori.access.control import quotas
from mamori.access.errors import AccessDeniedError, RateLimitedError
from mamori.access.models import Resource, Role
from mamori.audit.service import get_entry


@pytest.fixture
def operator(program):
    return program.user(None, Role.OPERATOR)


def _limit(database, clock, operator, org, capability, limit, window=3600):
    with database.session() as session:
        quotas.set_quota(
            session, clock, operator, org, capability, limit=limit, window_seconds=window
        )


def test_quota_exceeded_is_rate_limited_until_the_window_resets(
    program, authorizer, database, clock, operator
) -> None:
    org = program.org()
    analyst = program.user(org, Role.ANALYST)
    _limit(database, clock, operator, org, "assist.query", 3)
    for _ in range(3):
        authorizer.authorize(analyst, "assist.query", Resource(org_id=org))
    with pytest.raises(RateLimitedError) as raised:
        authorizer.authorize(analyst, "assist.query", Resource(org_id=org))
    error = raised.value
    assert error.decision.policies == ("forbid-quota-exceeded",)
    resets_at = dt.datetime(2026, 1, 1, 1, tzinfo=dt.UTC)
    assert error.details["resets_at"] == resets_at.isoformat()
    with database.session() as session:
        entry = get_entry(session, error.decision.audit_index, org_id=org)
        assert entry.details["resets_at"] == resets_at.isoformat()
        assert quotas.usage(session, clock, org, "assist.query").used == 3
    clock.advance(3600)
    authorizer.authorize(analyst, "assist.query", Resource(org_id=org))


def test_quota_is_per_organization_and_capability(
    program, authorizer, database, clock, operator
) -> None:
    mine, other = program.org(), program.org()
    _limit(database, clock, operator, mine, "assist.query", 1)
    analyst = program.user(mine, Role.ANALYST)
    authorizer.authorize(analyst, "assist.query", Resource(org_id=mine))
    with pytest.raises(RateLimitedError):
        authorizer.authorize(analyst, "assist.query", Resource(org_id=mine))
    authorizer.authorize(analyst, "intel.read", Resource(org_id=mine))
    neighbour = program.user(other, Role.ANALYST)
    authorizer.authorize(neighbour, "assist.query", Resource(org_id=other))


def test_denied_requests_use_no_quota(program, authorizer, database, clock, operator) -> None:
    org = program.org()
    _limit(database, clock, operator, org, "assist.query", 1)
    auditor = program.user(org, Role.AUDITOR)
    for _ in range(3):
        with pytest.raises(AccessDeniedError):
            authorizer.authorize(auditor, "assist.query", Resource(org_id=org))
    with database.session() as session:
        assert quotas.usage(session, clock, org, "assist.query").used == 0
    authorizer.authorize(program.user(org, Role.ANALYST), "assist.query", Resource(org_id=org))


def test_zero_limit_blocks_and_default_applies_without_override(
    program, authorizer, database, clock, operator
) -> None:
    org = program.org()
    analyst = program.user(org, Role.ANALYST)
    _limit(database, clock, operator, org, "intel.read", 0)
    with pytest.raises(RateLimitedError):
        authorizer.authorize(analyst, "intel.read", Resource(org_id=org))
    with database.session() as session:
        assert quotas.clear_quota(session, clock, operator, org, "intel.read")
        # vulnscan.scan has a default limit; intel.read has none.
        assert quotas.usage(session, clock, org, "intel.read") is None
    authorizer.authorize(analyst, "intel.read", Resource(org_id=org))
    asset = program.asset(org)
    authorizer.authorize(analyst, "vulnscan.scan", Resource(org_id=org, asset_id=asset))
    with database.session() as session:
        assert quotas.usage(session, clock, org, "vulnscan.scan").used == 1


def test_concurrent_requests_never_exceed_the_limit(
    program, authorizer, database, clock, operator
) -> None:
    org = program.org()
    _limit(database, clock, operator, org, "assist.query", 5)
    analyst = program.user(org, Role.ANALYST)

    def attempt(_: int) -> bool:
        try:
            authorizer.authorize(analyst, "assist.query", Resource(org_id=org))
        except RateLimitedError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(16)))
    assert outcomes.count(True) == 5
    with database.session() as session:
        assert quotas.usage(session, clock, org, "assist.query").used == 5


def _wait_for_a_lock_wait(database) -> None:
    """Return once some session of the server waits for a row lock (or fail after 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with database.engine.connect() as connection:
            query = text("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if connection.execute(query).scalar_one():
                return
        time.sleep(0.01)
    pytest.fail("no request ever waited for the usage counter's lock")


def test_a_use_counted_after_the_read_is_seen_by_the_count(
    program, authorizer, database, clock, operator
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: nothing counts in between")
    org = program.org()
    _limit(database, clock, operator, org, "assist.query", 2)
    analyst = program.user(org, Role.ANALYST)
    own = Resource(org_id=org)
    authorizer.authorize(analyst, "assist.query", own)
    with ThreadPoolExecutor(max_workers=1) as pool:
        with database.session() as other:
            # The second use, counted by a request that has not committed yet: the gate's
            # read cannot see it, its count waits for it and then does.
            quotas.count_use(other, org, "assist.query", QuotaLimit(2, 3600), clock.now())
            racing = pool.submit(authorizer.authorize, analyst, "assist.query", own)
            _wait_for_a_lock_wait(database)
        with pytest.raises(RateLimitedError) as raised:
            racing.result(timeout=30)
    assert raised.value.decision.policies == ("forbid-quota-exceeded",)
    with database.session() as session:
        assert quotas.usage(session, clock, org, "assist.query").used == 2
