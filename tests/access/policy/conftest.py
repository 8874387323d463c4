"""Helpers for the gate's tests: organizations, assets and engagements written straight into
the program's tables (test setup only), and principals of each kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from mamori.access.models import (
    AssetStatus,
    EngagementStatus,
    OrgStatus,
    Principal,
    PrincipalKind,
    Role,
    Tier,
)
from mamori.access.policy import Authorizer, PolicyEngine
from mamori.access.tables import AssetRow, EngagementAssetRow, EngagementRow, OrganizationRow
from mamori.core.clock import FixedClock
from mamori.core.ids import AssetId, EngagementId, OrgId, new_id
from mamori.store.engine import Database


@dataclass
class Program:
    """Writes the facts a test needs and makes principals to ask with."""

    database: Database
    clock: FixedClock

    def org(self, tier: Tier = Tier.VERIFIED, status: OrgStatus = OrgStatus.ACTIVE) -> OrgId:
        org_id = new_id("org")
        now = self.clock.now()
        with self.database.session() as session:
            session.add(
                OrganizationRow(
                    id=org_id,
                    name=f"Bank {org_id}",
                    country="JP",
                    regulator_registration="FSA-1",
                    contact_email="sec@bank.example",
                    tier=tier.value,
                    status=status.value,
                    created_at=now,
                    updated_at=now,
                )
            )
        return OrgId(org_id)

    def set_org(
        self, org_id: str, *, tier: Tier | None = None, status: OrgStatus | None = None
    ) -> None:
        with self.database.session() as session:
            row = session.get(OrganizationRow, org_id)
            assert row is not None
            if tier is not None:
                row.tier = tier.value
            if status is not None:
                row.status = status.value

    def asset(self, org_id: str, status: AssetStatus = AssetStatus.VERIFIED) -> AssetId:
        asset_id = new_id("ast")
        with self.database.session() as session:
            session.add(
                AssetRow(
                    id=asset_id,
                    org_id=org_id,
                    kind="repository",
                    value=f"https://git.example/{asset_id}",
                    proof_method="repository",
                    challenge_token="token",
                    status=status.value,
                    created_at=self.clock.now(),
                )
            )
        return AssetId(asset_id)

    def engagement(
        self,
        org_id: str,
        assets: Iterable[str],
        status: EngagementStatus = EngagementStatus.APPROVED,
        starts_in: float = -3600,
        lasts: float = 7 * 86400,
    ) -> EngagementId:
        engagement_id = new_id("eng")
        starts_at = self.clock.now() + dt.timedelta(seconds=starts_in)
        with self.database.session() as session:
            session.add(
                EngagementRow(
                    id=engagement_id,
                    org_id=org_id,
                    purpose="annual red-team exercise",
                    status=status.value,
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(seconds=lasts),
                    requested_by="usr_requester",
                    requested_at=self.clock.now(),
                )
            )
            session.flush()
            for asset_id in assets:
                session.add(EngagementAssetRow(engagement_id=engagement_id, asset_id=asset_id))
        return EngagementId(engagement_id)

    def user(self, org_id: str | None, *roles: Role, mfa_age: float | None = 10) -> Principal:
        verified = None if mfa_age is None else self.clock.now() - dt.timedelta(seconds=mfa_age)
        return Principal(
            kind=PrincipalKind.USER,
            id=new_id("usr"),
            org_id=OrgId(org_id) if org_id else None,
            roles=frozenset(roles),
            mfa_verified_at=verified,
        )

    def key(self, org_id: str, *scopes: str, roles: Iterable[Role] = (Role.ANALYST,)) -> Principal:
        return Principal(
            kind=PrincipalKind.API_KEY,
            id=new_id("key"),
            org_id=OrgId(org_id),
            roles=frozenset(roles),
            scopes=frozenset(scopes),
        )


@pytest.fixture
def program(database: Database, clock: FixedClock) -> Program:
    """Facts and principals on the test's database."""
    return Program(database, clock)


@pytest.fixture(scope="session")
def engine() -> PolicyEngine:
    """The shipped policies, loaded once for the whole run."""
    return PolicyEngine.load()


@pytest.fixture
def authorizer(database: Database, clock: FixedClock, engine: PolicyEngine) -> Authorizer:
    """The gate over the shipped policies, on the test's database and clock."""
    return Authorizer(database, clock, mfa_fresh_seconds=300, engine=engine)
