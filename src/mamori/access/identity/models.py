"""Domain types of identity: people, their sessions and second factor, and service keys.

Nothing here ever holds a password hash or a key's hash. A secret the caller must
see (a session token, a new key's token, a TOTP secret) appears exactly once, in
the ``Issued…`` / enrollment value returned by the call that made it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from mamori.access.models import Role
from mamori.core.ids import ApiKeyId, OrgId, UserId

DEFAULT_KEY_DAYS = 90
MAX_KEY_DAYS = 365


@dataclass(frozen=True)
class NewUser:
    """A person to create: an organization's user (org roles) or program staff (org_id None)."""

    email: str
    display_name: str
    password: str = field(repr=False)
    roles: frozenset[Role]
    org_id: OrgId | None = None


@dataclass(frozen=True)
class User:
    """A person who can sign in."""

    id: UserId
    org_id: OrgId | None
    email: str
    display_name: str
    roles: frozenset[Role]
    totp_enabled: bool
    created_at: dt.datetime
    disabled_at: dt.datetime | None = None
    last_login_at: dt.datetime | None = None

    @property
    def disabled(self) -> bool:
        """Whether the user may no longer sign in."""
        return self.disabled_at is not None


@dataclass(frozen=True)
class TotpEnrollment:
    """A pending second factor: the secret and the ``otpauth://`` URI for an authenticator app."""

    secret: str = field(repr=False)
    provisioning_uri: str = field(repr=False)


@dataclass(frozen=True)
class UserSession:
    """A person's signed-in session (never its token)."""

    id: str
    user_id: UserId
    org_id: OrgId | None
    created_at: dt.datetime
    expires_at: dt.datetime
    mfa_verified_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


@dataclass(frozen=True)
class IssuedSession:
    """A new session and its bearer token, which is shown only this once."""

    token: str = field(repr=False)
    session: UserSession


@dataclass(frozen=True)
class NewApiKey:
    """A service key to create for an organization."""

    name: str
    scopes: frozenset[str]
    roles: frozenset[Role]
    expires_in_days: int = DEFAULT_KEY_DAYS


@dataclass(frozen=True)
class ApiKey:
    """A service key as anyone may list it: never its secret or hash."""

    id: ApiKeyId
    org_id: OrgId
    name: str
    scopes: frozenset[str]
    roles: frozenset[Role]
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None


@dataclass(frozen=True)
class IssuedApiKey:
    """A new key and its full token ``mmr_<id hex>_<secret>``, shown only this once."""

    token: str = field(repr=False)
    key: ApiKey
