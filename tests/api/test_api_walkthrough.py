"""The whole way, over HTTP: an institution applies with evidence and ends up running an
approved red-team engagement, and its log proves every step to a client that checks it.

Ownership is proven against a real web server on 127.0.0.1 that publishes the
well-known challenge; checkpoints, inclusion and consistency proofs are checked here,
on the client's side, with the RFC 9162 functions and the published Ed25519 key.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

from api_live import ChallengeSite
from api_world import KOBE_HOST, PASSWORD, Person, World, apply_body
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mamori.audit.merkle import verify_consistency, verify_inclusion

ADMIN_EMAIL = "admin@kobe-shinkin.example"


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def _checked_checkpoint(world: World, who: Person, org_id: str) -> dict[str, Any]:
    """The organization's view of the latest checkpoint, its signature checked."""
    checkpoint: dict[str, Any] = world.ok("GET", f"/orgs/{org_id}/audit/checkpoint", who)
    key = world.ok("GET", "/audit/public-key")
    body = checkpoint["note"].split("\n\n")[0] + "\n"
    origin, size, root, stamp = body.splitlines()
    assert (origin, size, root) == (
        checkpoint["origin"],
        str(checkpoint["tree_size"]),
        checkpoint["root_hash"],
    )
    assert stamp.startswith("Timestamp: ")
    Ed25519PublicKey.from_public_bytes(b64(key["public_key"])).verify(
        b64(checkpoint["signature"]), body.encode()
    )
    return checkpoint


def _vet(world: World, application_id: str) -> list[str]:
    states = []
    for decision in ("approve", "provision", "ready"):
        states.append(
            world.decide(application_id, decision, f"{decision}: licence checked")["state"]
        )
    return states


def test_from_application_to_an_engagement_with_a_verified_log(
    world: World, challenge_site: ChallengeSite
) -> None:
    # Apply, with evidence, as nobody in particular.
    pdf = b"%PDF-1.7\n% licence of the Shinkin Bank of Kobe\n%%EOF\n"
    evidence = {
        "filename": "licence.pdf",
        "media_type": "application/pdf",
        "content_base64": base64.b64encode(pdf).decode(),
    }
    body = apply_body("Shinkin Bank of Kobe", ADMIN_EMAIL, evidence=[evidence])
    receipt = world.ok("POST", "/program/applications", json=body)
    org_id, application = receipt["organization"]["id"], receipt["application"]
    assert (receipt["organization"]["tier"], application["state"]) == ("registered", "submitted")
    admin = world.sign_in(Person(receipt["admin"]["id"], ADMIN_EMAIL, PASSWORD, org_id))
    own = world.ok("GET", f"/orgs/{org_id}/applications/{application['id']}", admin)
    assert own["state"] == "submitted"
    evidence_id = own["evidence"][0]["id"]
    download = world.call("GET", f"/orgs/{org_id}/evidence/{evidence_id}", world.operator)
    assert download.content == pdf
    assert own["evidence"][0]["sha256"] == hashlib.sha256(pdf).hexdigest()

    # The operator vets it; the applicant watches the states go by.
    assert _vet(world, application["id"]) == ["approved", "provisioned", "ready"]
    history = world.ok("GET", f"/orgs/{org_id}/applications/{application['id']}/history", admin)
    assert [step["state"] for step in history] == ["submitted", "approved", "provisioned", "ready"]
    assert world.ok("GET", f"/orgs/{org_id}", admin)["tier"] == "verified"

    # The admin enrolls a second factor and signs in with it.
    world.enroll(admin)
    world.sign_in(admin)
    me = world.ok("GET", "/auth/me", admin)
    assert (me["kind"], me["org_id"], me["roles"]) == ("user", org_id, ["org_admin"])

    # People and a key.
    org = world.org_of(org_id, admin, application["id"])
    analyst = world.user(org, "analyst@kobe-shinkin.example", ("analyst",))
    red_teamer = world.user(org, "red@kobe-shinkin.example", ("red_teamer",))
    token, key_id = world.key(org, ("anomaly.score",))
    assert (
        world.call(
            "POST", f"/orgs/{org_id}/authorize", token, json={"capability": "anomaly.score"}
        ).status_code
        == 200
    )
    assert world.ok("GET", f"/orgs/{org_id}/keys/{key_id}", admin)["last_used_at"] is not None

    # An asset, proven against a real web server publishing the challenge.
    registration = world.ok(
        "POST",
        f"/orgs/{org_id}/assets",
        admin,
        json={"kind": "domain", "value": KOBE_HOST, "method": "well_known"},
    )
    asset = registration["asset"]
    instructions = world.ok("GET", f"/orgs/{org_id}/assets/{asset['id']}/challenge", analyst)
    assert instructions[0]["method"] == "well_known"
    assert instructions[0]["content"] == asset["challenge_token"]
    not_yet = world.ok("POST", f"/orgs/{org_id}/assets/{asset['id']}/verify", admin, json={})
    assert not_yet["status"] == "failed"
    challenge_site.files[KOBE_HOST] = instructions[0]["content"]
    verified = world.ok("POST", f"/orgs/{org_id}/assets/{asset['id']}/verify", admin, json={})
    assert verified["status"] == "verified"

    # Trusted, then an engagement, approved by the operator.
    tier = {"tier": "trusted", "reason": "two clean audits and a red-team programme"}
    assert world.ok("PUT", f"/orgs/{org_id}/tier", world.operator, json=tier)["tier"] == "trusted"
    first = _checked_checkpoint(world, admin, org_id)
    now = world.now()
    request = {
        "purpose": "emulate FIN7 against the internet banking portal",
        "starts_at": now.isoformat(),
        "ends_at": (now + dt.timedelta(hours=8)).isoformat(),
        "asset_ids": [asset["id"]],
    }
    engagement = world.ok("POST", f"/orgs/{org_id}/engagements", red_teamer, json=request)
    assert engagement["status"] == "requested"
    decision = {"approve": True, "reason": "scope is the bank's own portal"}
    approved = world.ok(
        "POST",
        f"/orgs/{org_id}/engagements/{engagement['id']}/decision",
        world.operator,
        json=decision,
    )
    assert approved["status"] == "approved"

    # The red-teamer may emulate, inside the engagement only.
    emulate = {
        "capability": "redteam.emulate",
        "asset_id": asset["id"],
        "engagement_id": engagement["id"],
    }
    allowed = world.ok("POST", f"/orgs/{org_id}/authorize", red_teamer, json=emulate)
    assert allowed["allowed"] is True
    outside = world.call(
        "POST",
        f"/orgs/{org_id}/authorize",
        red_teamer,
        json={"capability": "redteam.emulate", "asset_id": asset["id"]},
    )
    assert outside.status_code == 403
    assert "forbid-engagement-missing" in outside.json()["error"]["details"]["policies"]
    by_analyst = world.call("POST", f"/orgs/{org_id}/authorize", analyst, json=emulate)
    assert by_analyst.status_code == 403

    # The log proves the allowed decision, and that it only ever grew.
    second = _checked_checkpoint(world, admin, org_id)
    assert second["tree_size"] > first["tree_size"]
    index = allowed["audit_index"]
    entry = world.ok("GET", f"/orgs/{org_id}/audit/entries/{index}", admin)
    assert (entry["action"], entry["details"]["outcome"]) == ("access.authorize", "allow")
    leaf = hashlib.sha256(b"\x00" + entry["body"].encode()).digest()
    assert leaf == b64(entry["leaf_hash"])
    proof = world.ok(
        "GET",
        f"/orgs/{org_id}/audit/proofs/inclusion",
        admin,
        params={"index": index, "tree_size": second["tree_size"]},
    )
    assert b64(proof["root_hash"]) == b64(second["root_hash"])
    path = [b64(node) for node in proof["path"]]
    assert verify_inclusion(leaf, index, second["tree_size"], path, b64(second["root_hash"]))
    assert not verify_inclusion(
        leaf, index + 1, second["tree_size"], path, b64(second["root_hash"])
    )
    consistency = world.ok(
        "GET",
        f"/orgs/{org_id}/audit/proofs/consistency",
        admin,
        params={"first": first["tree_size"], "second": second["tree_size"]},
    )
    assert verify_consistency(
        first["tree_size"],
        second["tree_size"],
        b64(first["root_hash"]),
        b64(second["root_hash"]),
        [b64(node) for node in consistency["path"]],
    )
    # Every step above is an entry of the organization's own log.
    actions = {entry["action"] for entry in world.entries(admin, f"/orgs/{org_id}/audit/entries")}
    assert {
        "program.application.submitted",
        "program.application.approved",
        "program.application.provisioned",
        "program.application.ready",
        "identity.login",
        "identity.totp.confirmed",
        "identity.user.created",
        "identity.key.created",
        "assets.registered",
        "assets.verification_failed",
        "assets.verified",
        "program.org.tier_changed",
        "engagements.requested",
        "engagements.approved",
        "access.authorize",
    } <= actions
