"""Emergency stops through the gate: each scope halts the very next request, in this
process and in another one sharing the database, and lifting one restores service."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from mamori.access.control import stops
from mamori.access.errors import AccessDeniedError, EmergencyStoppedError
from mamori.access.models import Resource, Role, StopScope, Tier
from mamori.access.policy import Authorizer
from mamori.core.clock import FixedClock
from mamori.store.engine import Database


@pytest.fixture
def regulator(program):
    return program.user(None, Role.REGULATOR)


def _set(database, clock, regulator, scope, **target):
    with database.session() as session:
        return stops.set_stop(session, clock, regulator, scope, "incident 42", **target)


def _lift(database, clock, regulator, stop_id):
    with database.session() as session:
        stops.lift_stop(session, clock, regulator, stop_id, "incident closed")


@pytest.mark.parametrize(
    ("scope", "target", "policy"),
    [
        (StopScope.GLOBAL, {}, "forbid-emergency-stop-global"),
        (StopScope.ORGANIZATION, {"org_id": "mine"}, "forbid-emergency-stop-organization"),
        (StopScope.CAPABILITY, {"capability": "intel.read"}, "forbid-emergency-stop-capability"),
        (
            StopScope.ORGANIZATION_CAPABILITY,
            {"org_id": "mine", "capability": "intel.read"},
            "forbid-emergency-stop-organization-capability",
        ),
    ],
)
def test_stop_halts_next_request_and_lifting_restores(
    program, authorizer, database, clock, regulator, scope, target, policy
) -> None:
    mine = program.org()
    analyst = program.user(mine, Role.ANALYST)
    resource = Resource(org_id=mine)
    authorizer.authorize(analyst, "intel.read", resource)
    target = {key: (mine if value == "mine" else value) for key, value in target.items()}
    stop = _set(database, clock, regulator, scope, **target)
    with pytest.raises(EmergencyStoppedError) as raised:
        authorizer.authorize(analyst, "intel.read", resource)
    assert policy in raised.value.decision.policies
    assert raised.value.decision.audit_index is not None
    _lift(database, clock, regulator, stop.id)
    authorizer.authorize(analyst, "intel.read", resource)


def test_stop_reaches_only_what_it_names(program, authorizer, database, clock, regulator) -> None:
    mine, other = program.org(), program.org()
    analyst, neighbour = program.user(mine, Role.ANALYST), program.user(other, Role.ANALYST)
    _set(
        database,
        clock,
        regulator,
        StopScope.ORGANIZATION_CAPABILITY,
        org_id=mine,
        capability="intel.read",
    )
    with pytest.raises(EmergencyStoppedError):
        authorizer.authorize(analyst, "intel.read", Resource(org_id=mine))
    authorizer.authorize(analyst, "demo.read", Resource(org_id=mine))
    authorizer.authorize(neighbour, "intel.read", Resource(org_id=other))


def test_program_controls_survive_a_global_stop(
    program, authorizer, database, clock, regulator
) -> None:
    org = program.org()
    stop = _set(database, clock, regulator, StopScope.GLOBAL)
    for action in ("program.stop.read", "program.stop.lift", "audit.read", "audit.verify"):
        authorizer.authorize(regulator, action, Resource())
    operator = program.user(None, Role.OPERATOR)
    authorizer.authorize(operator, "program.org.suspend", Resource(org_id=org))
    _lift(database, clock, regulator, stop.id)


def test_stop_reason_beats_other_denials(program, authorizer, database, clock, regulator) -> None:
    org = program.org(Tier.REGISTERED)
    analyst = program.user(org, Role.ANALYST)
    _set(database, clock, regulator, StopScope.CAPABILITY, capability="detection.hunt")
    with pytest.raises(EmergencyStoppedError) as raised:
        authorizer.authorize(analyst, "detection.hunt", Resource(org_id=org))
    assert {"forbid-emergency-stop-capability", "forbid-below-verified"} <= set(
        raised.value.decision.policies
    )


def test_stop_set_through_another_database_object_is_seen(
    program, authorizer, database, clock, regulator
) -> None:
    org = program.org()
    analyst = program.user(org, Role.ANALYST)
    authorizer.authorize(analyst, "intel.read", Resource(org_id=org))
    elsewhere = Database(database.url)
    try:
        stop = _set(elsewhere, clock, regulator, StopScope.ORGANIZATION, org_id=org)
        with pytest.raises(EmergencyStoppedError):
            authorizer.authorize(analyst, "intel.read", Resource(org_id=org))
        _lift(elsewhere, clock, regulator, stop.id)
    finally:
        elsewhere.dispose()
    authorizer.authorize(analyst, "intel.read", Resource(org_id=org))


SET_STOP = textwrap.dedent(
    """
    import sys
    from mamori.access.control import stops
    from mamori.access.models import Principal, PrincipalKind, Role, StopScope
    from mamori.core.clock import SystemClock
    from mamori.store.engine import Database

    database = Database(sys.argv[1])
    regulator = Principal(PrincipalKind.USER, "usr_regulator", roles=frozenset({Role.REGULATOR}))
    with database.session() as session:
        stop = stops.set_stop(
            session, SystemClock(), regulator, StopScope.CAPABILITY, "from another process",
            capability=sys.argv[2],
        )
    print(stop.id)
    """
)


def test_stop_set_in_another_process_halts_the_next_request(
    program, database: Database, clock: FixedClock
) -> None:
    org = program.org()
    analyst = program.user(org, Role.ANALYST)
    authorizer = Authorizer(database, clock)
    authorizer.authorize(analyst, "anomaly.score", Resource(org_id=org))
    done = subprocess.run(
        [sys.executable, "-c", SET_STOP, database.url, "anomaly.score"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with pytest.raises(EmergencyStoppedError):
        authorizer.authorize(analyst, "anomaly.score", Resource(org_id=org))
    with pytest.raises(AccessDeniedError):
        authorizer.authorize(analyst, "anomaly.score", Resource(org_id=org))
