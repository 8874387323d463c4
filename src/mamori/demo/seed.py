"""Seed a demo program: an operator, a regulator, and one verified demo bank.

Everything goes through the program's services, so the transparency log holds
the demo's whole history (applied, approved, provisioned, ready) like a real
one, and the bank has a first hunt, over the demo logs shipped with mamori.
Passwords and TOTP secrets are generated per data directory and kept in
``demo-credentials.json`` (mode 0600) beside the database, so that each start
can print them again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

import pyotp
from sqlalchemy.orm import Session

from mamori.access.assets import service as assets
from mamori.access.identity import service as identity
from mamori.access.identity.models import NewApiKey, NewUser
from mamori.access.models import AssetKind, Principal, PrincipalKind, Role, Tier
from mamori.access.program import service as program
from mamori.access.program.models import ApplicationRequest, EvidenceFile
from mamori.core.clock import Clock
from mamori.core.ids import OrgId
from mamori.detection import hunts
from mamori.detection.staging import demo_sources
from mamori.platform import Platform

SEEDER = Principal(kind=PrincipalKind.SYSTEM, id="demo-seed")
BANK_NAME = "Demo Regional Bank"
CREDENTIALS_FILE = "demo-credentials.json"
KEY_SCOPES = frozenset({"anomaly.score", "detection.hunt", "intel.read", "demo.read"})


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str
    totp_secret: str
    user_id: str
    org_id: str | None


@dataclass(frozen=True)
class DemoCredentials:
    org_id: str
    logins: tuple[Login, ...]
    api_key: str

    def login(self, role: str) -> Login:
        """The demo login for ``role`` (operator, regulator, org_admin, analyst, …)."""
        return next(item for item in self.logins if item.role == role)


def ensure_demo(platform: Platform) -> DemoCredentials:
    """The demo program's credentials, seeding it first if this data directory has none."""
    path = platform.settings.data_dir / CREDENTIALS_FILE
    if path.exists():
        credentials = _load(path)
    else:
        with platform.database.session() as session:
            credentials = _seed(session, platform.clock)
        _save(path, credentials)
    ensure_demo_hunt(platform, OrgId(credentials.org_id))
    return credentials


def ensure_demo_hunt(platform: Platform, org_id: OrgId) -> str:
    """The id of the demo bank's hunt over the demo logs, hunting first if it has none."""
    with platform.database.session() as session:
        done = hunts.first_hunt_by(session, org_id, SEEDER)
        if done is not None:
            return done.id
        hunt = hunts.run_hunt(
            session,
            platform.clock,
            SEEDER,
            org_id,
            demo_sources(),
            cache_dir=platform.settings.data_dir / "cache" / "rules",
        )
        return hunt.id


def _seed(session: Session, clock: Clock) -> DemoCredentials:
    operator = _person(session, clock, "operator", "operator@program.demo", None)
    regulator = _person(session, clock, "regulator", "regulator@program.demo", None)
    org_id, admin = _bank(session, clock)
    staff = [
        _person(session, clock, role.value, f"{role.value.replace('_', '-')}@bank.demo", org_id)
        for role in (Role.ANALYST, Role.RED_TEAMER, Role.AUDITOR)
    ]
    key = identity.create_api_key(
        session,
        clock,
        SEEDER,
        org_id,
        NewApiKey(name="demo fraud scorer", scopes=KEY_SCOPES, roles=frozenset({Role.ANALYST})),
    )
    assets.register_asset(session, clock, SEEDER, org_id, AssetKind.DOMAIN, "bank.demo")
    return DemoCredentials(org_id, (operator, regulator, admin, *staff), key.token)


def _bank(session: Session, clock: Clock) -> tuple[OrgId, Login]:
    password = _password()
    receipt = program.apply(
        session,
        clock,
        ApplicationRequest(
            organization_name=BANK_NAME,
            country="JP",
            regulator_registration="FSA-DEMO-0001",
            contact_name="Demo CISO",
            contact_email="ciso@bank.demo",
            requested_tier=Tier.VERIFIED,
            scope_statement="Defensive monitoring of the demo bank's own systems and code.",
            admin_email="admin@bank.demo",
            admin_display_name="Demo bank admin",
            admin_password=password,
            evidence=(EvidenceFile("licence.txt", "text/plain", b"Demo banking licence\n"),),
        ),
        actor=SEEDER,
    )
    application_id = receipt.application.id
    for step in (program.approve, program.provision, program.mark_ready):
        step(session, clock, SEEDER, application_id, "demo program seeding")
    org_id = receipt.organization.id
    secret = _second_factor(session, clock, org_id, receipt.admin.id)
    admin = Login("org_admin", receipt.admin.email, password, secret, receipt.admin.id, org_id)
    return org_id, admin


def _person(session: Session, clock: Clock, role: str, email: str, org_id: OrgId | None) -> Login:
    password = _password()
    user = identity.create_user(
        session,
        clock,
        SEEDER,
        NewUser(email, f"Demo {role}", password, frozenset({Role(role)}), org_id),
    )
    secret = _second_factor(session, clock, org_id, user.id)
    return Login(role, user.email, password, secret, user.id, org_id)


def _second_factor(session: Session, clock: Clock, org_id: OrgId | None, user_id: str) -> str:
    enrollment = identity.enroll_totp(session, clock, SEEDER, org_id, user_id)
    # Confirm with the previous step's code (still accepted): the current code stays
    # unused, so a person can sign in with it straight after seeding.
    previous = clock.now() - dt.timedelta(seconds=30)
    code = pyotp.TOTP(enrollment.secret).at(previous)
    identity.confirm_totp(session, clock, SEEDER, org_id, user_id, code)
    return enrollment.secret


def _password() -> str:
    return secrets.token_urlsafe(12)


def _save(path: Path, credentials: DemoCredentials) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(asdict(credentials), file, indent=2)


def _load(path: Path) -> DemoCredentials:
    data = json.loads(path.read_text(encoding="utf-8"))
    logins = tuple(Login(**item) for item in data["logins"])
    return DemoCredentials(data["org_id"], logins, data["api_key"])


def describe(credentials: DemoCredentials, base_url: str) -> str:
    """What to print on start: where to go, and the demo logins and key."""
    lines = [
        "",
        "mamori demo program",
        f"  API and OpenAPI docs: {base_url}/docs",
        f"  demo bank: {BANK_NAME} ({credentials.org_id}), tier verified",
        "",
        "  logins (POST /auth/login with email, password and totp_code):",
    ]
    for item in credentials.logins:
        lines.append(f"    {item.role:<10} {item.email:<26} password {item.password}")
        lines.append(
            f"    {'':<10} TOTP secret {item.totp_secret}  (`mamori demo totp {item.role}`)"
        )
    lines += [
        "",
        f"  service API key (analyst; {', '.join(sorted(KEY_SCOPES))}):",
        f"    {credentials.api_key}",
        "",
        "  a hunt over the demo logs, and its alerts (detection.hunt):",
        f"    GET {base_url}/orgs/{credentials.org_id}/hunts",
        "",
    ]
    return "\n".join(lines)
