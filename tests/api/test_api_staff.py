"""The program's own people: operators add and disable regulators and operators over the API."""

from __future__ import annotations

from api_world import PASSWORD, Person, World


def test_operator_adds_a_regulator_who_can_sign_in(world: World) -> None:
    body = {
        "email": "second-regulator@fsa.example",
        "display_name": "Second regulator",
        "password": PASSWORD,
        "roles": ["regulator"],
    }
    created = world.ok("POST", "/program/users", world.operator, json=body)
    assert created["org_id"] is None
    assert created["roles"] == ["regulator"]
    person = world.enroll(Person(created["id"], body["email"], PASSWORD, None))
    stops = world.call("GET", "/program/stops", person)
    assert stops.status_code == 200
    listed = world.ok("GET", "/program/users", world.regulator)
    assert body["email"] in {user["email"] for user in listed}


def test_staff_cannot_get_organization_roles_nor_be_made_by_others(world, two_orgs) -> None:
    bank, _ = two_orgs
    mixed = {
        "email": "mixed@program.example",
        "display_name": "Mixed",
        "password": PASSWORD,
        "roles": ["operator", "analyst"],
    }
    refused = world.call("POST", "/program/users", world.operator, json=mixed)
    assert refused.status_code == 422
    regulator_try = dict(mixed, roles=["operator"])
    assert (
        world.call("POST", "/program/users", world.regulator, json=regulator_try).status_code == 403
    )
    assert world.call("POST", "/program/users", bank.admin, json=regulator_try).status_code == 403
    assert world.call("GET", "/program/users", bank.admin).status_code == 403


def test_disabled_staff_can_no_longer_sign_in(world: World) -> None:
    regulator = world.regulator
    world.ok(
        "POST",
        f"/program/users/{regulator.user_id}/disable",
        world.operator,
        json={"reason": "left the supervisory team"},
    )
    assert regulator.secret is not None
    credentials = {
        "email": regulator.email,
        "password": regulator.password,
        "totp_code": world.code(regulator.secret),
    }
    login = world.call("POST", "/auth/login", json=credentials)
    assert login.status_code == 401
    assert world.call("GET", "/program/stops", regulator).status_code == 401
