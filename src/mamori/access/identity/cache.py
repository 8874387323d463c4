"""A small in-process memory of key tokens whose Argon2 hash was verified a moment ago.

Argon2 makes each verification cost tens of milliseconds, which would cap a
service's request rate. The cache lets a token skip *only the hash*: the key's
row is still read on every request, so a revocation, an expiry or a new secret
takes effect on the very next one. Entries are keyed by the SHA-256 of the whole
token (never the token itself), remember the stored hash they were checked
against, live about a minute and are bounded in number.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

DEFAULT_TTL_SECONDS = 60
DEFAULT_MAX_ENTRIES = 4096


@dataclass(frozen=True)
class _Entry:
    key_id: str
    secret_hash: str
    verified_at: dt.datetime


class VerificationCache:
    """Recently verified (token digest → key id, stored hash), least recently used out first."""

    def __init__(
        self, *, ttl_seconds: int = DEFAULT_TTL_SECONDS, max_entries: int = DEFAULT_MAX_ENTRIES
    ) -> None:
        self._ttl = dt.timedelta(seconds=ttl_seconds)
        self._max = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def verified(self, digest: str, key_id: str, secret_hash: str, now: dt.datetime) -> bool:
        """Whether this token was verified against exactly this key and hash within the TTL."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return False
            fresh = entry.verified_at <= now < entry.verified_at + self._ttl
            if not fresh or entry.key_id != key_id or entry.secret_hash != secret_hash:
                del self._entries[digest]
                return False
            self._entries.move_to_end(digest)
            return True

    def remember(self, digest: str, key_id: str, secret_hash: str, now: dt.datetime) -> None:
        """Record a successful verification."""
        with self._lock:
            self._entries[digest] = _Entry(key_id, secret_hash, now)
            self._entries.move_to_end(digest)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def forget(self, key_id: str) -> None:
        """Drop every entry for ``key_id`` (after a revocation, in this process)."""
        with self._lock:
            for digest in [d for d, e in self._entries.items() if e.key_id == key_id]:
                del self._entries[digest]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


DEFAULT_CACHE = VerificationCache()
