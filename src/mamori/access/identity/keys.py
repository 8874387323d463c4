"""Service API keys: created with scopes, roles and an expiry, shown once, revocable."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from mamori.access.identity import repository
from mamori.access.identity.cache import DEFAULT_CACHE, VerificationCache
from mamori.access.identity.models import MAX_KEY_DAYS, ApiKey, IssuedApiKey, NewApiKey
from mamori.access.identity.passwords import hash_secret
from mamori.access.identity.scopes import check_scopes
from mamori.access.identity.tokens import new_key_token
from mamori.access.identity.users import check_reason
from mamori.access.models import Principal, Role
from mamori.access.tables import ApiKeyRow
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.core.errors import ConflictError, InvalidInputError, NotFoundError
from mamori.core.ids import ApiKeyId, OrgId, new_id


def create_api_key(
    session: Session, clock: Clock, actor: Principal, org_id: OrgId, new: NewApiKey
) -> IssuedApiKey:
    """Create a key for ``org_id``; the returned token is the only copy of its secret."""
    name = _check_new(new)
    if not repository.organization_exists(session, org_id):
        raise NotFoundError(f"no organization {org_id}", where="org_id")
    key_id = ApiKeyId(new_id("key"))
    token, secret = new_key_token(key_id)
    now = clock.now()
    row = ApiKeyRow(
        id=key_id,
        org_id=org_id,
        name=name,
        secret_hash=hash_secret(secret),
        scopes=sorted(new.scopes),
        roles=sorted(role.value for role in new.roles),
        created_by=actor.id,
        created_at=now,
        expires_at=now + dt.timedelta(days=new.expires_in_days),
    )
    repository.add(session, row)
    record(
        session,
        clock,
        "identity.key.created",
        actor=actor.label,
        org_id=org_id,
        details={
            "key_id": key_id,
            "name": name,
            "scopes": list(row.scopes),
            "roles": list(row.roles),
            "expires_at": row.expires_at.isoformat(),
        },
    )
    return IssuedApiKey(token=token, key=to_key(row))


def revoke_api_key(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId,
    key_id: str,
    reason: str,
    *,
    cache: VerificationCache = DEFAULT_CACHE,
) -> ApiKey:
    """Revoke a key at once: the next request that presents it is refused."""
    reason = check_reason(reason)
    row = _row(session, org_id, key_id, lock=True)
    if row.revoked_at is not None:
        raise ConflictError(f"API key {key_id} is already revoked", where="key_id")
    row.revoked_at = clock.now()
    cache.forget(row.id)
    record(
        session,
        clock,
        "identity.key.revoked",
        actor=actor.label,
        org_id=org_id,
        details={"key_id": row.id, "reason": reason},
    )
    return to_key(row)


def get_api_key(session: Session, org_id: OrgId, key_id: str) -> ApiKey:
    """The key ``key_id`` of ``org_id`` (never its secret); NotFoundError otherwise."""
    return to_key(_row(session, org_id, key_id))


def list_api_keys(session: Session, org_id: OrgId) -> list[ApiKey]:
    """The organization's keys, newest first, with when each was last used."""
    return [to_key(row) for row in repository.keys(session, org_id)]


def to_key(row: ApiKeyRow) -> ApiKey:
    """The domain view of a key row (never its hash)."""
    return ApiKey(
        id=ApiKeyId(row.id),
        org_id=OrgId(row.org_id),
        name=row.name,
        scopes=frozenset(row.scopes),
        roles=frozenset(Role(role) for role in row.roles),
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def _check_new(new: NewApiKey) -> str:
    name = new.name.strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise InvalidInputError("a key needs a name of 1 to 200 printable characters", where="name")
    check_scopes(new.scopes)
    if not new.roles or any(role.is_program_role for role in new.roles):
        raise InvalidInputError(
            "a key needs one or more organization roles (org_admin, analyst, red_teamer, auditor)",
            where="roles",
            hint="program roles belong to people only",
        )
    if not 1 <= new.expires_in_days <= MAX_KEY_DAYS:
        raise InvalidInputError(
            f"a key expires after 1 to {MAX_KEY_DAYS} days",
            where="expires_in_days",
            hint="create a new key before the old one expires",
        )
    return name


def _row(session: Session, org_id: OrgId, key_id: str, *, lock: bool = False) -> ApiKeyRow:
    row = repository.key(session, org_id, key_id, lock=lock)
    if row is None:
        raise NotFoundError(f"no API key {key_id} here", where="key_id")
    return row
