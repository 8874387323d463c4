"""A seeded demo program to measure against: real principals, keys, assets and a stop.

Everything is made through mamori's own services, starting from the demo seed
(:func:`mamori.demo.seed.ensure_demo`): a verified demo bank with its users and
service key, an operator and a regulator; then a second, merely registered
organization, sign-ins (one of them with a second factor gone stale) and an
emergency stop on one capability, so that the gate meets allows and every kind
of deny.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyotp

from mamori.access.assets import service as assets
from mamori.access.control import stops
from mamori.access.identity import service as identity
from mamori.access.models import ANONYMOUS, Principal, Resource, StopScope, Tier
from mamori.access.program import service as program
from mamori.access.program.models import ApplicationRequest
from mamori.core.clock import FixedClock
from mamori.core.ids import AssetId, OrgId
from mamori.core.settings import load_settings
from mamori.demo import seed
from mamori.platform import Platform, open_platform
from mamori.store.engine import Database

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
STOPPED_CAPABILITY = "intel.share"
_STEP = 30  # one TOTP step: a code is accepted once per step
_OTHER_PASSWORD = "peer-credit-union-demo-password"  # a throwaway demo login, never served


@dataclass(frozen=True)
class World:
    """The seeded program: the platform over it, named principals and named resources."""

    platform: Platform
    clock: FixedClock
    credentials: seed.DemoCredentials
    principals: dict[str, Principal]
    resources: dict[str, Resource]

    def close(self) -> None:
        """Release the database."""
        self.platform.close()


def open_world(data_dir: Path, database_url: str | None = None) -> World:
    """Seed a program under ``data_dir`` (SQLite there, or ``database_url``) and sign in."""
    clock = FixedClock(START)
    settings = load_settings(data_dir=data_dir, database_url=database_url)
    database = Database(settings.effective_database_url)
    platform = open_platform(settings, clock=clock, database=database)
    credentials = seed.ensure_demo(platform)
    other_org, other_admin = _registered_org(platform, clock)
    principals = _sign_in(platform, clock, credentials, other_admin)
    _stop(platform, clock, principals["regulator"])
    asset_id = AssetId(_first_asset(platform, OrgId(credentials.org_id)))
    bank = OrgId(credentials.org_id)
    resources = {
        "program": Resource(),
        "own organization": Resource(org_id=bank),
        "other organization": Resource(org_id=other_org),
        "own unverified asset": Resource(org_id=bank, asset_id=asset_id),
    }
    return World(platform, clock, credentials, principals, resources)


def _registered_org(platform: Platform, clock: FixedClock) -> tuple[OrgId, str]:
    """A second organization that applied and was not vetted yet (tier ``registered``)."""
    request = ApplicationRequest(
        organization_name="Peer Credit Union",
        country="JP",
        regulator_registration="FSA-DEMO-0002",
        contact_name="Peer CISO",
        contact_email="ciso@peer-credit.demo",
        requested_tier=Tier.VERIFIED,
        scope_statement="Defensive monitoring of the credit union's own systems.",
        admin_email="admin@peer-credit.demo",
        admin_display_name="Peer admin",
        admin_password=_OTHER_PASSWORD,
        evidence=(),
    )
    with platform.database.session() as session:
        receipt = program.apply(session, clock, request)
    return receipt.organization.id, receipt.admin.email


def _sign_in(
    platform: Platform, clock: FixedClock, credentials: seed.DemoCredentials, other_admin: str
) -> dict[str, Principal]:
    clock.advance(_STEP)
    stale = _login(platform, clock, credentials.login("org_admin"))
    # Past the freshness window: the first session's second factor is now stale.
    clock.advance(platform.settings.mfa_fresh_seconds + _STEP)
    people = {login.role: _login(platform, clock, login) for login in credentials.logins}
    token = _session_token(platform, clock, other_admin, _OTHER_PASSWORD, None)
    return {
        "service key (analyst)": platform.authenticate(credentials.api_key),
        **people,
        "org_admin, stale second factor": stale,
        "registered org admin": platform.authenticate(token),
        "anonymous": ANONYMOUS,
    }


def _login(platform: Platform, clock: FixedClock, login: seed.Login) -> Principal:
    code = pyotp.TOTP(login.totp_secret).at(clock.now())
    token = _session_token(platform, clock, login.email, login.password, code)
    return platform.authenticate(token)


def _session_token(
    platform: Platform, clock: FixedClock, email: str, password: str, code: str | None
) -> str:
    ttl = platform.settings.session_ttl_seconds
    issued = identity.login(platform.database, clock, email, password, code, ttl_seconds=ttl)
    return issued.token


def _stop(platform: Platform, clock: FixedClock, regulator: Principal) -> None:
    with platform.database.session() as session:
        stops.set_stop(
            session,
            clock,
            regulator,
            StopScope.CAPABILITY,
            "benchmark: a stop in force, as in an incident",
            capability=STOPPED_CAPABILITY,
        )


def _first_asset(platform: Platform, org_id: OrgId) -> str:
    with platform.database.session() as session:
        found = assets.list_assets(session, org_id)
    return found[0].id
