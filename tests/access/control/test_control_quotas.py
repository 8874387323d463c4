"""Quotas as records: limits an operator sets, their defaults, windows and counting."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.access.capabilities import CAPABILITIES, QuotaLimit
from mamori.access.control import quotas
from mamori.access.control.errors import InvalidControlError
from mamori.access.control.models import window_start
from mamori.audit.service import list_entries


def test_override_replaces_default_and_is_logged(database, clock, operator, org) -> None:
    with database.session() as session:
        assert quotas.effective_limit(session, org, "vulnscan.scan") == (
            CAPABILITIES["vulnscan.scan"].default_quota
        )
        quotas.set_quota(session, clock, operator, org, "vulnscan.scan", limit=5, window_seconds=60)
    with database.session() as session:
        assert quotas.effective_limit(session, org, "vulnscan.scan") == QuotaLimit(5, 60)
        assert [q.limit for q in quotas.list_quotas(session, org)] == [5]
        quotas.set_quota(session, clock, operator, org, "vulnscan.scan", limit=7, window_seconds=60)
        assert quotas.clear_quota(session, clock, operator, org, "vulnscan.scan")
        assert not quotas.clear_quota(session, clock, operator, org, "vulnscan.scan")
        entries = list_entries(session, org_id=org)
    assert [e.action for e in entries] == [
        "program.quota.set",
        "program.quota.set",
        "program.quota.cleared",
    ]
    assert entries[0].details == {"capability": "vulnscan.scan", "limit": 5, "window_seconds": 60}


@pytest.mark.parametrize(
    ("capability", "limit", "window", "field"),
    [
        ("vulnscan.scna", 5, 60, "capability"),
        ("vulnscan.scan", -1, 60, "limit"),
        ("vulnscan.scan", 5, 0, "window_seconds"),
        ("vulnscan.scan", 5, 365 * 86400, "window_seconds"),
    ],
)
def test_bad_limits_are_refused(database, clock, operator, org, capability, limit, window, field):
    with pytest.raises(InvalidControlError) as raised, database.session() as session:
        quotas.set_quota(
            session, clock, operator, org, capability, limit=limit, window_seconds=window
        )
    assert raised.value.where == field


def test_unknown_organization_is_refused(database, clock, operator) -> None:
    with pytest.raises(InvalidControlError) as raised, database.session() as session:
        quotas.set_quota(
            session, clock, operator, "org_" + "0" * 32, "intel.read", limit=1, window_seconds=60
        )
    assert raised.value.where == "org_id"


def test_uses_are_counted_per_fixed_window(database, clock, org) -> None:
    limit = QuotaLimit(2, 60)
    clock.advance(59)
    with database.session() as session:
        first = quotas.count_use(session, org, "intel.read", limit, clock.now())
        second = quotas.count_use(session, org, "intel.read", limit, clock.now())
    assert (first.used, second.used) == (0, 1)
    assert second.resets_at == dt.datetime(2026, 1, 1, 0, 1, tzinfo=dt.UTC)
    clock.advance(1)
    with database.session() as session:
        assert quotas.count_use(session, org, "intel.read", limit, clock.now()).used == 0
        counted = quotas.count_use(session, org, "intel.read", limit, clock.now())
        quotas.uncount_use(session, counted)
        assert quotas.count_use(session, org, "intel.read", limit, clock.now()).used == 1


def test_window_start_is_aligned() -> None:
    moment = dt.datetime(2026, 1, 1, 10, 30, 15, tzinfo=dt.UTC)
    assert window_start(moment, 3600) == int(dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC).timestamp())
