"""Engagements: window, scope and state rules, the gate's helper, isolation and the log."""

from __future__ import annotations

import datetime as dt

import pytest
from assets_helpers import DAY, Orgs, actions, always, count_rows, member, operator

from mamori.access.assets import engagements, service
from mamori.access.assets.errors import (
    AssetNotFoundError,
    EngagementNotFoundError,
    EngagementStateError,
    InvalidEngagementError,
)
from mamori.access.assets.models import Asset, Engagement
from mamori.access.models import AssetKind, EngagementStatus, Principal
from mamori.access.tables import EngagementRow
from mamori.core.clock import FixedClock
from mamori.core.errors import ConflictError, InvalidInputError, NotFoundError
from mamori.core.ids import OrgId
from mamori.store.engine import Database

HOUR = dt.timedelta(hours=1)


def verified_asset(
    database: Database, clock: FixedClock, org_id: OrgId, value: str, proven: bool = True
) -> Asset:
    with database.session() as session:
        asset = service.register_asset(
            session, clock, member(org_id), org_id, AssetKind.DOMAIN, value
        ).asset
        if proven:
            asset = service.verify(session, clock, member(org_id), org_id, asset.id, always(True))
    return asset


def request(
    database: Database,
    clock: FixedClock,
    org_id: OrgId,
    asset_ids: list[str],
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    purpose: str = "test the payment gateway's detection coverage",
) -> Engagement:
    start = starts_at or clock.now() + HOUR
    with database.session() as session:
        return engagements.request_engagement(
            session,
            clock,
            member(
                org_id,
            ),
            org_id,
            purpose=purpose,
            starts_at=start,
            ends_at=ends_at or start + 7 * DAY,
            asset_ids=asset_ids,
        )


def decide(
    database: Database,
    clock: FixedClock,
    org_id: OrgId,
    engagement_id: str,
    approve: bool = True,
    by: Principal | None = None,
) -> Engagement:
    act = engagements.approve_engagement if approve else engagements.reject_engagement
    with database.session() as session:
        return act(session, clock, by or operator(), org_id, engagement_id, "scope reviewed")


def test_a_request_over_verified_assets_is_recorded(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    web = verified_asset(database, clock, orgs.a, "web.alpha.example")
    api = verified_asset(database, clock, orgs.a, "api.alpha.example")
    engagement = request(database, clock, orgs.a, [web.id, api.id, web.id])
    assert engagement.status is EngagementStatus.REQUESTED
    assert engagement.asset_ids == tuple(sorted([web.id, api.id]))
    with database.session() as session:
        assert engagements.get_engagement(session, orgs.a, engagement.id) == engagement
        assert engagements.list_engagements(session, orgs.a) == [engagement]
    assert actions(database, orgs.a)[-1] == "engagements.requested"


@pytest.mark.parametrize(
    ("start", "end", "where"),
    [
        (HOUR, HOUR, "ends_at"),
        (2 * HOUR, HOUR, "ends_at"),
        (HOUR, HOUR + 30 * DAY + dt.timedelta(seconds=1), "ends_at"),
        (-10 * DAY, -DAY, "ends_at"),
    ],
)
def test_bad_windows_are_refused_and_write_nothing(
    database: Database,
    clock: FixedClock,
    orgs: Orgs,
    start: dt.timedelta,
    end: dt.timedelta,
    where: str,
) -> None:
    asset = verified_asset(database, clock, orgs.a, "web.alpha.example")
    now = clock.now()
    with pytest.raises(InvalidEngagementError) as caught:
        request(database, clock, orgs.a, [asset.id], now + start, now + end)
    assert caught.value.where == where
    with database.session() as session:
        assert count_rows(session, EngagementRow) == 0


def test_a_window_already_under_way_or_exactly_30_days_is_accepted(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = verified_asset(database, clock, orgs.a, "web.alpha.example")
    now = clock.now()
    request(database, clock, orgs.a, [asset.id], now - DAY, now + DAY)
    request(database, clock, orgs.a, [asset.id], now, now + 30 * DAY)


def test_naive_times_and_empty_purpose_are_refused(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = verified_asset(database, clock, orgs.a, "web.alpha.example")
    naive = dt.datetime(2026, 1, 2)
    with pytest.raises(InvalidEngagementError):
        request(database, clock, orgs.a, [asset.id], naive, naive + DAY)
    with pytest.raises(InvalidEngagementError) as caught:
        request(database, clock, orgs.a, [asset.id], purpose="   ")
    assert caught.value.where == "purpose"


def test_the_scope_must_be_the_orgs_own_verified_assets(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    ours = verified_asset(database, clock, orgs.a, "web.alpha.example")
    pending = verified_asset(database, clock, orgs.a, "new.alpha.example", proven=False)
    theirs = verified_asset(database, clock, orgs.b, "web.beta.example")
    with pytest.raises(InvalidEngagementError) as empty:
        request(database, clock, orgs.a, [])
    with pytest.raises(AssetNotFoundError) as foreign:
        request(database, clock, orgs.a, [ours.id, theirs.id])
    with pytest.raises(InvalidInputError) as unverified:
        request(database, clock, orgs.a, [ours.id, pending.id])
    assert empty.value.where == "asset_ids"
    assert isinstance(foreign.value, NotFoundError)
    assert foreign.value.where == "asset_ids[1]"
    assert "web.beta.example" not in str(foreign.value)
    assert pending.id in str(unverified.value) and unverified.value.where == "asset_ids[1]"
    with database.session() as session:
        assert count_rows(session, EngagementRow) == 0


def test_an_operator_approves_and_the_engagement_allows_inside_its_window(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = verified_asset(database, clock, orgs.a, "web.alpha.example")
    other = verified_asset(database, clock, orgs.a, "mail.alpha.example")
    engagement = request(database, clock, orgs.a, [asset.id])
    reviewer = operator()
    approved = decide(database, clock, orgs.a, engagement.id, by=reviewer)
    assert approved.status is EngagementStatus.APPROVED
    assert (approved.decided_by, approved.decision_reason) == (reviewer.id, "scope reviewed")
    start, end = engagement.starts_at, engagement.ends_at
    with database.session() as session:

        def allows(asset_id: str | None, at: dt.datetime, org_id: OrgId = orgs.a) -> bool:
            return engagements.engagement_allows(session, org_id, engagement.id, asset_id, at)[0]

        assert allows(asset.id, start) and allows(None, end - HOUR)
        assert not allows(asset.id, start - dt.timedelta(seconds=1))
        assert not allows(asset.id, end)
        assert not allows(other.id, start)
        assert not allows(asset.id, start, orgs.b)
    assert actions(database, orgs.a)[-2:] == ["engagements.requested", "engagements.approved"]


def test_a_requested_rejected_or_cancelled_engagement_allows_nothing(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = verified_asset(database, clock, orgs.a, "web.alpha.example")
    requested = request(database, clock, orgs.a, [asset.id])
    rejected = decide(
        database, clock, orgs.a, request(database, clock, orgs.a, [asset.id]).id, approve=False
    )
    cancelled = request(database, clock, orgs.a, [asset.id])
    decide(database, clock, orgs.a, cancelled.id)
    with database.session() as session:
        engagements.cancel_engagement(session, clock, member(orgs.a), orgs.a, cancelled.id)
        for engagement in (requested, rejected, cancelled):
            allowed, reason = engagements.engagement_allows(
                session, orgs.a, engagement.id, asset.id, requested.starts_at + HOUR
            )
            assert not allowed and "not approved" in reason
    assert actions(database, orgs.a)[-1] == "engagements.cancelled"


def test_an_asset_that_loses_its_proof_is_no_longer_allowed(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = verified_asset(database, clock, orgs.a, "web.alpha.example")
    engagement = request(database, clock, orgs.a, [asset.id])
    decide(database, clock, orgs.a, engagement.id)
    with database.session() as session:
        service.verify(session, clock, member(orgs.a), orgs.a, asset.id, always(False))
        allowed, reason = engagements.engagement_allows(
            session, orgs.a, engagement.id, asset.id, engagement.starts_at
        )
    assert not allowed and "no longer verified" in reason


def test_state_transitions_that_are_not_allowed_are_conflicts(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = verified_asset(database, clock, orgs.a, "web.alpha.example")
    engagement = request(database, clock, orgs.a, [asset.id])
    decide(database, clock, orgs.a, engagement.id)
    for approve in (True, False):
        with pytest.raises(EngagementStateError) as caught:
            decide(database, clock, orgs.a, engagement.id, approve=approve)
        assert isinstance(caught.value, ConflictError)
    with database.session() as session:
        engagements.cancel_engagement(session, clock, member(orgs.a), orgs.a, engagement.id, "done")
    with pytest.raises(ConflictError), database.session() as session:
        engagements.cancel_engagement(session, clock, member(orgs.a), orgs.a, engagement.id)


def test_approval_needs_a_reason_an_open_window_a_verified_scope_and_another_principal(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = verified_asset(database, clock, orgs.a, "web.alpha.example")
    engagement = request(database, clock, orgs.a, [asset.id])
    with pytest.raises(InvalidEngagementError), database.session() as session:
        engagements.approve_engagement(session, clock, operator(), orgs.a, engagement.id, " ")
    with database.session() as session:
        requester = engagements.get_engagement(session, orgs.a, engagement.id).requested_by
    same = Principal(operator().kind, requester)
    with pytest.raises(EngagementStateError):
        decide(database, clock, orgs.a, engagement.id, by=same)
    with database.session() as session:
        service.verify(session, clock, member(orgs.a), orgs.a, asset.id, always(False))
    with pytest.raises(EngagementStateError) as lost:
        decide(database, clock, orgs.a, engagement.id)
    assert asset.id in str(lost.value)
    clock.advance(8 * 86400)
    with pytest.raises(EngagementStateError) as late:
        decide(database, clock, orgs.a, engagement.id)
    assert "window ended" in str(late.value)
    with database.session() as session:
        status = engagements.get_engagement(session, orgs.a, engagement.id).status
    assert status is EngagementStatus.REQUESTED


def test_another_organization_cannot_read_decide_or_cancel_an_engagement(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = verified_asset(database, clock, orgs.a, "web.alpha.example")
    engagement = request(database, clock, orgs.a, [asset.id])
    with database.session() as session:
        with pytest.raises(EngagementNotFoundError):
            engagements.get_engagement(session, orgs.b, engagement.id)
        with pytest.raises(NotFoundError):
            engagements.approve_engagement(session, clock, operator(), orgs.b, engagement.id, "ok")
        with pytest.raises(NotFoundError):
            engagements.cancel_engagement(session, clock, member(orgs.b), orgs.b, engagement.id)
        assert engagements.list_engagements(session, orgs.b) == []
        status = engagements.get_engagement(session, orgs.a, engagement.id).status
    assert status is EngagementStatus.REQUESTED
    assert actions(database, orgs.b) == []


def test_lists_filter_by_status_newest_first(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = verified_asset(database, clock, orgs.a, "web.alpha.example")
    first = request(database, clock, orgs.a, [asset.id])
    clock.advance(60)
    second = request(database, clock, orgs.a, [asset.id])
    decide(database, clock, orgs.a, first.id)
    with database.session() as session:
        every = engagements.list_engagements(session, orgs.a)
        approved = engagements.list_engagements(session, orgs.a, status=EngagementStatus.APPROVED)
    assert [e.id for e in every] == [second.id, first.id]
    assert [e.id for e in approved] == [first.id]
