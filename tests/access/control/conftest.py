"""Helpers for the stop and quota tests: an organization row and program staff."""

from __future__ import annotations

import pytest

from mamori.access.models import Principal, PrincipalKind, Role
from mamori.access.tables import OrganizationRow
from mamori.core.clock import FixedClock
from mamori.core.ids import OrgId, new_id
from mamori.store.engine import Database


@pytest.fixture
def org(database: Database, clock: FixedClock) -> OrgId:
    """A verified, active organization (written straight into its table: test setup only)."""
    org_id = new_id("org")
    with database.session() as session:
        session.add(
            OrganizationRow(
                id=org_id,
                name=f"Bank {org_id}",
                country="JP",
                regulator_registration="FSA-1",
                contact_email="sec@bank.example",
                tier="verified",
                status="active",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    return OrgId(org_id)


@pytest.fixture
def regulator() -> Principal:
    return Principal(PrincipalKind.USER, new_id("usr"), roles=frozenset({Role.REGULATOR}))


@pytest.fixture
def operator() -> Principal:
    return Principal(PrincipalKind.USER, new_id("usr"), roles=frozenset({Role.OPERATOR}))
