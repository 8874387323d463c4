"""Malformed and oversized requests: a 4xx with mamori's JSON error naming the field, and
not one row or program entry changed.

Every request here comes from a caller the gate lets through (an org admin with a
fresh second factor, the operator, or an applicant), so that the refusal is the
request's shape, not the caller's rights.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_world import PASSWORD, Org, World, apply_body

from mamori.access.program.models import MAX_EVIDENCE_BYTES
from mamori.api.routers.program import APPLY_MAX_BODY

Case = tuple[str, str, dict[str, Any], str]


@pytest.fixture
def kobe(world: World) -> Org:
    return world.org("Shinkin Bank of Kobe", "admin@kobe-shinkin.example")


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, f"{response.status_code}: {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error


def _user(**changes: Any) -> dict[str, Any]:
    body = {
        "email": "new@kobe-shinkin.example",
        "display_name": "New Analyst",
        "password": PASSWORD,
        "roles": ["analyst"],
    }
    return {**body, **changes}


def _key(**changes: Any) -> dict[str, Any]:
    return {"name": "scorer", "scopes": ["anomaly.score"], "roles": ["analyst"], **changes}


def _bad_bodies(org: str) -> list[Case]:
    """(method, path, body, the field the error must name), each body wrong in one way."""
    users, keys, assets = f"/orgs/{org}/users", f"/orgs/{org}/keys", f"/orgs/{org}/assets"
    return [
        # wrong types
        ("POST", keys, _key(scopes="anomaly.score"), "body.scopes"),
        ("POST", keys, _key(expires_in_days="soon"), "body.expires_in_days"),
        ("POST", keys, _key(expires_in_days=3650), "body.expires_in_days"),
        ("POST", users, _user(roles="analyst"), "body.roles"),
        ("POST", users, _user(email=["new@kobe-shinkin.example"]), "body.email"),
        # missing fields
        ("POST", users, {"email": "new@kobe-shinkin.example"}, "body.display_name"),
        ("POST", keys, {"name": "scorer"}, "body.scopes"),
        ("POST", assets, {"value": "www.kobe-shinkin.example"}, "body.kind"),
        # unknown enum values
        ("POST", assets, {"kind": "mainframe", "value": "x"}, "body.kind"),
        ("POST", assets, {"kind": "domain", "value": "x.example", "method": "fax"}, "body.method"),
        ("POST", users, _user(roles=["superuser"]), "body.roles.0"),
        ("POST", keys, _key(roles=["operator"]), "roles"),
        ("POST", keys, _key(scopes=["everything"]), "scopes"),
        # strings too long, or too short
        ("POST", users, _user(display_name="x" * 201), "body.display_name"),
        ("POST", users, _user(password="short"), "body.password"),
        ("POST", assets, {"kind": "domain", "value": "a" * 501}, "body.value"),
        ("POST", keys, _key(name="k" * 201), "body.name"),
        # values of the right type that break a rule
        ("POST", users, _user(email="not an address"), "email"),
        ("POST", users, _user(display_name="tab\there"), "display_name"),
        ("POST", assets, {"kind": "domain", "value": "not a domain!"}, "value"),
    ]


def _program_cases(world: World, org: str) -> list[Case]:
    """Bodies wrong in one way, for the operator's and regulator's routes."""
    applications = world.ok("GET", f"/orgs/{org}/applications", world.operator)
    application = f"/program/applications/{applications[0]['id']}"
    return [
        ("PUT", f"/orgs/{org}/tier", {"tier": "platinum", "reason": "because"}, "body.tier"),
        ("PUT", f"/orgs/{org}/tier", {"tier": "trusted", "reason": "r" * 2001}, "body.reason"),
        ("POST", f"/orgs/{org}/suspend", {}, "body.reason"),
        (
            "POST",
            f"{application}/decision",
            {"decision": "maybe", "reason": "hmm"},
            "body.decision",
        ),
        ("POST", "/program/stops", {"scope": "everything", "reason": "drill"}, "body.scope"),
        ("POST", "/program/stops", {"scope": "global", "reason": "drill", "org_id": org}, "org_id"),
        (
            "POST",
            "/program/stops",
            {"scope": "capability", "reason": "drill", "capability": "audit.read"},
            "capability",
        ),
        (
            "PUT",
            f"/orgs/{org}/quotas/anomaly.score",
            {"limit": -1, "window_seconds": 60},
            "body.limit",
        ),
        (
            "PUT",
            f"/orgs/{org}/quotas/no.such.thing",
            {"limit": 1, "window_seconds": 60},
            "capability",
        ),
    ]


def _apply_cases() -> list[tuple[dict[str, Any], str]]:
    """Applications wrong in one way each, the oversized evidence among them."""
    pdf = base64.b64encode(b"%PDF-1.7\n%%EOF\n").decode()
    item = {"filename": "licence.pdf", "media_type": "application/pdf", "content_base64": pdf}
    huge = base64.b64encode(b"%PDF-" + b"0" * MAX_EVIDENCE_BYTES).decode()
    name, email = "Osaka Mutual Bank", "admin@osaka-mutual.example"
    return [
        (apply_body(name, email, evidence=[item] * 6), "body.evidence"),
        (
            apply_body(name, email, evidence=[{**item, "content_base64": huge}]),
            "evidence[0].content",
        ),
        (
            apply_body(name, email, evidence=[{**item, "content_base64": "%%%"}]),
            "body.evidence.0.content_base64",
        ),
        (
            apply_body(name, email, evidence=[{**item, "media_type": "application/x-msdownload"}]),
            "evidence[0].media_type",
        ),
        (
            apply_body(
                name, email, evidence=[{**item, "content_base64": base64.b64encode(b"MZ").decode()}]
            ),
            "evidence[0].content",
        ),
        (apply_body(name, email, requested_tier="diamond"), "body.requested_tier"),
        (apply_body(name, email, requested_tier="registered"), "requested_tier"),
        (apply_body("x" * 201, email), "body.organization_name"),
        (apply_body(name, email, country="Japan"), "body.country"),
        (apply_body(name, email, country="QQ"), "country"),
        (apply_body(name, email, scope_statement="short"), "body.scope_statement"),
        (apply_body(name, "admin@kobe-shinkin.example"), "admin_email"),
        (apply_body("Shinkin Bank of Kobe", email), "organization_name"),
    ]


def _misses(world: World, who: Any, cases: list[Case]) -> list[str]:
    """The cases that did not answer 409/422 naming their field."""
    missed = []
    for method, path, body, field in cases:
        response = world.call(method, path, who, json=body)
        where = response.json().get("error", {}).get("where")
        if response.status_code not in (409, 422) or where != field:
            missed.append(f"{method} {path} {field}: {response.status_code} {response.text[:200]}")
    return missed


def test_malformed_bodies_name_the_field_and_change_nothing(world: World, kobe: Org) -> None:
    program_cases = _program_cases(world, kobe.id)
    before = world.row_counts()
    problems = _misses(world, kobe.admin, _bad_bodies(kobe.id))
    problems += _misses(world, world.operator, program_cases)
    applications = [
        ("POST", "/program/applications", body, field) for body, field in _apply_cases()
    ]
    problems += _misses(world, None, applications)
    assert not problems, "\n".join(problems)
    assert world.row_counts() == before


def test_bodies_that_are_not_json_objects_are_refused(world: World, kobe: Org) -> None:
    before = world.row_counts()
    path = f"/orgs/{kobe.id}/users"
    for content, where in (
        (b"{not json", "body.1"),
        (b'{"email": "a@b.example",', "body"),
        (b"[]", "body"),
        (b'"a string"', "body"),
        (b"null", "body"),
        (b'{"email": "a@b.example", "display_name": "\\ud800", "password": "x"}', "body"),
    ):
        response = world.call(
            "POST", path, kobe.admin, content=content, headers={"Content-Type": "application/json"}
        )
        error = _error(response, 422)
        assert error["code"] == "invalid_request"
        assert error["where"].startswith(where), (content, error)
    # Bodies FastAPI cannot even decode answer 400, still in mamori's shape.
    for content in (b"\xff\xfe\x00", b"[" * 100_000 + b"]" * 100_000):
        response = world.call(
            "POST", path, kobe.admin, content=content, headers={"Content-Type": "application/json"}
        )
        assert _error(response, 400)["code"] == "invalid_request"
    form = world.call("POST", path, kobe.admin, data={"email": "a@b.example"})
    _error(form, 422)
    assert world.row_counts() == before


def test_nul_characters_are_refused_in_paths_queries_and_bodies(world: World, kobe: Org) -> None:
    """PostgreSQL cannot store a NUL; each is refused at the edge, on both stores alike."""
    token, key_id = world.key(kobe, ("anomaly.score",))
    world.regulator  # noqa: B018 - signed in before counting
    before = world.row_counts()
    for path in (f"/orgs/{kobe.id}%00/users", f"/orgs/{kobe.id}/users/usr_%00"):
        assert _error(world.call("GET", path, kobe.admin), 400)["where"] == "path"
    query = world.call("GET", "/audit/entries", world.regulator, params={"org_id": "\x00"})
    assert _error(query, 400)["where"] == "path"
    nul = "nul \x00 inside"
    for method, path, who, body, where in (
        (
            "POST",
            "/program/stops",
            world.regulator,
            {"scope": "global", "reason": nul},
            "body.reason",
        ),
        (
            "POST",
            f"/orgs/{kobe.id}/keys/{key_id}/revoke",
            kobe.admin,
            {"reason": nul},
            "body.reason",
        ),
        (
            "POST",
            f"/orgs/{kobe.id}/users",
            kobe.admin,
            _user(roles=["analyst", nul]),
            "body.roles.1",
        ),
        (
            "POST",
            "/program/applications",
            None,
            apply_body("Osaka Mutual Bank", "admin@osaka-mutual.example", scope_statement=nul * 4),
            "body.scope_statement",
        ),
    ):
        response = world.call(method, path, who, json=body)
        assert _error(response, 422)["where"] == where, (path, response.text)
    assert world.row_counts() == before
    assert world.ok("GET", "/program/stops", world.regulator) == []
    allowed = world.call(
        "POST", f"/orgs/{kobe.id}/authorize", token, json={"capability": "anomaly.score"}
    )
    assert allowed.status_code == 200


def test_wrong_query_values_unknown_paths_and_methods(world: World, kobe: Org) -> None:
    for params, where in (
        ({"limit": "many"}, "query.limit"),
        ({"start": -1}, "query.start"),
        ({"limit": 100_000}, "query.limit"),
        ({"start": 2**63}, "query.start"),
    ):
        response = world.call("GET", f"/orgs/{kobe.id}/audit/entries", kobe.admin, params=params)
        assert _error(response, 422)["where"] == where
    # An index past 64 bits names no entry; it must not reach the database driver.
    for index in (2**63, 2**70, -1):
        response = world.call("GET", f"/orgs/{kobe.id}/audit/entries/{index}", kobe.admin)
        assert _error(response, 422)["where"] == "path.index"
    wrong_filter = world.call("GET", "/orgs", world.operator, params={"tier": "gold"})
    assert _error(wrong_filter, 422)["where"] == "query.tier"
    assert _error(world.call("GET", "/no/such/route"), 404)["code"] == "not_found"
    assert _error(world.call("DELETE", "/health"), 405)["code"] == "method_not_allowed"


# ---- bodies over the limit ---------------------------------------------------


def _declared_only(base_url: str, path: str, length: int, token: str | None) -> tuple[int, Any]:
    """Send headers declaring a body of ``length`` bytes, and none of it: the answer."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(length))
        if token:
            connection.putheader("Authorization", f"Bearer {token}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A JSON body of about ``total`` bytes, streamed in chunks with no declared length."""
    yield b'{"email": "a@b.example", "display_name": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


def test_bodies_over_the_limit_are_refused_before_reading_them(
    world: World, kobe: Org, api: httpx.Client
) -> None:
    before = world.row_counts()
    limit = world.platform.settings.max_body_bytes
    base = str(api.base_url).rstrip("/")
    for path, length, token in (
        (f"/orgs/{kobe.id}/users", limit + 1, kobe.admin.token),
        ("/program/applications", APPLY_MAX_BODY + 1, None),
        (f"/orgs/{kobe.id}/users", 10**15, kobe.admin.token),
    ):
        status, body = _declared_only(base, path, length, token)
        assert status == 413, body
        assert body["error"]["code"] == "body_too_large"
        assert body["error"]["where"] == "body"
    streamed = world.call(
        "POST",
        f"/orgs/{kobe.id}/users",
        kobe.admin,
        content=_chunks(limit + 1),
        headers={"Content-Type": "application/json"},
    )
    assert _error(streamed, 413)["code"] == "body_too_large"
    assert world.row_counts() == before


def test_an_apply_with_evidence_is_allowed_more_but_not_without_bound(world: World) -> None:
    """Apply takes up to 15 MiB (five 2 MiB files, base64); other routes stop at 1 MiB."""
    world.operator  # noqa: B018 - created before counting
    before = world.row_counts()
    pdf = b"%PDF-" + b"0" * (MAX_EVIDENCE_BYTES - 5)
    item = {
        "filename": "licence.pdf",
        "media_type": "application/pdf",
        "content_base64": base64.b64encode(pdf).decode(),
    }
    body = apply_body("Osaka Mutual Bank", "admin@osaka-mutual.example", evidence=[item] * 5)
    encoded = json.dumps(body).encode()
    assert world.platform.settings.max_body_bytes < len(encoded) <= APPLY_MAX_BODY
    # Valid in every field but one: refused whole, nothing of it written.
    broken = {**body, "country": "QQ"}
    refused = world.call("POST", "/program/applications", json=broken)
    assert _error(refused, 422)["where"] == "country"
    assert world.row_counts() == before
    streamed = world.call(
        "POST",
        "/program/applications",
        content=_chunks(APPLY_MAX_BODY + 1, size=1024 * 1024),
        headers={"Content-Type": "application/json"},
    )
    assert _error(streamed, 413)["code"] == "body_too_large"
    assert world.row_counts() == before
    accepted = world.ok(
        "POST",
        "/program/applications",
        content=encoded,
        headers={"Content-Type": "application/json"},
    )
    assert len(accepted["application"]["evidence"]) == 5
