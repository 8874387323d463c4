"""Bearer tokens: a person's session token and a service key's ``mmr_<id>_<secret>``.

A session token is 32 random bytes (URL-safe base64, 43 characters) kept only as
its SHA-256. A key token names its key so that the one Argon2 hash to check can
be found without scanning: ``mmr_<32 hex>_<43 URL-safe characters>``, for the key
row ``key_<32 hex>``. The two shapes have different lengths, so no token is both.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field

from mamori.core.ids import ApiKeyId

KEY_TOKEN_PREFIX = "mmr_"  # noqa: S105 - a public marker, not a secret
KEY_ID_PREFIX = "key_"
_SECRET_BYTES = 32
_KEY_TOKEN = re.compile(r"mmr_(?P<hex>[0-9a-f]{32})_(?P<secret>[A-Za-z0-9_-]{43})")
_SESSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class KeyToken:
    """A key token split into the key's id and its secret."""

    key_id: ApiKeyId
    secret: str = field(repr=False)


def new_session_token() -> str:
    """A fresh session token."""
    return secrets.token_urlsafe(_SECRET_BYTES)


def token_digest(token: str) -> str:
    """The SHA-256 (hex) of a token: what a session row keeps, and the cache's key."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_key_token(key_id: ApiKeyId) -> tuple[str, str]:
    """A fresh secret for ``key_id`` and the full token that carries both."""
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    return f"{KEY_TOKEN_PREFIX}{key_id.removeprefix(KEY_ID_PREFIX)}_{secret}", secret


def parse_key_token(token: str) -> KeyToken | None:
    """The key id and secret in ``token``, or None if it is not shaped like a key token."""
    match = _KEY_TOKEN.fullmatch(token)
    if match is None:
        return None
    return KeyToken(ApiKeyId(KEY_ID_PREFIX + match["hex"]), match["secret"])


def looks_like_session_token(token: str) -> bool:
    """Whether ``token`` has the shape of a session token."""
    return _SESSION_TOKEN.fullmatch(token) is not None
