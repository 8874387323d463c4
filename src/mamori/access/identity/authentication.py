"""Who a request's bearer token stands for: a person's session or a service key.

Each failure is logged as ``identity.authentication.failed`` with what went wrong
and, when known, the key or session id; the error says only whether the token is
unknown, expired, revoked or its user disabled. A key's secret is checked before
its state, so only a holder of the real secret learns that a key is revoked or
expired.
"""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

from sqlalchemy.orm import Session

from mamori.access.identity import repository
from mamori.access.identity.cache import DEFAULT_CACHE, VerificationCache
from mamori.access.identity.failures import HINTS, MESSAGES, fail
from mamori.access.identity.passwords import verify_secret
from mamori.access.identity.sessions import live_session
from mamori.access.identity.tokens import (
    KeyToken,
    looks_like_session_token,
    parse_key_token,
    token_digest,
)
from mamori.access.models import Principal, PrincipalKind, Role
from mamori.access.tables import ApiKeyRow
from mamori.core.clock import Clock
from mamori.core.ids import OrgId

# last_used_at is written at most this often per key, not on every request.
TOUCH_INTERVAL = dt.timedelta(seconds=60)


def authenticate(
    session: Session, clock: Clock, bearer_token: str, *, cache: VerificationCache = DEFAULT_CACHE
) -> Principal:
    """The principal ``bearer_token`` stands for; UnauthenticatedError (logged) if none."""
    key_token = parse_key_token(bearer_token)
    if key_token is not None:
        return _key_principal(session, clock, bearer_token, key_token, cache)
    if looks_like_session_token(bearer_token):
        return _session_principal(session, clock, bearer_token)
    _failed(session, clock, "unknown", {"credential": "unrecognized"})


def _session_principal(session: Session, clock: Clock, token: str) -> Principal:
    row, user = live_session(session, clock, token)
    return Principal(
        kind=PrincipalKind.USER,
        id=user.id,
        org_id=OrgId(user.org_id) if user.org_id else None,
        roles=frozenset(Role(role) for role in user.roles),
        mfa_verified_at=row.mfa_verified_at,
    )


def _key_principal(
    session: Session, clock: Clock, token: str, parsed: KeyToken, cache: VerificationCache
) -> Principal:
    now = clock.now()
    row = repository.key_for_token(session, parsed.key_id)
    if row is None:
        _failed(session, clock, "unknown", _key_details(parsed.key_id))
    _check_secret(session, clock, token, parsed, row, cache)
    if row.revoked_at is not None:
        _failed(session, clock, "revoked", _key_details(row.id), row.org_id)
    if row.expires_at <= now:
        _failed(session, clock, "expired", _key_details(row.id), row.org_id)
    repository.touch_key(session, row.id, now, now - TOUCH_INTERVAL)
    return Principal(
        kind=PrincipalKind.API_KEY,
        id=row.id,
        org_id=OrgId(row.org_id),
        roles=frozenset(Role(role) for role in row.roles),
        scopes=frozenset(row.scopes),
    )


def _check_secret(
    session: Session,
    clock: Clock,
    token: str,
    parsed: KeyToken,
    row: ApiKeyRow,
    cache: VerificationCache,
) -> None:
    """Argon2-verify the secret unless this very token matched this very hash a moment ago."""
    now = clock.now()
    digest = token_digest(token)
    if cache.verified(digest, row.id, row.secret_hash, now):
        return
    if not verify_secret(row.secret_hash, parsed.secret):
        details = {**_key_details(row.id), "detail": "wrong_secret"}
        _failed(session, clock, "unknown", details, row.org_id)
    cache.remember(digest, row.id, row.secret_hash, now)


def _key_details(key_id: str) -> dict[str, str]:
    return {"credential": "api_key", "key_id": key_id}


def _failed(
    session: Session,
    clock: Clock,
    reason: str,
    details: dict[str, str],
    org_id: str | None = None,
) -> NoReturn:
    credential = details.get("credential")
    message = MESSAGES[reason]
    if credential == "api_key":
        message = message.replace("the credential", "the API key")
    fail(
        session,
        clock,
        "identity.authentication.failed",
        reason=reason,
        message=message,
        hint=HINTS[reason],
        org_id=org_id,
        details=details,
    )
