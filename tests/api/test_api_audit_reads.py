"""Who reads which part of the transparency log over HTTP.

Regulators (and operators) read every organization's entries under ``/audit``; an
organization reads its own under ``/orgs/{org_id}/audit`` and nothing else: not
another's entries, not the program-wide paths.
"""

from __future__ import annotations

from typing import Any

from api_world import Org, World


def _indices(entries: list[dict[str, Any]]) -> set[int]:
    return {entry["index"] for entry in entries}


def _paged(world: World, who: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    """All entries, five at a time, following ``next_start``."""
    found: list[dict[str, Any]] = []
    start: int | None = 0
    while start is not None:
        page = world.ok("GET", path, who, params={**params, "start": start, "limit": 5})
        assert len(page["entries"]) <= 5
        found += page["entries"]
        start = page["next_start"]
    return found


def test_regulators_read_every_organization_and_organizations_only_their_own(
    world: World, two_orgs: tuple[Org, Org]
) -> None:
    kobe, sendai = two_orgs
    auditor = world.user(kobe, "auditor@kobe-shinkin.example", ("auditor",))
    key, _ = world.key(sendai, ("audit.read", "anomaly.score"), roles=("auditor", "analyst"))
    world.call("POST", f"/orgs/{sendai.id}/authorize", key, json={"capability": "anomaly.score"})

    kobe_view = world.entries(kobe.admin, f"/orgs/{kobe.id}/audit/entries")
    auditor_view = world.entries(auditor, f"/orgs/{kobe.id}/audit/entries")
    sendai_view = world.entries(key, f"/orgs/{sendai.id}/audit/entries")
    everything = world.entries(world.regulator)

    assert {entry["org_id"] for entry in kobe_view} == {kobe.id}
    assert {entry["org_id"] for entry in sendai_view} == {sendai.id}
    # Reading is itself logged, so each later view holds the earlier one and more.
    assert auditor_view[: len(kobe_view)] == kobe_view
    assert _indices(kobe_view).isdisjoint(_indices(sendai_view))
    # The regulator sees both, and the program's own entries (staff, stops) besides.
    assert _indices(kobe_view) | _indices(sendai_view) < _indices(everything)
    assert None in {entry["org_id"] for entry in everything}
    filtered = world.entries(world.regulator, org_id=sendai.id)
    assert filtered[: len(sendai_view)] == sendai_view
    assert {entry["org_id"] for entry in filtered} == {sendai.id}
    # Pages of five, followed to the end, hold the same entries as one page.
    assert _paged(world, world.operator, "/audit/entries", org_id=kobe.id) == world.entries(
        world.operator, org_id=kobe.id
    )
    own_paged = _paged(world, kobe.admin, f"/orgs/{kobe.id}/audit/entries")
    assert own_paged[: len(auditor_view)] == auditor_view


def test_an_organization_cannot_read_another_or_the_program_wide_log(
    world: World, two_orgs: tuple[Org, Org]
) -> None:
    kobe, sendai = two_orgs
    sendai_index = max(_indices(world.entries(world.regulator, org_id=sendai.id)))
    kobe_index = max(_indices(world.entries(kobe.admin, f"/orgs/{kobe.id}/audit/entries")))
    analyst = world.user(kobe, "analyst@kobe-shinkin.example", ("analyst",))
    refused = {
        "program-wide entries": world.call("GET", "/audit/entries", kobe.admin),
        "program-wide filtered": world.call(
            "GET", "/audit/entries", kobe.admin, params={"org_id": kobe.id}
        ),
        "program-wide entry": world.call("GET", f"/audit/entries/{kobe_index}", kobe.admin),
        "program-wide checkpoint": world.call("GET", "/audit/checkpoint", kobe.admin),
        "program-wide proof": world.call(
            "GET",
            "/audit/proofs/inclusion",
            kobe.admin,
            params={"index": sendai_index, "tree_size": sendai_index + 1},
        ),
        "another's entries": world.call("GET", f"/orgs/{sendai.id}/audit/entries", kobe.admin),
        "another's checkpoint": world.call(
            "GET", f"/orgs/{sendai.id}/audit/checkpoint", kobe.admin
        ),
        "an analyst's read": world.call("GET", f"/orgs/{kobe.id}/audit/entries", analyst),
    }
    wrong = {name: r.status_code for name, r in refused.items() if r.status_code != 403}
    assert wrong == {}
    for path, params in (
        (f"/orgs/{kobe.id}/audit/entries/{sendai_index}", {}),
        (
            f"/orgs/{kobe.id}/audit/proofs/inclusion",
            {"index": sendai_index, "tree_size": sendai_index + 1},
        ),
    ):
        response = world.call("GET", path, kobe.admin, params=params)
        assert response.status_code == 404, (path, response.text)
        assert sendai.id not in response.text
    # Its own entry, its own proof, and the analyst may verify (but not read) the log.
    assert (
        world.ok("GET", f"/orgs/{kobe.id}/audit/entries/{kobe_index}", kobe.admin)["org_id"]
        == kobe.id
    )
    assert world.ok("GET", f"/orgs/{kobe.id}/audit/checkpoint", analyst)["tree_size"] > 0
