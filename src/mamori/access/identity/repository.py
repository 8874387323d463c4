"""Queries over users, sessions and API keys. Nothing else queries these tables.

Reads of an organization's people and keys take the organization they are scoped
to (``None`` scopes to program staff, who belong to none). The few lookups by
credential (an email at sign-in, a token's hash, a key id in a token) come before
anyone's organization is known, and say so in their names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import Session

from mamori.access.tables import ApiKeyRow, OrganizationRow, SessionRow, UserRow
from mamori.core.ids import OrgId

T = TypeVar("T")


def _in_org(org_id: OrgId | None) -> ColumnElement[bool]:
    return UserRow.org_id.is_(None) if org_id is None else UserRow.org_id == org_id


def organization_exists(session: Session, org_id: OrgId) -> bool:
    """Whether the organization exists."""
    return session.get(OrganizationRow, org_id) is not None


def email_taken(session: Session, email: str) -> bool:
    """Whether any user, in any organization, has this (normalized) email."""
    query = select(func.count()).select_from(UserRow).where(UserRow.email == email)
    return bool(session.scalar(query))


def add(session: Session, row: UserRow | SessionRow | ApiKeyRow) -> None:
    """Stage a new row and write it now, so that a constraint fails here, not at commit."""
    session.add(row)
    session.flush()


def user(
    session: Session, org_id: OrgId | None, user_id: str, *, lock: bool = False
) -> UserRow | None:
    """The user ``user_id`` if it belongs to ``org_id`` (None: program staff); maybe locked."""
    query = select(UserRow).where(UserRow.id == user_id, _in_org(org_id))
    return _one(session, query, lock)


def users(session: Session, org_id: OrgId | None) -> Sequence[UserRow]:
    """The users of ``org_id`` (None: program staff), oldest first."""
    query = select(UserRow).where(_in_org(org_id)).order_by(UserRow.created_at, UserRow.id)
    return session.scalars(query).all()


def user_for_sign_in(session: Session, email: str) -> UserRow | None:
    """The user a sign-in names by email, whichever organization it is in."""
    return session.scalars(select(UserRow).where(UserRow.email == email)).one_or_none()


def user_for_credential(session: Session, user_id: str) -> UserRow | None:
    """The user a session row points to."""
    return session.get(UserRow, user_id)


def swap_totp(session: Session, row: UserRow, expected: str | None, new: str | None) -> bool:
    """Set the user's TOTP record only if it still is ``expected`` (compare-and-set)."""
    current = UserRow.totp_secret.is_(None) if expected is None else UserRow.totp_secret == expected
    result = session.execute(
        update(UserRow)
        .where(UserRow.id == row.id, current)
        .values(totp_secret=new)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def session_for_token(session: Session, token_hash: str) -> SessionRow | None:
    """The session whose token hashes to ``token_hash``."""
    query = select(SessionRow).where(SessionRow.token_hash == token_hash)
    return session.scalars(query).one_or_none()


def revoke_sessions(session: Session, user_id: str, now: dt.datetime) -> int:
    """Revoke every live session of a user; how many were live."""
    result = session.execute(
        update(SessionRow)
        .where(SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def key(session: Session, org_id: OrgId, key_id: str, *, lock: bool = False) -> ApiKeyRow | None:
    """The key ``key_id`` if it belongs to ``org_id``; with ``lock``, held until commit."""
    query = select(ApiKeyRow).where(ApiKeyRow.id == key_id, ApiKeyRow.org_id == org_id)
    return _one(session, query, lock)


def keys(session: Session, org_id: OrgId) -> Sequence[ApiKeyRow]:
    """The organization's keys, newest first."""
    query = (
        select(ApiKeyRow)
        .where(ApiKeyRow.org_id == org_id)
        .order_by(ApiKeyRow.created_at.desc(), ApiKeyRow.id)
    )
    return session.scalars(query).all()


def key_for_token(session: Session, key_id: str) -> ApiKeyRow | None:
    """The key a presented token names, whichever organization it is in."""
    return session.get(ApiKeyRow, key_id)


def touch_key(session: Session, key_id: str, now: dt.datetime, not_since: dt.datetime) -> None:
    """Set a key's last use to ``now`` unless it was already set after ``not_since``."""
    stale = ApiKeyRow.last_used_at.is_(None) | (ApiKeyRow.last_used_at <= not_since)
    session.execute(
        update(ApiKeyRow)
        .where(ApiKeyRow.id == key_id, stale)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def _one(session: Session, query: Select[T], lock: bool) -> T | None:
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()
