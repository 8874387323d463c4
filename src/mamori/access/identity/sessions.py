"""People signing in and out: password plus (when enrolled) a TOTP code, and step-up.

Every failed sign-in gets the same message, whatever went wrong, and an unknown
email costs the same Argon2 work as a known one, so neither the message nor the
time tells a guesser which accounts exist. The log entry says what went wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

from sqlalchemy.orm import Session

from mamori.access.identity import repository
from mamori.access.identity.failures import HINTS, MESSAGES, fail
from mamori.access.identity.models import IssuedSession, UserSession
from mamori.access.identity.passwords import (
    burn_verification,
    hash_secret,
    needs_rehash,
    verify_secret,
)
from mamori.access.identity.second_factor import CodeCheck, check_code, has_confirmed_factor
from mamori.access.identity.tokens import new_session_token, token_digest
from mamori.access.identity.users import normalize_email
from mamori.access.tables import SessionRow, UserRow
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.core.errors import ConflictError, InvalidInputError
from mamori.core.ids import OrgId, UserId, new_id

SIGN_IN_FAILED = "the email, the password or the second-factor code is not correct"
SIGN_IN_HINT = "check them and try again; accounts with a second factor need the current code"


def login(
    session: Session,
    clock: Clock,
    email: str,
    password: str,
    totp_code: str | None = None,
    *,
    ttl_seconds: int,
) -> IssuedSession:
    """Sign a person in: a new session whose token is shown once; UnauthenticatedError if not."""
    row = _user_by_email(session, email)
    if row is None:
        burn_verification(password)
        _login_failed(session, clock, "unknown_email", None)
    if not verify_secret(row.password_hash, password):
        _login_failed(session, clock, "wrong_password", row)
    if row.disabled_at is not None:
        _login_failed(session, clock, "disabled", row)
    verified_at = _second_factor(session, clock, row, totp_code)
    if needs_rehash(row.password_hash):
        row.password_hash = hash_secret(password)
    row.last_login_at = clock.now()
    return _open_session(session, clock, row, verified_at, ttl_seconds)


def step_up(session: Session, clock: Clock, token: str, code: str) -> UserSession:
    """Refresh a session's second-factor time with a current TOTP code."""
    live, user = live_session(session, clock, token)
    check = check_code(session, clock, user, code)
    if check is CodeCheck.NOT_ENROLLED:
        raise ConflictError(
            "this account has no second factor to step up with",
            where="code",
            hint="enroll an authenticator app first",
        )
    if check is not CodeCheck.ACCEPTED:
        fail(
            session,
            clock,
            "identity.step_up.failed",
            reason=check.value,
            message="the second-factor code is not correct",
            org_id=user.org_id,
            hint="type the current 6-digit code; each code works only once",
            details={"user_id": user.id, "session_id": live.id},
            where="code",
        )
    live.mfa_verified_at = clock.now()
    record(
        session,
        clock,
        "identity.step_up",
        actor=f"user:{user.id}",
        org_id=user.org_id,
        details={"user_id": user.id, "session_id": live.id},
    )
    return to_session(live, user)


def logout(session: Session, clock: Clock, token: str) -> UserSession:
    """End the session ``token`` belongs to."""
    live, user = live_session(session, clock, token)
    live.revoked_at = clock.now()
    record(
        session,
        clock,
        "identity.logout",
        actor=f"user:{user.id}",
        org_id=user.org_id,
        details={"user_id": user.id, "session_id": live.id},
    )
    return to_session(live, user)


def live_session(session: Session, clock: Clock, token: str) -> tuple[SessionRow, UserRow]:
    """The unexpired, unrevoked session of ``token`` and its enabled user, or a failure."""
    row = repository.session_for_token(session, token_digest(token))
    user = repository.user_for_credential(session, row.user_id) if row else None
    if row is None or user is None:
        _session_failed(session, clock, "unknown", None, None)
    if row.revoked_at is not None:
        _session_failed(session, clock, "revoked", row, user)
    if row.expires_at <= clock.now():
        _session_failed(session, clock, "expired", row, user)
    if user.disabled_at is not None:
        _session_failed(session, clock, "disabled", row, user)
    return row, user


def to_session(row: SessionRow, user: UserRow) -> UserSession:
    """The domain view of a session row (never its token hash)."""
    return UserSession(
        id=row.id,
        user_id=UserId(row.user_id),
        org_id=OrgId(user.org_id) if user.org_id else None,
        created_at=row.created_at,
        expires_at=row.expires_at,
        mfa_verified_at=row.mfa_verified_at,
        revoked_at=row.revoked_at,
    )


def _user_by_email(session: Session, email: str) -> UserRow | None:
    try:
        normalized = normalize_email(email)
    except InvalidInputError:
        return None
    return repository.user_for_sign_in(session, normalized)


def _second_factor(
    session: Session, clock: Clock, row: UserRow, code: str | None
) -> dt.datetime | None:
    if not has_confirmed_factor(row):
        return None
    check = check_code(session, clock, row, code)
    if check is not CodeCheck.ACCEPTED:
        _login_failed(session, clock, check.value, row)
    return clock.now()


def _open_session(
    session: Session, clock: Clock, user: UserRow, verified_at: dt.datetime | None, ttl: int
) -> IssuedSession:
    token = new_session_token()
    now = clock.now()
    row = SessionRow(
        id=new_id("ses"),
        user_id=user.id,
        token_hash=token_digest(token),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl),
        mfa_verified_at=verified_at,
    )
    repository.add(session, row)
    record(
        session,
        clock,
        "identity.login",
        actor=f"user:{user.id}",
        org_id=user.org_id,
        details={"user_id": user.id, "session_id": row.id, "mfa": verified_at is not None},
    )
    return IssuedSession(token=token, session=to_session(row, user))


def _login_failed(session: Session, clock: Clock, reason: str, user: UserRow | None) -> NoReturn:
    details = {"user_id": user.id} if user is not None else {}
    fail(
        session,
        clock,
        "identity.login.failed",
        reason=reason,
        message=SIGN_IN_FAILED,
        hint=SIGN_IN_HINT,
        org_id=user.org_id if user else None,
        details=details,
        where=None,
    )


def _session_failed(
    session: Session, clock: Clock, reason: str, row: SessionRow | None, user: UserRow | None
) -> NoReturn:
    details = {"credential": "session"}
    if row is not None:
        details["session_id"] = row.id
    fail(
        session,
        clock,
        "identity.authentication.failed",
        reason=reason,
        message=MESSAGES[reason].replace("credential", "session"),
        hint=HINTS[reason],
        org_id=user.org_id if user else None,
        details=details,
    )
