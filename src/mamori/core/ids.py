"""Identifiers: a short type prefix and 128 random bits, e.g. ``org_5f0c…``."""

from __future__ import annotations

import re
import secrets
from typing import NewType

OrgId = NewType("OrgId", str)
UserId = NewType("UserId", str)
ApiKeyId = NewType("ApiKeyId", str)
AssetId = NewType("AssetId", str)
EngagementId = NewType("EngagementId", str)
ApplicationId = NewType("ApplicationId", str)

_ID = re.compile(r"^[a-z]{2,8}_[0-9a-f]{32}$")


def new_id(prefix: str) -> str:
    """A fresh identifier with the given type prefix."""
    return f"{prefix}_{secrets.token_hex(16)}"


def looks_like_id(value: str, prefix: str | None = None) -> bool:
    """Whether ``value`` has the shape of an id (and, if given, the prefix)."""
    if not _ID.match(value):
        return False
    return prefix is None or value.startswith(prefix + "_")
