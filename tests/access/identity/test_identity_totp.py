"""The TOTP second factor: enroll, confirm, ±1 step of drift, and no code used twice."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable

import pyotp
import pytest
from identity_support import ADMIN, PASSWORD, TTL, log_entries

from mamori.access.errors import UnauthenticatedError
from mamori.access.identity import service as identity
from mamori.access.identity.models import User
from mamori.core.clock import FixedClock
from mamori.core.errors import ConflictError, InvalidInputError
from mamori.core.ids import OrgId
from mamori.store.engine import Database


def _code(secret: str, at: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def _enrolled(database: Database, clock: FixedClock, org_id: OrgId, user: User) -> str:
    """Enroll and confirm ``user``'s second factor; its secret."""
    with database.session() as session:
        enrollment = identity.enroll_totp(session, clock, ADMIN, org_id, user.id)
    with database.session() as session:
        code = _code(enrollment.secret, clock.now())
        identity.confirm_totp(session, clock, ADMIN, org_id, user.id, code)
    return enrollment.secret


def test_enrollment_is_pending_until_confirmed(
    database: Database, clock: FixedClock, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(org_id=org_id)
    with database.session() as session:
        enrollment = identity.enroll_totp(session, clock, ADMIN, org_id, user.id)
    uri = urllib.parse.urlparse(enrollment.provisioning_uri)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert urllib.parse.parse_qs(uri.query)["secret"] == [enrollment.secret]
    assert enrollment.secret not in repr(enrollment)
    with database.session() as session:
        assert not identity.get_user(session, org_id, user.id).totp_enabled
        with pytest.raises(InvalidInputError) as wrong:
            identity.confirm_totp(session, clock, ADMIN, org_id, user.id, "000000x")
    assert wrong.value.where == "code"
    # Not enrolled yet: signing in needs no code.
    identity.login(database, clock, user.email, PASSWORD, ttl_seconds=TTL)
    with database.session() as session:
        code = _code(enrollment.secret, clock.now())
        confirmed = identity.confirm_totp(session, clock, ADMIN, org_id, user.id, code)
    assert confirmed.totp_enabled
    assert [e.action for e in log_entries(database) if "totp" in e.action] == [
        "identity.totp.enrolled",
        "identity.totp.confirmed",
    ]
    assert not any(enrollment.secret in e.body for e in log_entries(database))


def test_a_confirmed_factor_cannot_be_replaced_by_enrolling_again(
    database: Database, clock: FixedClock, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(org_id=org_id)
    _enrolled(database, clock, org_id, user)
    with database.session() as session, pytest.raises(ConflictError):
        identity.enroll_totp(session, clock, ADMIN, org_id, user.id)


def test_sign_in_needs_a_current_unused_code(
    database: Database, clock: FixedClock, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(org_id=org_id)
    secret = _enrolled(database, clock, org_id, user)
    for code in (None, "123456x", "12345", _code(secret, clock.now())):
        # The confirmation already used the current code: it is a replay now.
        with pytest.raises(UnauthenticatedError):
            identity.login(database, clock, user.email, PASSWORD, code, ttl_seconds=TTL)
    reasons = [e.details["reason"] for e in log_entries(database, "identity.login.failed")]
    assert reasons == ["mfa_missing", "mfa_wrong", "mfa_wrong", "mfa_replayed"]

    clock.advance(30)
    fresh = _code(secret, clock.now())
    issued = identity.login(database, clock, user.email, PASSWORD, fresh, ttl_seconds=TTL)
    assert issued.session.mfa_verified_at == clock.now()
    with pytest.raises(UnauthenticatedError):
        identity.login(database, clock, user.email, PASSWORD, fresh, ttl_seconds=TTL)


def test_one_step_of_drift_either_way_is_accepted_and_two_are_not(
    database: Database, clock: FixedClock, org_id: OrgId, make_user: Callable[..., User]
) -> None:
    user = make_user(org_id=org_id)
    secret = _enrolled(database, clock, org_id, user)
    clock.advance(300)
    now = clock.now()
    step = dt.timedelta(seconds=30)
    with pytest.raises(UnauthenticatedError):
        identity.login(
            database, clock, user.email, PASSWORD, _code(secret, now - 2 * step), ttl_seconds=TTL
        )
    identity.login(
        database, clock, user.email, PASSWORD, _code(secret, now - step), ttl_seconds=TTL
    )
    identity.login(
        database, clock, user.email, PASSWORD, _code(secret, now + step), ttl_seconds=TTL
    )
    # After a code of the next step, the current one is older: refused as used.
    with pytest.raises(UnauthenticatedError):
        identity.login(database, clock, user.email, PASSWORD, _code(secret, now), ttl_seconds=TTL)
    with pytest.raises(UnauthenticatedError):
        identity.login(
            database, clock, user.email, PASSWORD, _code(secret, now + 2 * step), ttl_seconds=TTL
        )
