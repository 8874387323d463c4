"""Emergency stops as records: what may be set, lifting, listing, and the log entries."""

from __future__ import annotations

import pytest

from mamori.access.control import stops
from mamori.access.control.errors import (
    InvalidControlError,
    StopConflictError,
    StopNotFoundError,
)
from mamori.access.models import StopScope
from mamori.audit.models import EntryKind
from mamori.audit.service import list_entries, tree_head


def test_set_list_and_lift_are_logged(database, clock, regulator, org) -> None:
    with database.session() as session:
        stop = stops.set_stop(
            session,
            clock,
            regulator,
            StopScope.ORGANIZATION_CAPABILITY,
            "  suspicious scans ",
            org_id=org,
            capability="vulnscan.scan",
        )
    assert stop.id.startswith("stp_") and stop.active and stop.reason == "suspicious scans"
    with database.session() as session:
        assert stops.active_stops(session) == [stop]
    clock.advance(60)
    with database.session() as session:
        lifted = stops.lift_stop(session, clock, regulator, stop.id, "scans explained")
    assert not lifted.active and lifted.lifted_by == regulator.label
    with database.session() as session:
        assert stops.active_stops(session) == []
        assert stops.get_stop(session, stop.id) == lifted
        entries = list_entries(session, org_id=org)
    assert [(e.kind, e.action, e.actor) for e in entries] == [
        (EntryKind.PROGRAM, "program.stop.set", regulator.label),
        (EntryKind.PROGRAM, "program.stop.lifted", regulator.label),
    ]
    assert entries[0].details == {
        "stop_id": stop.id,
        "scope": "organization_capability",
        "org_id": org,
        "capability": "vulnscan.scan",
        "reason": "suspicious scans",
    }
    assert entries[1].details["lift_reason"] == "scans explained"


def test_stop_and_its_entry_commit_together(database, clock, regulator) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        stops.set_stop(session, clock, regulator, StopScope.GLOBAL, "drill")
        raise RuntimeError("the request failed after setting the stop")
    with database.session() as session:
        assert stops.active_stops(session) == []
        assert tree_head(session).tree_size == 0


@pytest.mark.parametrize(
    ("scope", "target", "field"),
    [
        (StopScope.GLOBAL, {"org_id": "ORG"}, "org_id"),
        (StopScope.GLOBAL, {"capability": "intel.read"}, "capability"),
        (StopScope.ORGANIZATION, {}, "org_id"),
        (StopScope.CAPABILITY, {}, "capability"),
        (StopScope.CAPABILITY, {"capability": "intel.reed"}, "capability"),
        (StopScope.CAPABILITY, {"capability": "program.stop.lift"}, "capability"),
        (StopScope.ORGANIZATION, {"org_id": "org_" + "f" * 32}, "org_id"),
        (StopScope.ORGANIZATION_CAPABILITY, {"org_id": "ORG"}, "capability"),
    ],
)
def test_stop_target_must_fit_its_scope(database, clock, regulator, org, scope, target, field):
    target = {key: org if value == "ORG" else value for key, value in target.items()}
    with pytest.raises(InvalidControlError) as raised, database.session() as session:
        stops.set_stop(session, clock, regulator, scope, "reason", **target)
    assert raised.value.where == field


def test_reason_is_required(database, clock, regulator) -> None:
    with pytest.raises(InvalidControlError) as raised, database.session() as session:
        stops.set_stop(session, clock, regulator, StopScope.GLOBAL, "   ")
    assert raised.value.where == "reason"


def test_same_stop_twice_conflicts_but_lifted_one_can_be_set_again(
    database, clock, regulator
) -> None:
    with database.session() as session:
        first = stops.set_stop(session, clock, regulator, StopScope.GLOBAL, "incident")
    with pytest.raises(StopConflictError), database.session() as session:
        stops.set_stop(session, clock, regulator, StopScope.GLOBAL, "incident again")
    with database.session() as session:
        stops.lift_stop(session, clock, regulator, first.id, "over")
    with pytest.raises(StopConflictError), database.session() as session:
        stops.lift_stop(session, clock, regulator, first.id, "over twice")
    with database.session() as session:
        second = stops.set_stop(session, clock, regulator, StopScope.GLOBAL, "new incident")
    assert second.id != first.id


def test_lifting_an_unknown_stop_is_not_found(database, clock, regulator) -> None:
    with pytest.raises(StopNotFoundError), database.session() as session:
        stops.lift_stop(session, clock, regulator, "stp_" + "0" * 32, "no such stop")
