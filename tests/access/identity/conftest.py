"""Fixtures for identity: organizations and a maker of users."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from identity_support import ADMIN, PASSWORD, add_org

from mamori.access.identity import service as identity
from mamori.access.identity.models import NewUser, User
from mamori.access.models import Role
from mamori.core.clock import FixedClock
from mamori.core.ids import OrgId
from mamori.store.engine import Database


@pytest.fixture
def org_id(database: Database, clock: FixedClock) -> OrgId:
    return add_org(database, clock, "Bank of Kobe")


@pytest.fixture
def other_org_id(database: Database, clock: FixedClock) -> OrgId:
    return add_org(database, clock, "Credit Union of Sendai")


@pytest.fixture
def make_user(database: Database, clock: FixedClock) -> Callable[..., User]:
    def make(
        email: str = "analyst@kobe.example",
        org_id: OrgId | None = None,
        roles: frozenset[Role] = frozenset({Role.ANALYST}),
        password: str = PASSWORD,
    ) -> User:
        new = NewUser(email, "A. Nalyst", password, roles, org_id)
        with database.session() as session:
            return identity.create_user(session, clock, ADMIN, new)

    return make
