"""The capabilities an API key may be scoped to: any name in the program's registry."""

from __future__ import annotations

from mamori.access.capabilities import CAPABILITIES
from mamori.core.errors import InvalidInputError


def check_scopes(scopes: frozenset[str], *, where: str = "scopes") -> None:
    """Raise InvalidInputError unless ``scopes`` is a non-empty set of known capabilities."""
    if not scopes:
        raise InvalidInputError(
            "a key needs at least one capability in its scopes",
            where=where,
            hint="name the capabilities the service will use, e.g. detection.hunt",
        )
    unknown = sorted(scopes - CAPABILITIES.keys())
    if unknown:
        raise InvalidInputError(
            f"unknown capabilities: {', '.join(unknown)}",
            where=where,
            hint=f"choose from: {', '.join(sorted(CAPABILITIES))}",
        )
