"""Tier changes, suspension and reinstatement: with reasons, audited with before and after."""

from __future__ import annotations

import pytest
from program_support import OPERATOR, log_entries

from mamori.access.models import OrgStatus, Tier
from mamori.access.program import service as program
from mamori.access.program.errors import TransitionError
from mamori.access.program.models import ApplicationReceipt
from mamori.core.clock import FixedClock
from mamori.core.errors import ConflictError, InvalidInputError, NotFoundError
from mamori.core.ids import OrgId
from mamori.store.engine import Database


def test_tier_changes_are_audited_with_the_previous_and_new_tier(
    database: Database, clock: FixedClock, applied: ApplicationReceipt
) -> None:
    org_id = applied.organization.id
    with database.session() as session:
        raised = program.change_tier(session, clock, OPERATOR, org_id, Tier.TRUSTED, "audit passed")
    clock.advance(60)
    with database.session() as session:
        lowered = program.change_tier(session, clock, OPERATOR, org_id, Tier.VERIFIED, "incident")
        with pytest.raises(ConflictError) as same:
            program.change_tier(session, clock, OPERATOR, org_id, Tier.VERIFIED, "again")
    assert raised.tier is Tier.TRUSTED and lowered.tier is Tier.VERIFIED
    assert lowered.updated_at == clock.now()
    assert same.value.where == "tier"
    entries = log_entries(database, "program.org.tier_changed")
    assert [e.details for e in entries] == [
        {"previous_tier": "registered", "new_tier": "trusted", "reason": "audit passed"},
        {"previous_tier": "trusted", "new_tier": "verified", "reason": "incident"},
    ]
    assert all(e.actor == OPERATOR.label and e.org_id == org_id for e in entries)


def test_suspension_and_reinstatement(
    database: Database, clock: FixedClock, applied: ApplicationReceipt
) -> None:
    org_id = applied.organization.id
    with database.session() as session:
        suspended = program.suspend(session, clock, OPERATOR, org_id, "key leaked on a forum")
        with pytest.raises(TransitionError) as twice:
            program.suspend(session, clock, OPERATOR, org_id, "still leaked")
    assert suspended.status is OrgStatus.SUSPENDED
    assert suspended.status_reason == "key leaked on a forum"
    assert twice.value.allowed == ["reinstate"]
    with database.session() as session:
        active = program.reinstate(session, clock, OPERATOR, org_id, "keys rotated")
        with pytest.raises(TransitionError):
            program.reinstate(session, clock, OPERATOR, org_id, "again")
    assert active.status is OrgStatus.ACTIVE and active.status_reason == "keys rotated"
    [stop] = log_entries(database, "program.org.suspended")
    [back] = log_entries(database, "program.org.reinstated")
    assert stop.details == {
        "previous_status": "active",
        "new_status": "suspended",
        "reason": "key leaked on a forum",
    }
    assert back.details["previous_status"] == "suspended" and back.details["new_status"] == "active"


def test_a_change_needs_a_reason_and_a_real_organization(
    database: Database, clock: FixedClock, applied: ApplicationReceipt
) -> None:
    with database.session() as session:
        with pytest.raises(InvalidInputError):
            program.suspend(session, clock, OPERATOR, applied.organization.id, "")
        with pytest.raises(NotFoundError):
            program.suspend(session, clock, OPERATOR, OrgId("org_" + "f" * 32), "why not")
        with pytest.raises(NotFoundError):
            program.get_organization(session, OrgId("org_" + "f" * 32))


def test_organizations_are_listed_program_wide_with_filters(
    database: Database,
    clock: FixedClock,
    applied: ApplicationReceipt,
    other_applied: ApplicationReceipt,
) -> None:
    with database.session() as session:
        program.suspend(session, clock, OPERATOR, other_applied.organization.id, "review")
    with database.session() as session:
        names = [o.name for o in program.list_organizations(session)]
        suspended = program.list_organizations(session, status=OrgStatus.SUSPENDED)
        registered = program.list_organizations(session, tier=Tier.REGISTERED)
        assert program.get_organization(session, applied.organization.id) == applied.organization
    assert names == ["Sendai Credit Union", "Shinkin Bank of Kobe"]
    assert [o.id for o in suspended] == [other_applied.organization.id]
    assert len(registered) == 2
