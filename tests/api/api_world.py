"""Building a program through the HTTP API: staff, organizations, people, keys, assets.

Only the first program staff are written through the identity service, as
``mamori staff create`` does on the host: the API has no way to create the first
operator (no one may yet call ``POST /program/users``). Everything after that — applying,
vetting, signing in, enrolling a second factor, adding people and keys,
registering assets — goes over HTTP, as a client would.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyotp
from api_live import ChallengeSite
from sqlalchemy import func, select

from mamori.access.capabilities import CAPABILITIES
from mamori.access.identity import service as identity
from mamori.access.identity.models import NewUser
from mamori.access.models import Principal, PrincipalKind, Role
from mamori.audit.tables import EntryRow
from mamori.core.clock import FixedClock
from mamori.platform import Platform
from mamori.store.schema import metadata

PASSWORD = "kobe harbour lights at dusk"
# Web sites whose well-known challenge the local challenge site serves for the tests.
KOBE_HOST, SENDAI_HOST = "www.kobe-shinkin.example", "portal.sendai-cu.example"
SITE_HOSTS = (KOBE_HOST, SENDAI_HOST)
BOOTSTRAP = Principal(kind=PrincipalKind.SYSTEM, id="api-test-bootstrap")
PDF = b"%PDF-1.7\n% banking licence\n%%EOF\n"
ORG_ROLES = ("org_admin", "analyst", "red_teamer", "auditor")
# Tables whose rows change on every decision (the log, and quota counters), not on program actions.
DECISION_TABLES = {
    "audit_entries",
    "audit_nodes",
    "audit_head",
    "audit_checkpoints",
    "usage_counters",
}


@dataclass
class Person:
    """Someone who signs in: their credentials, and the current session's token."""

    user_id: str
    email: str
    password: str
    org_id: str | None
    secret: str | None = None
    token: str | None = None


@dataclass
class Org:
    """An organization made through the API, with its first admin and its application."""

    id: str
    name: str
    application_id: str
    admin: Person
    evidence_ids: list[str] = field(default_factory=list)


def apply_body(name: str, email: str, *, tier: str = "verified", **changes: Any) -> dict[str, Any]:
    """A valid ``POST /program/applications`` body; ``changes`` replace its fields."""
    body: dict[str, Any] = {
        "organization_name": name,
        "country": "JP",
        "regulator_registration": "FSA-KINKI-0042",
        "contact_name": "Haruka Sato",
        "contact_email": f"security@{email.split('@')[1]}",
        "requested_tier": tier,
        "scope_statement": "Detection on our SOC logs and emulation of our own branch network.",
        "admin_email": email,
        "admin_display_name": "Haruka Sato",
        "admin_password": PASSWORD,
        "evidence": [
            {
                "filename": "licence.pdf",
                "media_type": "application/pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
    }
    body.update(changes)
    return body


class World:
    """A program under construction, driven through a real HTTP client."""

    def __init__(self, platform: Platform, client: httpx.Client) -> None:
        self.platform = platform
        self.http = client
        self._last_step: dict[str, int] = {}
        self._operator: Person | None = None
        self._regulator: Person | None = None

    @property
    def clock(self) -> FixedClock:
        clock = self.platform.clock
        assert isinstance(clock, FixedClock)
        return clock

    # ---- HTTP ---------------------------------------------------------------

    def call(
        self, method: str, path: str, who: Person | str | None = None, **options: Any
    ) -> httpx.Response:
        """One request; ``who`` is a person (their session) or a bearer token."""
        token = who.token if isinstance(who, Person) else who
        headers = dict(options.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, path, headers=headers, **options)

    def ok(self, method: str, path: str, who: Person | str | None = None, **options: Any) -> Any:
        """One request that must succeed; its JSON body."""
        response = self.call(method, path, who, **options)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    # ---- second factor ------------------------------------------------------

    def code(self, secret: str) -> str:
        """A TOTP code not used before: the clock moves to the next 30 s step when needed."""
        step = int(self.clock.now().timestamp()) // 30
        last = self._last_step.get(secret)
        if last is not None and step <= last:
            ahead = (last + 1) * 30 - self.clock.now().timestamp()
            self.clock.advance(ahead)
            step = last + 1
        self._last_step[secret] = step
        return pyotp.TOTP(secret).at(self.clock.now())

    def sign_in(self, person: Person) -> Person:
        """Sign in (with a code once enrolled); the person's token is the new session's."""
        body: dict[str, Any] = {"email": person.email, "password": person.password}
        if person.secret:
            body["totp_code"] = self.code(person.secret)
        person.token = self.ok("POST", "/auth/login", json=body)["token"]
        return person

    def enroll(self, person: Person) -> Person:
        """Sign in, enroll an authenticator, confirm it and step up: a session with fresh MFA."""
        self.sign_in(person)
        enrollment = self.ok("POST", "/auth/totp/enroll", person)
        person.secret = enrollment["secret"]
        assert person.secret is not None
        self.ok("POST", "/auth/totp/confirm", person, json={"code": self.code(person.secret)})
        return self.step_up(person)

    def step_up(self, person: Person) -> Person:
        """Verify a fresh code on the person's session."""
        assert person.secret is not None
        self.ok("POST", "/auth/step-up", person, json={"code": self.code(person.secret)})
        return person

    # ---- program staff ------------------------------------------------------

    def staff(self, role: Role, email: str) -> Person:
        """A program operator or regulator, created as on the host, then enrolled over HTTP."""
        new = NewUser(email, f"Program {role.value}", PASSWORD, frozenset({role}), None)
        with self.platform.database.session() as session:
            user = identity.create_user(session, self.clock, BOOTSTRAP, new)
        return self.enroll(Person(user.id, email, PASSWORD, None))

    @property
    def operator(self) -> Person:
        if self._operator is None:
            self._operator = self.staff(Role.OPERATOR, "operator@program.example")
        return self._operator

    @property
    def regulator(self) -> Person:
        if self._regulator is None:
            self._regulator = self.staff(Role.REGULATOR, "regulator@fsa.example")
        return self._regulator

    # ---- organizations ------------------------------------------------------

    def apply(self, name: str, email: str, *, tier: str = "verified") -> dict[str, Any]:
        """Apply anonymously; the receipt."""
        receipt: dict[str, Any] = self.ok(
            "POST", "/program/applications", json=apply_body(name, email, tier=tier)
        )
        return receipt

    def decide(self, application_id: str, decision: str, reason: str = "documents checked") -> Any:
        """An operator's decision on an application."""
        body = {"decision": decision, "reason": reason}
        path = f"/program/applications/{application_id}/decision"
        return self.ok("POST", path, self.operator, json=body)

    def org(self, name: str, email: str, *, tier: str = "verified") -> Org:
        """An organization that applied, was vetted to ``ready``, and whose admin has MFA."""
        receipt = self.apply(name, email, tier=tier)
        application = receipt["application"]
        for decision in ("approve", "provision", "ready"):
            self.decide(application["id"], decision)
        admin = Person(receipt["admin"]["id"], email, PASSWORD, receipt["organization"]["id"])
        return Org(
            id=receipt["organization"]["id"],
            name=name,
            application_id=application["id"],
            admin=self.enroll(admin),
            evidence_ids=[item["id"] for item in application["evidence"]],
        )

    def org_of(self, org_id: str, admin: Person, application_id: str) -> Org:
        """An organization already made, as the helpers here take it."""
        return Org(id=org_id, name="", application_id=application_id, admin=admin)

    def user(
        self, org: Org, email: str, roles: tuple[str, ...], *, by: Person | None = None
    ) -> Person:
        """A person of ``org`` with ``roles``, created by its admin, enrolled and signed in."""
        body = {
            "email": email,
            "display_name": email.split("@")[0],
            "password": PASSWORD,
            "roles": list(roles),
        }
        made = self.ok("POST", f"/orgs/{org.id}/users", by or org.admin, json=body)
        return self.enroll(Person(made["id"], email, PASSWORD, org.id))

    def key(
        self,
        org: Org,
        scopes: tuple[str, ...] | None = None,
        roles: tuple[str, ...] = ("analyst",),
        *,
        days: int = 90,
        by: Person | None = None,
    ) -> tuple[str, str]:
        """A service key of ``org`` (all capabilities when ``scopes`` is None): (token, key id)."""
        body = {
            "name": "service",
            "scopes": sorted(CAPABILITIES) if scopes is None else list(scopes),
            "roles": list(roles),
            "expires_in_days": days,
        }
        issued = self.ok("POST", f"/orgs/{org.id}/keys", by or org.admin, json=body)
        return issued["token"], issued["key"]["id"]

    def asset(self, org: Org, host: str, site: ChallengeSite, *, by: Person | None = None) -> str:
        """A domain of ``org`` proven through its well-known challenge on ``site``; its id."""
        who = by or org.admin
        body = {"kind": "domain", "value": host, "method": "well_known"}
        registered = self.ok("POST", f"/orgs/{org.id}/assets", who, json=body)
        asset = registered["asset"]
        site.files[host] = asset["challenge_token"]
        verified = self.ok("POST", f"/orgs/{org.id}/assets/{asset['id']}/verify", who, json={})
        assert verified["status"] == "verified", verified
        return str(asset["id"])

    def engagement(
        self, org: Org, asset_ids: list[str], *, by: Person | None = None, hours: int = 24
    ) -> str:
        """An engagement over ``asset_ids``, open from now for ``hours``, operator-approved."""
        now = self.now()
        body = {
            "purpose": "quarterly adversary emulation of the branch network",
            "starts_at": now.isoformat(),
            "ends_at": (now + dt.timedelta(hours=hours)).isoformat(),
            "asset_ids": asset_ids,
        }
        made = self.ok("POST", f"/orgs/{org.id}/engagements", by or org.admin, json=body)
        path = f"/orgs/{org.id}/engagements/{made['id']}/decision"
        self.ok("POST", path, self.operator, json={"approve": True, "reason": "scope checked"})
        return str(made["id"])

    # ---- reading state ------------------------------------------------------

    def program_entries(self, org_id: str | None = None) -> list[dict[str, Any]]:
        """Every program-action entry of the log (of one organization), as a regulator reads it."""
        entries: list[dict[str, Any]] = []
        start: int | None = 0
        while start is not None:
            params: dict[str, Any] = {"start": start, "limit": 1000}
            if org_id is not None:
                params["org_id"] = org_id
            page = self.ok("GET", "/audit/entries", self.regulator, params=params)
            entries += [entry for entry in page["entries"] if entry["kind"] == "program"]
            start = page["next_start"]
        return entries

    def entries(self, who: Person | str, path: str = "/audit/entries", **params: Any) -> list[Any]:
        """Every entry a caller reads at ``path`` (all pages)."""
        found: list[Any] = []
        start: int | None = 0
        while start is not None:
            page = self.ok("GET", path, who, params={**params, "start": start, "limit": 1000})
            found += page["entries"]
            start = page["next_start"]
        return found

    def row_counts(self) -> dict[str, int]:
        """Rows per program table (not the log or quota counters), and program entries."""
        counts: dict[str, int] = {}
        with self.platform.database.session() as session:
            for table in metadata.sorted_tables:
                if table.name not in DECISION_TABLES:
                    counts[table.name] = int(
                        session.scalar(select(func.count()).select_from(table)) or 0
                    )
            counts["program entries"] = int(
                session.scalar(
                    select(func.count()).select_from(EntryRow).where(EntryRow.kind == "program")
                )
                or 0
            )
        return counts

    def now(self) -> dt.datetime:
        return self.clock.now()
