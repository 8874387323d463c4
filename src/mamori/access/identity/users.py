"""People: organization users and program staff, their roles, and disabling them."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mamori.access.identity import repository
from mamori.access.identity.models import NewUser, User
from mamori.access.identity.passwords import check_password_rules, hash_secret
from mamori.access.identity.totp import TotpState
from mamori.access.models import Principal, Role
from mamori.access.tables import UserRow
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.core.errors import ConflictError, InvalidInputError, NotFoundError
from mamori.core.ids import OrgId, UserId, new_id

# Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
_EMAIL = re.compile(r"[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+")
MAX_EMAIL_LENGTH = 320
MAX_NAME_LENGTH = 200


def normalize_email(email: str, *, where: str = "email") -> str:
    """``email`` trimmed and lower-cased; InvalidInputError if it is not shaped like one."""
    value = email.strip().lower()
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(value):
        raise InvalidInputError(
            "this is not an email address", where=where, hint="use the form name@example.org"
        )
    return value


def check_display_name(name: str, *, where: str = "display_name") -> str:
    """The trimmed display name; InvalidInputError if empty, too long or with control characters."""
    value = name.strip()
    if not value or len(value) > MAX_NAME_LENGTH or any(ord(c) < 32 for c in value):
        raise InvalidInputError(
            f"a display name needs 1 to {MAX_NAME_LENGTH} printable characters", where=where
        )
    return value


def check_roles(roles: frozenset[Role], org_id: OrgId | None, *, where: str = "roles") -> None:
    """Program roles only without an organization; organization roles only with one."""
    if not roles:
        raise InvalidInputError("a user needs at least one role", where=where)
    program = {role for role in roles if role.is_program_role}
    if org_id is not None and program:
        raise InvalidInputError(
            f"program roles ({', '.join(sorted(r.value for r in program))}) "
            "cannot belong to an organization's user",
            where=where,
            hint="create program staff with no organization",
        )
    if org_id is None and program != roles:
        raise InvalidInputError(
            "organization roles need an organization",
            where=where,
            hint="give the user an organization, or only the operator / regulator roles",
        )


def ensure_email_free(session: Session, email: str, *, where: str = "email") -> None:
    """ConflictError if a user already has this normalized email."""
    if repository.email_taken(session, email):
        raise ConflictError(
            "a user with this email already exists", where=where, hint="sign in instead"
        )


def create_user(session: Session, clock: Clock, actor: Principal, new: NewUser) -> User:
    """Create a person with a hashed password; audited as ``identity.user.created``."""
    email = normalize_email(new.email)
    name = check_display_name(new.display_name)
    check_roles(new.roles, new.org_id)
    check_password_rules(new.password)
    if new.org_id is not None and not repository.organization_exists(session, new.org_id):
        raise NotFoundError(f"no organization {new.org_id}", where="org_id")
    ensure_email_free(session, email)
    now = clock.now()
    row = UserRow(
        id=new_id("usr"),
        org_id=new.org_id,
        email=email,
        display_name=name,
        password_hash=hash_secret(new.password),
        totp_secret=None,
        roles=sorted(role.value for role in new.roles),
        created_at=now,
    )
    try:
        repository.add(session, row)
    except IntegrityError as exc:  # the same email was taken meanwhile
        raise ConflictError("a user with this email already exists", where="email") from exc
    record(
        session,
        clock,
        "identity.user.created",
        actor=actor.label,
        org_id=row.org_id,
        details={"user_id": row.id, "roles": list(row.roles)},
    )
    return to_user(row)


def get_user(session: Session, org_id: OrgId | None, user_id: str) -> User:
    """The user ``user_id`` of ``org_id`` (None: program staff); NotFoundError otherwise."""
    return to_user(_row(session, org_id, user_id))


def list_users(session: Session, org_id: OrgId | None) -> list[User]:
    """The users of ``org_id`` (None: program staff), oldest first."""
    return [to_user(row) for row in repository.users(session, org_id)]


def disable_user(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId | None,
    user_id: str,
    reason: str,
) -> User:
    """Disable a user and end their sessions; audited as ``identity.user.disabled``."""
    reason = check_reason(reason)
    row = _row(session, org_id, user_id, lock=True)
    if row.disabled_at is not None:
        raise ConflictError(f"user {user_id} is already disabled", where="user_id")
    now = clock.now()
    row.disabled_at = now
    ended = repository.revoke_sessions(session, row.id, now)
    record(
        session,
        clock,
        "identity.user.disabled",
        actor=actor.label,
        org_id=row.org_id,
        details={"user_id": row.id, "reason": reason, "sessions_ended": ended},
    )
    return to_user(row)


def check_reason(reason: str, *, where: str = "reason") -> str:
    """The trimmed reason; InvalidInputError if it is empty or longer than 2,000 characters."""
    value = reason.strip()
    if not value or len(value) > 2000:
        raise InvalidInputError("give a reason of 1 to 2,000 characters", where=where)
    return value


def _row(session: Session, org_id: OrgId | None, user_id: str, *, lock: bool = False) -> UserRow:
    row = repository.user(session, org_id, user_id, lock=lock)
    if row is None:
        raise NotFoundError(f"no user {user_id} here", where="user_id")
    return row


def to_user(row: UserRow) -> User:
    """The domain view of a user row (never its password hash or TOTP secret)."""
    state = TotpState.decode(row.totp_secret)
    return User(
        id=UserId(row.id),
        org_id=OrgId(row.org_id) if row.org_id else None,
        email=row.email,
        display_name=row.display_name,
        roles=frozenset(Role(role) for role in row.roles),
        totp_enabled=state is not None and state.confirmed,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
        last_login_at=row.last_login_at,
    )
