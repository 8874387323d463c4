"""Credentials that must not pass: expired, revoked and unscoped keys, a stale second factor.

Each refusal has its status and code, and is in the transparency log: the
authorization decision with the policy that decided, or the authentication
failure with what was wrong, as a regulator reads it over HTTP.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_world import Org, World


def _score(world: World, org: Org, token: str, capability: str = "anomaly.score") -> httpx.Response:
    return world.call("POST", f"/orgs/{org.id}/authorize", token, json={"capability": capability})


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    return error


def _logged(world: World, action: str, **details: Any) -> list[dict[str, Any]]:
    """The log's entries of ``action`` whose details include ``details``."""
    return [
        entry
        for entry in world.entries(world.regulator)
        if entry["action"] == action
        and all(entry["details"].get(name) == value for name, value in details.items())
    ]


def _decision(world: World, error: dict[str, Any]) -> dict[str, Any]:
    """The logged decision a denial's error points to."""
    index = error["details"]["audit_index"]
    entry: dict[str, Any] = world.ok("GET", f"/audit/entries/{index}", world.regulator)
    assert entry["action"] == "access.authorize"
    assert entry["details"]["outcome"] == "deny"
    assert entry["details"]["policies"] == error["details"]["policies"]
    return entry


@pytest.fixture
def kobe(world: World) -> Org:
    return world.org("Shinkin Bank of Kobe", "admin@kobe-shinkin.example")


def test_an_expired_key_is_refused_and_logged(world: World, kobe: Org) -> None:
    token, key_id = world.key(kobe, ("anomaly.score",), days=1)
    assert _score(world, kobe, token).status_code == 200
    world.clock.advance(24 * 3600)
    error = _error(_score(world, kobe, token), 401, "access.unauthenticated")
    assert "expired" in error["message"]
    world.sign_in(world.regulator)  # its session ran out with the day, too
    failures = _logged(world, "identity.authentication.failed", reason="expired", key_id=key_id)
    assert len(failures) == 1
    assert failures[0]["org_id"] == kobe.id
    # The organization sees the failure in its own log.
    world.sign_in(kobe.admin)
    own = world.entries(kobe.admin, f"/orgs/{kobe.id}/audit/entries")
    assert failures[0]["index"] in {entry["index"] for entry in own}


def test_a_revoked_key_is_refused_on_the_very_next_request(world: World, kobe: Org) -> None:
    token, key_id = world.key(kobe, ("anomaly.score",))
    assert _score(world, kobe, token).status_code == 200
    revoked = world.ok(
        "POST",
        f"/orgs/{kobe.id}/keys/{key_id}/revoke",
        kobe.admin,
        json={"reason": "the scoring service was decommissioned"},
    )
    assert revoked["revoked_at"] is not None
    error = _error(_score(world, kobe, token), 401, "access.unauthenticated")
    assert "revoked" in error["message"]
    assert len(_logged(world, "identity.key.revoked", key_id=key_id)) == 1
    assert (
        len(_logged(world, "identity.authentication.failed", reason="revoked", key_id=key_id)) == 1
    )


def test_a_key_is_held_to_its_scopes_and_never_takes_a_high_risk_action(
    world: World, kobe: Org
) -> None:
    token, key_id = world.key(kobe, ("detection.hunt",), roles=("analyst", "auditor"))
    assert _score(world, kobe, token, "detection.hunt").status_code == 200
    for response in (
        _score(world, kobe, token),
        world.call("GET", f"/orgs/{kobe.id}/users", token),
    ):
        error = _error(response, 403, "access.denied")
        assert error["details"]["policies"] == ["forbid-api-key-out-of-scope"]
        entry = _decision(world, error)
        assert entry["actor"] == f"api_key:{key_id}"
        assert entry["org_id"] == kobe.id

    token, _ = world.key(kobe, ("identity.key.manage",), roles=("org_admin",))
    body = {"name": "minted by a key", "scopes": ["anomaly.score"], "roles": ["analyst"]}
    error = _error(
        world.call("POST", f"/orgs/{kobe.id}/keys", token, json=body), 403, "access.denied"
    )
    assert "forbid-high-risk-api-key" in error["details"]["policies"]
    _decision(world, error)
    names = [key["name"] for key in world.ok("GET", f"/orgs/{kobe.id}/keys", kobe.admin)]
    assert names == ["service", "service"]


def test_a_stale_second_factor_is_refused_until_stepped_up(world: World, kobe: Org) -> None:
    operator = world.operator
    world.clock.advance(world.platform.settings.mfa_fresh_seconds + 1)
    path, body = f"/orgs/{kobe.id}/tier", {"tier": "trusted", "reason": "two clean audits"}
    error = _error(world.call("PUT", path, operator, json=body), 403, "access.mfa_required")
    assert error["details"]["policies"] == ["forbid-high-risk-stale-mfa"]
    entry = _decision(world, error)
    assert entry["actor"] == f"user:{operator.user_id}"
    assert world.ok("GET", f"/orgs/{kobe.id}", operator)["tier"] == "verified"

    world.step_up(operator)
    assert world.ok("PUT", path, operator, json=body)["tier"] == "trusted"
    assert len(_logged(world, "identity.step_up", user_id=operator.user_id)) == 2
    assert len(_logged(world, "program.org.tier_changed", new_tier="trusted")) == 1

    # A person who never enrolled a second factor takes no high-risk action at all.
    world.step_up(kobe.admin)
    body = {
        "email": "newcomer@kobe-shinkin.example",
        "display_name": "Newcomer",
        "password": "a long enough passphrase",
        "roles": ["org_admin"],
    }
    world.ok("POST", f"/orgs/{kobe.id}/users", kobe.admin, json=body)
    token = world.ok(
        "POST", "/auth/login", json={"email": body["email"], "password": body["password"]}
    )["token"]
    key_body = {"name": "x", "scopes": ["anomaly.score"], "roles": ["analyst"]}
    response = world.call("POST", f"/orgs/{kobe.id}/keys", token, json=key_body)
    error = _error(response, 403, "access.mfa_required")
    _decision(world, error)


def test_wrong_codes_unknown_tokens_and_ended_sessions_are_refused_and_logged(
    world: World, kobe: Org
) -> None:
    wrong = world.call("POST", "/auth/step-up", kobe.admin, json={"code": "000000"})
    _error(wrong, 401, "access.unauthenticated")
    assert _logged(world, "identity.step_up.failed", user_id=kobe.admin.user_id)
    unknown = world.call("GET", f"/orgs/{kobe.id}/assets", "A" * 43)
    _error(unknown, 401, "access.unauthenticated")
    assert unknown.headers["www-authenticate"] == "Bearer"
    assert _logged(world, "identity.authentication.failed", reason="unknown", credential="session")
    not_bearer = world.call(
        "GET", f"/orgs/{kobe.id}/assets", headers={"Authorization": "Basic a2FuZTpwYXNz"}
    )
    assert _error(not_bearer, 401, "access.unauthenticated")["where"] == "Authorization"

    world.ok("POST", "/auth/logout", kobe.admin)
    refused = world.call("GET", "/auth/me", kobe.admin)
    assert "revoked" in _error(refused, 401, "access.unauthenticated")["message"]
