"""What identity does, in one place: people, their second factor and sessions, service keys,
and turning a bearer token into a :class:`~mamori.access.models.Principal`.

Functions take the caller's SQLAlchemy ``Session`` and never commit. The three
that can fail authentication (:func:`authenticate`, :func:`login`,
:func:`step_up`) also accept a :class:`~mamori.store.engine.Database`: they then
run in a transaction of their own that keeps the failure's log entry even though
they raise.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mamori.access.identity import authentication, sessions
from mamori.access.identity.cache import DEFAULT_CACHE, VerificationCache
from mamori.access.identity.failures import keeping_failures
from mamori.access.identity.keys import create_api_key, get_api_key, list_api_keys, revoke_api_key
from mamori.access.identity.models import IssuedSession, UserSession
from mamori.access.identity.second_factor import confirm_totp, enroll_totp
from mamori.access.identity.sessions import logout
from mamori.access.identity.users import (
    create_user,
    disable_user,
    ensure_email_free,
    get_user,
    list_users,
    normalize_email,
)
from mamori.access.models import Principal
from mamori.core.clock import Clock
from mamori.store.engine import Database

__all__ = [
    "authenticate",
    "confirm_totp",
    "create_api_key",
    "create_user",
    "disable_user",
    "enroll_totp",
    "ensure_email_free",
    "get_api_key",
    "get_user",
    "list_api_keys",
    "list_users",
    "login",
    "logout",
    "normalize_email",
    "revoke_api_key",
    "step_up",
]


def authenticate(
    store: Database | Session,
    clock: Clock,
    bearer_token: str,
    *,
    cache: VerificationCache = DEFAULT_CACHE,
) -> Principal:
    """The principal a bearer token (session token or API key) stands for.

    Raises UnauthenticatedError saying whether the token is unknown, expired,
    revoked or its user disabled; the failure is logged.
    """
    return keeping_failures(
        store, lambda s: authentication.authenticate(s, clock, bearer_token, cache=cache)
    )


def login(
    store: Database | Session,
    clock: Clock,
    email: str,
    password: str,
    totp_code: str | None = None,
    *,
    ttl_seconds: int,
) -> IssuedSession:
    """Sign a person in (``ttl_seconds``: settings.session_ttl_seconds); the token is shown once.

    Raises UnauthenticatedError with one generic message for every failure; logged.
    """
    return keeping_failures(
        store,
        lambda s: sessions.login(s, clock, email, password, totp_code, ttl_seconds=ttl_seconds),
    )


def step_up(store: Database | Session, clock: Clock, token: str, code: str) -> UserSession:
    """Refresh the session's second-factor time with a current TOTP code."""
    return keeping_failures(store, lambda s: sessions.step_up(s, clock, token, code))
