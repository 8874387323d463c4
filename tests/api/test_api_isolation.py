"""Cross-organization isolation on every endpoint that names an organization.

The endpoints are found by walking the route table, not listed here: a new route
under ``/orgs/{org_id}`` is covered the day it is added (and fails loudly if it
takes a body or a path parameter this file cannot fill). A caller of org A with
every right A can give — a person holding all four organization roles with a
fresh second factor, and a key scoped to every capability — asks for org B's
things and is refused, and B's state, as the operator reads it, does not move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from api_live import ChallengeSite
from api_routes import Endpoint, org_endpoints, segment
from api_world import KOBE_HOST, ORG_ROLES, PASSWORD, SENDAI_HOST, Org, Person, World
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@dataclass
class Side:
    """One organization's things, by path parameter name."""

    org: Org
    ids: dict[str, str]
    entry_indices: set[int]


@dataclass
class Scene:
    a: Side
    b: Side
    full_user: Person
    full_key: str
    bodies: dict[str, dict[str, Any]]


def _side(world: World, org: Org, asset_id: str, extra: dict[str, str]) -> Side:
    ids = {
        "org_id": org.id,
        "asset_id": asset_id,
        "application_id": org.application_id,
        "evidence_id": org.evidence_ids[0],
        "capability": "anomaly.score",
        **extra,
    }
    indices = {entry["index"] for entry in world.entries(world.regulator, org_id=org.id)}
    return Side(org, ids, indices)


def _bodies(world: World, b: Side) -> dict[str, dict[str, Any]]:
    """A valid body for each body model: a refusal is the gate's, never validation's."""
    now = world.now()
    reason = {"reason": "an attempt across organizations"}
    return {
        "UserIn": {
            "email": "intruder@kobe-shinkin.example",
            "display_name": "Intruder",
            "password": PASSWORD,
            "roles": ["org_admin"],
        },
        "ReasonIn": reason,
        "CancelIn": reason,
        "KeyIn": {"name": "intruder", "scopes": ["anomaly.score"], "roles": ["analyst"]},
        "TierIn": {"tier": "registered", "reason": "demote"},
        "AssetIn": {"kind": "domain", "value": "intruder.example", "method": "well_known"},
        "VerifyIn": {},
        "EngagementIn": {
            "purpose": "emulate an adversary against the other bank",
            "starts_at": now.isoformat(),
            "ends_at": (now + dt.timedelta(hours=2)).isoformat(),
            "asset_ids": [b.ids["asset_id"]],
        },
        "EngagementDecisionIn": {"approve": False, "reason": "rejected by an outsider"},
        "QuotaIn": {"limit": 0, "window_seconds": 60},
        "CheckIn": {"capability": "anomaly.score"},
    }


@pytest.fixture
def scene(world: World, challenge_site: ChallengeSite) -> Scene:
    kobe = world.org("Shinkin Bank of Kobe", "admin@kobe-shinkin.example")
    sendai = world.org("Sendai Credit Union", "admin@sendai-cu.example", tier="trusted")
    full_user = world.user(kobe, "everything@kobe-shinkin.example", ORG_ROLES)
    full_key, _ = world.key(kobe, None, ORG_ROLES)
    _, kobe_other_key = world.key(kobe, ("anomaly.score",))
    kobe_asset = world.asset(kobe, KOBE_HOST, challenge_site)
    sendai_asset = world.asset(sendai, SENDAI_HOST, challenge_site)
    analyst = world.user(sendai, "analyst@sendai-cu.example", ("analyst",))
    _, sendai_key = world.key(sendai, ("anomaly.score",))
    engagement = world.engagement(sendai, [sendai_asset])
    demo_hunt = {"demo": True, "logs": ["linux-auth.log"]}
    hunt = world.ok("POST", f"/orgs/{sendai.id}/hunts", sendai.admin, json=demo_hunt)["id"]
    world.ok(
        "PUT",
        f"/orgs/{sendai.id}/quotas/anomaly.score",
        world.operator,
        json={"limit": 50, "window_seconds": 3600},
    )
    a = _side(world, kobe, kobe_asset, {"user_id": kobe.admin.user_id, "key_id": kobe_other_key})
    b = _side(
        world,
        sendai,
        sendai_asset,
        {
            "user_id": analyst.user_id,
            "key_id": sendai_key,
            "engagement_id": engagement,
            "hunt_id": hunt,
        },
    )
    # Kobe has no engagement or hunt of its own; it names one only by guessing.
    a.ids["engagement_id"] = "eng_" + "0" * 32
    a.ids["hunt_id"] = "hnt_" + "0" * 32
    b.ids["index"] = str(max(b.entry_indices))
    a.ids["index"] = str(max(a.entry_indices))
    return Scene(a, b, full_user, full_key, _bodies(world, b))


def snapshot(world: World, org_id: str) -> dict[str, Any]:
    """Everything the operator can read about the organization, and its program entries."""
    reads = ["", "/users", "/keys", "/assets", "/engagements", "/applications", "/quotas"]
    state: dict[str, Any] = {
        path: world.ok("GET", f"/orgs/{org_id}{path}", world.operator) for path in reads
    }
    state["stops"] = world.ok("GET", "/program/stops", world.operator)
    state["program entries"] = world.program_entries(org_id)
    return state


def _ids(endpoint: Endpoint) -> list[str]:
    """The ids a request names: its path parameters, and an entry index in its query."""
    return endpoint.params + [name for name in endpoint.query_names if name == "index"]


def request(
    world: World, scene: Scene, endpoint: Endpoint, values: dict[str, str], who: Any
) -> Any:
    """Call ``endpoint`` with path ``values``, a valid body and valid query parameters."""
    missing = [name for name in endpoint.params if name not in values]
    assert not missing, f"{endpoint}: no value for path parameters {missing}; add them here"
    options: dict[str, Any] = {}
    model = endpoint.body_model
    if model is not None:
        assert model in scene.bodies, f"{endpoint}: no example body for {model}; add one here"
        options["json"] = scene.bodies[model]
    size = max(scene.a.entry_indices | scene.b.entry_indices) + 1
    queries = {"index": values.get("index", "0"), "tree_size": size, "first": 1, "second": size}
    params = {name: queries[name] for name in endpoint.query_names if name in queries}
    return world.call(endpoint.method, endpoint.path(values), who, params=params, **options)


def test_every_org_endpoint_refuses_another_organization(
    world: World, app: FastAPI, scene: Scene
) -> None:
    before = snapshot(world, scene.b.org.id)
    mixed = {**scene.b.ids, "org_id": scene.a.org.id}
    leaks = []
    for endpoint in org_endpoints(app):
        for who, caller in (("person", scene.full_user), ("key", scene.full_key)):
            # B's path whole, then A's own path naming B's asset, key, user, engagement…
            for label, values in (("B's path", scene.b.ids), ("A's path, B's ids", mixed)):
                if label != "B's path" and _ids(endpoint) == ["org_id"]:
                    continue
                response = request(world, scene, endpoint, values, caller)
                if response.status_code not in (403, 404):
                    leaks.append(f"{endpoint} as {who} on {label}: {response.status_code}")
    # The one route that names its target in the body: A's path, B's asset or engagement.
    for body in (
        {"capability": "vulnscan.scan", "asset_id": scene.b.ids["asset_id"]},
        {
            "capability": "redteam.emulate",
            "engagement_id": scene.b.ids["engagement_id"],
            "asset_id": scene.b.ids["asset_id"],
        },
    ):
        for caller in (scene.full_user, scene.full_key):
            path = f"/orgs/{scene.a.org.id}/authorize"
            response = world.call("POST", path, caller, json=body)
            if response.status_code != 403:
                leaks.append(f"POST {path} {body}: {response.status_code}")
    assert not leaks, "\n".join(leaks)
    assert snapshot(world, scene.b.org.id) == before


# ---- fuzzing the ids -------------------------------------------------------

MALFORMED = [
    "",
    " ",
    ".",
    "..",
    "%",
    "%00",
    "\x00",
    "ä",
    "org_",
    "ast_" + "0" * 32,
    "x" * 3000,
    "1' OR '1'='1",
    "../../audit/entries",
    "-1",
    "18446744073709551616",
]


def _value(scene: Scene, name: str) -> st.SearchStrategy[str]:
    own = [side.ids[name] for side in (scene.a, scene.b) if name in side.ids]
    choices: list[st.SearchStrategy[str]] = [
        st.sampled_from(own),
        st.sampled_from(MALFORMED),
        st.text(max_size=40),
    ]
    if name == "index":
        choices.append(st.integers(min_value=-(2**70), max_value=2**70).map(str))
        # Where a 64-bit column ends.
        choices.append(st.sampled_from([2**63 - 1, 2**63, -(2**63) - 1, 2**70]).map(str))
    return st.one_of(*choices)


def _belongs_to_b(scene: Scene, values: dict[str, str]) -> bool:
    if values["org_id"] != scene.a.org.id:
        return True
    for name, value in values.items():
        if name == "index":
            if value.lstrip("-").isdigit() and int(value) in scene.b.entry_indices:
                return True
        elif name != "capability" and value == scene.b.ids.get(name):
            return True
    return False


def test_fuzzed_ids_never_reach_another_organization_or_break_the_server(
    world: World, app: FastAPI, scene: Scene
) -> None:
    routes = org_endpoints(app)
    names = sorted({name for endpoint in routes for name in _ids(endpoint)})
    before = snapshot(world, scene.b.org.id)

    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def probe(data: st.DataObject) -> None:
        drawn = {name: data.draw(_value(scene, name), label=name) for name in names}
        caller = data.draw(st.sampled_from([scene.full_user, scene.full_key]), label="caller")
        # Every endpoint with this example's ids: on the drawn organization's path, and on
        # the caller's own, where the other ids are what stands between it and B's data.
        for endpoint in routes:
            for org_id in (drawn["org_id"], scene.a.org.id):
                values = {name: drawn[name] for name in _ids(endpoint)} | {"org_id": org_id}
                response = request(world, scene, endpoint, values, caller)
                shown = {name: segment(value)[:60] for name, value in values.items()}
                assert response.status_code < 500, f"{endpoint} {shown}: {response.text[:300]}"
                if _belongs_to_b(scene, values):
                    assert not response.is_success, f"{endpoint} {shown}: {response.status_code}"

    probe()
    assert snapshot(world, scene.b.org.id) == before
