"""Secrets at rest: Argon2id hashes for passwords and API key secrets.

argon2-cffi's defaults are RFC 9106's low-memory profile (Argon2id, 64 MiB, t=3),
which costs tens of milliseconds per hash: cheap for a sign-in, expensive for a
guesser. Nothing here logs or returns a hash to anyone but the repository.
"""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mamori.core.errors import InvalidInputError

MIN_PASSWORD_LENGTH = 12
# Bounds the hashing work one request can ask for.
MAX_PASSWORD_LENGTH = 1024

_HASHER = PasswordHasher()


def check_password_rules(password: str, *, where: str = "password") -> None:
    """Raise InvalidInputError unless ``password`` is long enough and not absurdly long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"the password is too short: it needs at least {MIN_PASSWORD_LENGTH} characters",
            where=where,
            hint="use a passphrase of several words",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"the password is longer than {MAX_PASSWORD_LENGTH} characters", where=where
        )


def hash_secret(secret: str) -> str:
    """An Argon2id hash of ``secret`` (a password or a key's secret), salted."""
    return _HASHER.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    """Whether ``secret`` matches ``stored_hash``; a malformed hash never matches."""
    try:
        return _HASHER.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with weaker parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return False


def burn_verification(secret: str) -> None:
    """Spend the same work as a real verification, so an unknown account takes as long."""
    verify_secret(_dummy_hash(), secret)


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))
