"""Emergency stops over HTTP: set by a regulator, effective on the very next request, also in
another server process sharing the database; lifting restores; both are in the log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from api_live import LOOPBACK, free_port, start_mamori, stop_process
from api_world import Org, World
from sqlalchemy import text

from mamori.core.clock import FixedClock
from mamori.core.settings import Settings
from mamori.store.engine import Database
from mamori.store.migrate import alembic_config, current_revision

SCORE = {"capability": "anomaly.score"}
HUNT = {"capability": "detection.hunt"}


@pytest.fixture
def clock() -> FixedClock:
    """Near the real time: the second process runs on the machine's clock and must accept
    the keys this one issues."""
    return FixedClock(dt.datetime.now(dt.UTC).replace(microsecond=0))


def _check(world: World, org: Org, key: str, body: dict[str, str]) -> httpx.Response:
    return world.call("POST", f"/orgs/{org.id}/authorize", key, json=body)


def _set_stop(world: World, **stop: str) -> dict[str, Any]:
    body = {"reason": "suspected misuse reported by the sector CERT", **stop}
    made: dict[str, Any] = world.ok("POST", "/program/stops", world.regulator, json=body)
    return made


def _lift(world: World, stop_id: str) -> None:
    body = {"reason": "investigation closed"}
    world.ok("POST", f"/program/stops/{stop_id}/lift", world.regulator, json=body)


def _assert_stopped(response: httpx.Response, policy: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "access.emergency_stop"
    assert policy in error["details"]["policies"]


def _stop_entries(world: World, stop_id: str) -> list[str]:
    return [
        entry["action"]
        for entry in world.entries(world.regulator)
        if entry["details"].get("stop_id") == stop_id
    ]


SCOPES = [
    ("global", "forbid-emergency-stop-global"),
    ("organization", "forbid-emergency-stop-organization"),
    ("capability", "forbid-emergency-stop-capability"),
    ("organization_capability", "forbid-emergency-stop-organization-capability"),
]


def test_each_kind_of_stop_halts_the_next_request_and_lifting_restores_it(
    world: World, two_orgs: tuple[Org, Org]
) -> None:
    kobe, sendai = two_orgs
    kobe_key, _ = world.key(kobe, ("anomaly.score", "detection.hunt"))
    sendai_key, _ = world.key(sendai, ("anomaly.score",))
    targets: dict[str, dict[str, str]] = {
        "global": {},
        "organization": {"org_id": kobe.id},
        "capability": {"capability": "anomaly.score"},
        "organization_capability": {"org_id": kobe.id, "capability": "anomaly.score"},
    }
    for scope, policy in SCOPES:
        assert _check(world, kobe, kobe_key, SCORE).status_code == 200, scope
        stop = _set_stop(world, scope=scope, **targets[scope])

        denied = _check(world, kobe, kobe_key, SCORE)
        _assert_stopped(denied, policy)
        # What the stop does not cover goes on.
        other_capability = _check(world, kobe, kobe_key, HUNT)
        other_org = _check(world, sendai, sendai_key, SCORE)
        assert other_capability.status_code == (200 if "capability" in scope else 403), scope
        assert other_org.status_code == (200 if "organization" in scope else 403), scope
        assert world.ok("GET", "/program/stops", world.operator) == [stop]

        _lift(world, stop["id"])
        assert _check(world, kobe, kobe_key, SCORE).status_code == 200, scope
        assert world.ok("GET", "/program/stops", world.operator) == []
        assert _stop_entries(world, stop["id"]) == ["program.stop.set", "program.stop.lifted"]
        index = denied.json()["error"]["details"]["audit_index"]
        decision = world.ok("GET", f"/audit/entries/{index}", world.regulator)
        assert decision["action"] == "access.authorize"
        assert decision["details"]["outcome"] == "deny"
        assert policy in decision["details"]["policies"]


def test_an_org_admin_can_neither_set_nor_lift_a_stop(
    world: World, two_orgs: tuple[Org, Org]
) -> None:
    kobe, _ = two_orgs
    refused = world.call(
        "POST",
        "/program/stops",
        kobe.admin,
        json={"scope": "global", "reason": "testing the brakes"},
    )
    assert refused.status_code == 403
    stop = _set_stop(world, scope="organization", org_id=kobe.id)
    lift = world.call(
        "POST",
        f"/program/stops/{stop['id']}/lift",
        kobe.admin,
        json={"reason": "we would like to continue"},
    )
    assert lift.status_code == 403
    assert world.ok("GET", "/program/stops", world.regulator) == [stop]


# ---- a second server process ------------------------------------------------


@pytest.fixture
def second_server(
    world: World, settings: Settings, database: Database, tmp_path: Path
) -> Iterator[str]:
    """``mamori serve`` in another process on the same database and signing key."""
    # The fixture's schema was made from the tables' metadata; mark it as migrated so the
    # second process's own upgrade at start has nothing to do (and unmark it after, since
    # the PostgreSQL schema outlives this test).
    stamped = current_revision(database) is None
    command.stamp(alembic_config(database), "head")
    port = free_port()
    env = {
        "MAMORI_DATA_DIR": str(settings.data_dir),
        "MAMORI_DATABASE_URL": database.url,
        "MAMORI_AUDIT_SIGNING_KEY_FILE": str(settings.signing_key_path),
        "MAMORI_LOG_LEVEL": "warning",
    }
    process = start_mamori(env, port, tmp_path / "second-server.log")
    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        stop_process(process)
        if stamped:
            with database.engine.begin() as connection:
                connection.execute(text("DROP TABLE alembic_version"))


def test_a_stop_set_here_halts_the_very_next_request_in_another_process(
    world: World, two_orgs: tuple[Org, Org], second_server: str
) -> None:
    kobe, _ = two_orgs
    key, _ = world.key(kobe, ("anomaly.score",))
    with httpx.Client(base_url=second_server, timeout=30, trust_env=False) as other:

        def check() -> httpx.Response:
            return other.post(
                f"/orgs/{kobe.id}/authorize", json=SCORE, headers={"Authorization": f"Bearer {key}"}
            )

        assert check().status_code == 200
        for scope, target, policy in (
            ("organization", {"org_id": kobe.id}, "forbid-emergency-stop-organization"),
            ("capability", {"capability": "anomaly.score"}, "forbid-emergency-stop-capability"),
        ):
            stop = _set_stop(world, scope=scope, **target)
            _assert_stopped(check(), policy)
            _lift(world, stop["id"])
            assert check().status_code == 200
            # The other process writes to, and reads from, the same log.
            regulator = {"Authorization": f"Bearer {world.regulator.token}"}
            entries = other.get("/audit/entries", params={"limit": 1000}, headers=regulator)
            actions = [
                e["action"]
                for e in entries.json()["entries"]
                if e["details"].get("stop_id") == stop["id"]
            ]
            assert actions == ["program.stop.set", "program.stop.lifted"]
