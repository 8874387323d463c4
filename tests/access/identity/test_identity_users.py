"""People: roles that fit, hashed passwords, organization scoping, disabling."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from identity_support import ADMIN, PASSWORD, TTL, log_entries
from sqlalchemy import select

from mamori.access.errors import UnauthenticatedError
from mamori.access.identity import service as identity
from mamori.access.identity.models import NewUser, User
from mamori.access.models import Role
from mamori.access.tables import UserRow, as_dict
from mamori.core.clock import FixedClock
from mamori.core.errors import ConflictError, InvalidInputError, NotFoundError
from mamori.core.ids import OrgId
from mamori.store.engine import Database


def test_a_user_is_created_with_a_hashed_password_and_audited(
    database: Database, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(email="  Analyst@Kobe.Example ", org_id=org_id)
    assert user.email == "analyst@kobe.example"
    assert user.roles == {Role.ANALYST} and user.org_id == org_id
    assert not user.totp_enabled and not user.disabled
    with database.session() as session:
        row = session.scalars(select(UserRow)).one()
        stored = as_dict(row)
    assert stored["password_hash"].startswith("$argon2id$")
    assert not any(PASSWORD in str(value) for value in stored.values())
    assert "password" not in repr(user) and PASSWORD not in repr(user)
    [entry] = log_entries(database, "identity.user.created")
    assert entry.actor == ADMIN.label and entry.org_id == org_id
    assert entry.details == {"user_id": user.id, "roles": ["analyst"]}
    assert PASSWORD not in entry.body


def test_program_staff_have_no_organization(
    database: Database, make_user: Callable[..., User]
) -> None:
    staff = make_user(email="operator@program.example", roles=frozenset({Role.OPERATOR}))
    assert staff.org_id is None
    with database.session() as session:
        assert [u.id for u in identity.list_users(session, None)] == [staff.id]


@pytest.mark.parametrize(
    ("roles", "with_org"),
    [
        (frozenset({Role.OPERATOR}), True),
        (frozenset({Role.REGULATOR, Role.ANALYST}), True),
        (frozenset({Role.ANALYST}), False),
        (frozenset({Role.OPERATOR, Role.AUDITOR}), False),
        (frozenset(), True),
    ],
)
def test_roles_must_fit_the_organization(
    database: Database, clock: FixedClock, org_id: OrgId, roles: frozenset[Role], with_org: bool
) -> None:
    new = NewUser("x@kobe.example", "X", PASSWORD, roles, org_id if with_org else None)
    with database.session() as session, pytest.raises(InvalidInputError) as caught:
        identity.create_user(session, clock, ADMIN, new)
    assert caught.value.where == "roles"


def test_short_password_and_bad_email_are_refused(
    database: Database, clock: FixedClock, org_id: OrgId
) -> None:
    roles = frozenset({Role.ANALYST})
    with database.session() as session:
        with pytest.raises(InvalidInputError) as short:
            identity.create_user(
                session, clock, ADMIN, NewUser("a@b.example", "A", "elevenchars", roles, org_id)
            )
        with pytest.raises(InvalidInputError) as email:
            identity.create_user(
                session, clock, ADMIN, NewUser("not-an-email", "A", PASSWORD, roles, org_id)
            )
    assert short.value.where == "password" and "12" in short.value.message
    assert email.value.where == "email"


def test_duplicate_email_conflicts_whatever_its_case(
    org_id: OrgId, other_org_id: OrgId, make_user: Callable[..., User]
) -> None:
    make_user(email="sec@kobe.example", org_id=org_id)
    with pytest.raises(ConflictError) as caught:
        make_user(email="SEC@kobe.example", org_id=other_org_id)
    assert caught.value.where == "email"


def test_unknown_organization_is_not_found(database: Database, clock: FixedClock) -> None:
    new = NewUser("a@b.example", "A", PASSWORD, frozenset({Role.ANALYST}), OrgId("org_" + "0" * 32))
    with database.session() as session, pytest.raises(NotFoundError):
        identity.create_user(session, clock, ADMIN, new)


def test_reads_are_scoped_to_the_organization(
    database: Database, org_id: OrgId, other_org_id: OrgId, make_user: Callable[..., User]
) -> None:
    mine = make_user(email="mine@kobe.example", org_id=org_id)
    theirs = make_user(email="theirs@sendai.example", org_id=other_org_id)
    with database.session() as session:
        assert identity.get_user(session, org_id, mine.id) == mine
        assert [u.id for u in identity.list_users(session, org_id)] == [mine.id]
        with pytest.raises(NotFoundError):
            identity.get_user(session, org_id, theirs.id)
        with pytest.raises(NotFoundError):
            identity.get_user(session, None, mine.id)


def test_disabling_ends_sessions_and_sign_in(
    database: Database, clock: FixedClock, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(org_id=org_id)
    issued = identity.login(database, clock, user.email, PASSWORD, ttl_seconds=TTL)
    with database.session() as session:
        disabled = identity.disable_user(session, clock, ADMIN, org_id, user.id, "left the bank")
        with pytest.raises(ConflictError):
            identity.disable_user(session, clock, ADMIN, org_id, user.id, "again")
    assert disabled.disabled
    with pytest.raises(UnauthenticatedError, match="revoked"):
        identity.authenticate(database, clock, issued.token)
    with pytest.raises(UnauthenticatedError):
        identity.login(database, clock, user.email, PASSWORD, ttl_seconds=TTL)
    [entry] = log_entries(database, "identity.user.disabled")
    assert entry.details == {"user_id": user.id, "reason": "left the bank", "sessions_ended": 1}
    [failed] = log_entries(database, "identity.login.failed")
    assert failed.details["reason"] == "disabled"
