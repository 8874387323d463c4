"""Operators' decisions: the application's state machine, its history, and scoped reads."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from program_support import OPERATOR, log_entries

from mamori.access.models import ApplicationState, Tier
from mamori.access.program import service as program
from mamori.access.program.errors import TransitionError
from mamori.access.program.models import Application, ApplicationReceipt
from mamori.core.clock import FixedClock
from mamori.core.errors import ConflictError, InvalidInputError, NotFoundError
from mamori.store.engine import Database

S = ApplicationState


def test_an_application_goes_from_submitted_to_ready_and_gets_its_tier(
    database: Database, clock: FixedClock, applied: ApplicationReceipt
) -> None:
    app_id, org_id = applied.application.id, applied.organization.id
    steps = [
        (program.approve, "licence checked with the FSA", S.APPROVED),
        (program.provision, "trusted tier granted", S.PROVISIONED),
        (program.mark_ready, "onboarding call done", S.READY),
    ]
    for decide, reason, state in steps:
        clock.advance(3600)
        with database.session() as session:
            app = decide(session, clock, OPERATOR, app_id, reason)
        assert app.state is state and app.decision_reason == reason
        assert app.decided_by == OPERATOR.id and app.decided_at == clock.now()
    with database.session() as session:
        assert program.get_organization(session, org_id).tier is Tier.TRUSTED
        history = program.application_history(session, org_id, app_id)
    assert [event.state for event in history] == [S.SUBMITTED, S.APPROVED, S.PROVISIONED, S.READY]
    assert [event.reason for event in history[1:]] == [reason for _, reason, _ in steps]
    assert history[1].actor == OPERATOR.label and history[0].at < history[1].at
    provisioned = log_entries(database, "program.application.provisioned")[0]
    assert provisioned.details["previous_tier"] == "registered"
    assert provisioned.details["new_tier"] == "trusted"
    assert history[2].audit_index == provisioned.index


def test_a_rejected_application_is_final(
    database: Database, clock: FixedClock, applied: ApplicationReceipt
) -> None:
    app_id = applied.application.id
    with database.session() as session:
        program.reject(session, clock, OPERATOR, app_id, "no regulator registration found")
    with database.session() as session, pytest.raises(ConflictError) as caught:
        program.approve(session, clock, OPERATOR, app_id, "changed my mind")
    assert isinstance(caught.value, TransitionError)
    assert "is rejected" in caught.value.message and "final" in str(caught.value)
    with database.session() as session:
        assert program.get_organization(session, applied.organization.id).tier is Tier.REGISTERED
        history = program.application_history(session, applied.organization.id, app_id)
    assert [event.state for event in history] == [S.SUBMITTED, S.REJECTED]


@pytest.mark.parametrize(
    ("decide", "allowed"),
    [
        (program.provision, ["approve", "reject"]),
        (program.mark_ready, ["approve", "reject"]),
    ],
)
def test_skipping_a_step_says_where_the_application_stands(
    database: Database,
    clock: FixedClock,
    applied: ApplicationReceipt,
    decide: Callable[..., Application],
    allowed: list[str],
) -> None:
    with database.session() as session, pytest.raises(TransitionError) as caught:
        decide(session, clock, OPERATOR, applied.application.id, "too early")
    assert caught.value.current == "submitted" and caught.value.allowed == allowed
    assert "is submitted" in caught.value.message
    assert "approve, reject" in str(caught.value)


def test_approving_twice_is_refused(
    database: Database, clock: FixedClock, applied: ApplicationReceipt
) -> None:
    with database.session() as session:
        program.approve(session, clock, OPERATOR, applied.application.id, "ok")
    with database.session() as session, pytest.raises(TransitionError) as caught:
        program.approve(session, clock, OPERATOR, applied.application.id, "ok again")
    assert caught.value.current == "approved" and caught.value.allowed == ["provision"]


def test_a_decision_needs_a_reason(
    database: Database, clock: FixedClock, applied: ApplicationReceipt
) -> None:
    with database.session() as session, pytest.raises(InvalidInputError) as caught:
        program.approve(session, clock, OPERATOR, applied.application.id, "   ")
    assert caught.value.where == "reason"
    assert log_entries(database, "program.application.approved") == []


def test_reads_are_scoped_and_filterable(
    database: Database,
    clock: FixedClock,
    applied: ApplicationReceipt,
    other_applied: ApplicationReceipt,
) -> None:
    mine, theirs = applied.application, other_applied.application
    with database.session() as session:
        program.approve(session, clock, OPERATOR, theirs.id, "fine")
    with database.session() as session:
        assert program.get_application(session, mine.org_id, mine.id).id == mine.id
        for read in (program.get_application, program.application_history):
            with pytest.raises(NotFoundError):
                read(session, mine.org_id, theirs.id)
        with pytest.raises(NotFoundError):
            program.read_evidence(session, mine.org_id, theirs.evidence[0].id)
        assert program.get_application_for_review(session, theirs.id).state is S.APPROVED
        submitted = program.list_applications(session, state=S.SUBMITTED)
        everything = program.list_applications(session)
        own = program.list_organization_applications(session, mine.org_id)
    assert [a.id for a in submitted] == [mine.id]
    assert {a.id for a in everything} == {mine.id, theirs.id}
    assert [a.id for a in own] == [mine.id] and len(own[0].evidence) == 2
