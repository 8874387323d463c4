"""Signing in and out: one generic failure, audited; tokens kept hashed; expiry; step-up."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import pyotp
import pytest
from identity_support import ADMIN, PASSWORD, TTL, log_entries
from sqlalchemy import select

from mamori.access.errors import UnauthenticatedError
from mamori.access.identity import service as identity
from mamori.access.identity.models import User
from mamori.access.models import ANONYMOUS, PrincipalKind, Role
from mamori.access.tables import SessionRow, as_dict
from mamori.core.clock import FixedClock
from mamori.core.errors import ConflictError
from mamori.core.ids import OrgId
from mamori.store.engine import Database


def test_sign_in_gives_a_token_that_is_stored_only_as_its_hash(
    database: Database, clock: FixedClock, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(org_id=org_id, roles=frozenset({Role.ANALYST, Role.AUDITOR}))
    issued = identity.login(database, clock, " ANALYST@kobe.example", PASSWORD, ttl_seconds=TTL)
    assert len(issued.token) == 43 and issued.token not in repr(issued)
    assert issued.session.expires_at == clock.now() + dt.timedelta(seconds=TTL)
    with database.session() as session:
        row = as_dict(session.scalars(select(SessionRow)).one())
    assert row["token_hash"] == hashlib.sha256(issued.token.encode()).hexdigest()
    assert not any(issued.token in str(value) for value in row.values())
    principal = identity.authenticate(database, clock, issued.token)
    assert principal.kind is PrincipalKind.USER and principal.id == user.id
    assert principal.org_id == org_id and principal.roles == {Role.ANALYST, Role.AUDITOR}
    assert principal.scopes is None and principal.mfa_verified_at is None
    [entry] = log_entries(database, "identity.login")
    assert entry.actor == f"user:{user.id}" and entry.details["mfa"] is False


def test_every_failed_sign_in_looks_the_same_and_is_audited(
    database: Database, clock: FixedClock, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(org_id=org_id)
    attempts = [("nobody@kobe.example", PASSWORD), (user.email, "wrong password!"), ("", "")]
    messages = set()
    for email, password in attempts:
        with pytest.raises(UnauthenticatedError) as caught:
            identity.login(database, clock, email, password, ttl_seconds=TTL)
        messages.add(str(caught.value))
    assert len(messages) == 1
    failed = log_entries(database, "identity.login.failed")
    assert [e.details["reason"] for e in failed] == [
        "unknown_email",
        "wrong_password",
        "unknown_email",
    ]
    assert failed[1].details["user_id"] == user.id and failed[1].org_id == org_id
    assert all(e.actor == ANONYMOUS.label for e in failed)
    assert not any("wrong password!" in e.body or PASSWORD in e.body for e in failed)


def test_failure_inside_the_callers_session_is_rolled_back_with_it(
    database: Database, clock: FixedClock, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(org_id=org_id)
    with pytest.raises(UnauthenticatedError), database.session() as session:
        identity.login(session, clock, user.email, "wrong password!", ttl_seconds=TTL)
    assert log_entries(database, "identity.login.failed") == []


def test_a_session_expires_and_logout_revokes_it(
    database: Database, clock: FixedClock, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(org_id=org_id)
    first = identity.login(database, clock, user.email, PASSWORD, ttl_seconds=TTL)
    second = identity.login(database, clock, user.email, PASSWORD, ttl_seconds=TTL)
    with database.session() as session:
        ended = identity.logout(session, clock, second.token)
    assert ended.revoked_at == clock.now()
    with pytest.raises(UnauthenticatedError, match="revoked"):
        identity.authenticate(database, clock, second.token)
    clock.advance(TTL - 1)
    assert identity.authenticate(database, clock, first.token).id == user.id
    clock.advance(1)
    with pytest.raises(UnauthenticatedError, match="expired"):
        identity.authenticate(database, clock, first.token)
    with pytest.raises(UnauthenticatedError, match="not a known"):
        identity.authenticate(database, clock, "A" * 43)
    reasons = [e.details["reason"] for e in log_entries(database, "identity.authentication.failed")]
    assert reasons == ["revoked", "expired", "unknown"]


def test_step_up_refreshes_the_second_factor_time(
    database: Database, clock: FixedClock, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(org_id=org_id)
    issued = identity.login(database, clock, user.email, PASSWORD, ttl_seconds=TTL)
    with database.session() as session, pytest.raises(ConflictError):
        identity.step_up(session, clock, issued.token, "123456")
    with database.session() as session:
        secret = identity.enroll_totp(session, clock, ADMIN, org_id, user.id).secret
        identity.confirm_totp(
            session, clock, ADMIN, org_id, user.id, pyotp.TOTP(secret).at(clock.now())
        )
    clock.advance(120)
    wrong = "000000" if pyotp.TOTP(secret).at(clock.now()) != "000000" else "111111"
    with pytest.raises(UnauthenticatedError, match="second-factor"):
        identity.step_up(database, clock, issued.token, wrong)
    stepped = identity.step_up(database, clock, issued.token, pyotp.TOTP(secret).at(clock.now()))
    assert stepped.mfa_verified_at == clock.now()
    assert identity.authenticate(database, clock, issued.token).mfa_verified_at == clock.now()
    [failed] = log_entries(database, "identity.step_up.failed")
    assert failed.details["reason"] == "mfa_wrong"
