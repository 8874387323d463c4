"""Quotas over HTTP: an operator's limit for one organization and capability, counted by
the gate, answered 429 with Retry-After once used up, and logged."""

from __future__ import annotations

from api_world import Org, World

SCORE = {"capability": "anomaly.score"}


def test_a_quota_limits_one_organization_and_lifting_it_restores_the_default(
    world: World, two_orgs: tuple[Org, Org]
) -> None:
    kobe, sendai = two_orgs
    kobe_key, _ = world.key(kobe, ("anomaly.score",))
    sendai_key, _ = world.key(sendai, ("anomaly.score",))
    path = f"/orgs/{kobe.id}/quotas/anomaly.score"
    quota = world.ok("PUT", path, world.operator, json={"limit": 2, "window_seconds": 3600})
    assert (quota["org_id"], quota["limit"]) == (kobe.id, 2)
    assert world.ok("GET", f"/orgs/{kobe.id}/quotas", kobe.admin) == [quota]

    def score(org: Org, key: str) -> int:
        return world.call("POST", f"/orgs/{org.id}/authorize", key, json=SCORE).status_code

    assert [score(kobe, kobe_key) for _ in range(2)] == [200, 200]
    refused = world.call("POST", f"/orgs/{kobe.id}/authorize", kobe_key, json=SCORE)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "access.rate_limited"
    assert error["details"]["policies"] == ["forbid-quota-exceeded"]
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    logged = world.ok("GET", f"/audit/entries/{error['details']['audit_index']}", world.regulator)
    assert logged["details"]["outcome"] == "deny"
    assert "resets_at" in logged["details"]
    # Another organization, and the same one in the next window, are not held back.
    assert score(sendai, sendai_key) == 200
    world.clock.advance(3600)
    assert score(kobe, kobe_key) == 200

    # Only the operator sets quotas; clearing one brings back the default (none here).
    refused_admin = world.call("PUT", path, kobe.admin, json={"limit": 1000, "window_seconds": 60})
    assert refused_admin.status_code == 403
    world.step_up(world.operator)
    assert world.call("DELETE", path, world.operator).status_code == 204
    assert world.ok("GET", f"/orgs/{kobe.id}/quotas", world.operator) == []
    assert [score(kobe, kobe_key) for _ in range(3)] == [200, 200, 200]
    actions = [entry["action"] for entry in world.program_entries(kobe.id)]
    assert actions.count("program.quota.set") == 1
    assert actions.count("program.quota.cleared") == 1
