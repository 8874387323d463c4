"""Enrolling, confirming and checking a person's TOTP second factor."""

from __future__ import annotations

import enum

from sqlalchemy.orm import Session

from mamori.access.identity import repository, totp
from mamori.access.identity.models import TotpEnrollment, User
from mamori.access.identity.totp import TotpState
from mamori.access.identity.users import to_user
from mamori.access.models import Principal
from mamori.access.tables import UserRow
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.core.errors import ConflictError, InvalidInputError, NotFoundError
from mamori.core.ids import OrgId


class CodeCheck(enum.Enum):
    """What checking a second-factor code found."""

    ACCEPTED = "accepted"
    NOT_ENROLLED = "mfa_not_enrolled"
    MISSING = "mfa_missing"
    WRONG = "mfa_wrong"
    REPLAYED = "mfa_replayed"


def enroll_totp(
    session: Session, clock: Clock, actor: Principal, org_id: OrgId | None, user_id: str
) -> TotpEnrollment:
    """Start (or restart) enrollment: a new pending secret and its ``otpauth://`` URI."""
    row = _user(session, org_id, user_id)
    current = TotpState.decode(row.totp_secret)
    if current is not None and current.confirmed:
        raise ConflictError(
            f"user {user_id} already has a confirmed second factor", where="user_id"
        )
    state = totp.new_state()
    row.totp_secret = state.encode()
    record(
        session,
        clock,
        "identity.totp.enrolled",
        actor=actor.label,
        org_id=row.org_id,
        details={"user_id": row.id},
    )
    return TotpEnrollment(state.secret, totp.provisioning_uri(state, row.email))


def confirm_totp(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId | None,
    user_id: str,
    code: str,
) -> User:
    """Confirm a pending second factor with a code from the authenticator; from now on required."""
    row = _user(session, org_id, user_id)
    pending = TotpState.decode(row.totp_secret)
    if pending is None or pending.confirmed:
        raise ConflictError(
            f"user {user_id} has no second factor waiting for confirmation",
            where="user_id",
            hint="enroll first",
        )
    step = totp.matching_step(pending.secret, code, clock.now())
    if step is None:
        raise InvalidInputError(
            "the code does not match",
            where="code",
            hint="type the current 6-digit code from the authenticator app",
        )
    active = TotpState(secret=pending.secret, confirmed=True, last_step=step)
    if not repository.swap_totp(session, row, pending.encode(), active.encode()):
        raise ConflictError("the second factor changed meanwhile; enroll again", where="user_id")
    record(
        session,
        clock,
        "identity.totp.confirmed",
        actor=actor.label,
        org_id=row.org_id,
        details={"user_id": row.id},
    )
    return to_user(row)


def check_code(session: Session, clock: Clock, row: UserRow, code: str | None) -> CodeCheck:
    """Check ``code`` against the user's confirmed factor, using it up so it cannot be replayed."""
    state = TotpState.decode(row.totp_secret)
    if state is None or not state.confirmed:
        return CodeCheck.NOT_ENROLLED
    if not code:
        return CodeCheck.MISSING
    step = totp.matching_step(state.secret, code, clock.now())
    if step is None:
        return CodeCheck.WRONG
    if step <= state.last_step:
        return CodeCheck.REPLAYED
    used = TotpState(secret=state.secret, confirmed=True, last_step=step)
    # A concurrent request that used this same code first wins; this one is a replay.
    if not repository.swap_totp(session, row, state.encode(), used.encode()):
        return CodeCheck.REPLAYED
    return CodeCheck.ACCEPTED


def has_confirmed_factor(row: UserRow) -> bool:
    """Whether the user must give a code to sign in."""
    state = TotpState.decode(row.totp_secret)
    return state is not None and state.confirmed


def _user(session: Session, org_id: OrgId | None, user_id: str) -> UserRow:
    row = repository.user(session, org_id, user_id)
    if row is None:
        raise NotFoundError(f"no user {user_id} here", where="user_id")
    return row
