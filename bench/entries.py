"""Generated log entries shaped like the gate's decisions, the same for mamori and its peer."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from mamori.access.capabilities import CAPABILITIES
from mamori.audit.canonical import canonical_bytes, entry_body
from mamori.audit.models import EntryKind, NewEntry

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ORGS = 20
ACTORS_PER_ORG = 10
_POLICIES = {
    True: ("permit-analyst-engines", "permit-org-admin-records", "permit-operator-program"),
    False: ("no-permit", "forbid-cross-organization", "forbid-below-verified", "forbid-anonymous"),
}


def decisions(count: int, seed: int, first: int = 0) -> list[NewEntry]:
    """``count`` decision entries (allowed and denied, across 20 organizations), from
    position ``first`` of the sequence that ``seed`` determines."""
    rng = random.Random(f"{seed}:{first}")
    capabilities = sorted(CAPABILITIES)
    return [_decision(rng, capabilities, first + offset) for offset in range(count)]


def batches(total: int, size: int, seed: int) -> Iterator[list[NewEntry]]:
    """The entries of a ``total``-entry log, ``size`` at a time (never all in memory)."""
    for first in range(0, total, size):
        yield decisions(min(size, total - first), seed, first)


def canonical(entries: list[NewEntry], first_index: int) -> list[bytes]:
    """The exact bytes mamori's log hashes for these entries at these indices."""
    return [
        canonical_bytes(entry_body(first_index + offset, entry))
        for offset, entry in enumerate(entries)
    ]


def _decision(rng: random.Random, capabilities: list[str], position: int) -> NewEntry:
    org = rng.randrange(ORGS)
    allowed = rng.random() < 0.7
    capability = rng.choice(capabilities)
    policy = rng.choice(_POLICIES[allowed])
    org_id = f"org_{org:032x}"
    return NewEntry(
        kind=EntryKind.DECISION,
        action="access.authorize",
        actor=f"api_key:key_{org * ACTORS_PER_ORG + rng.randrange(ACTORS_PER_ORG):032x}",
        org_id=org_id,
        at=START + dt.timedelta(milliseconds=position),
        details={
            "capability": capability,
            "outcome": "allow" if allowed else "deny",
            "policies": [policy],
            "reason": ("allowed by " if allowed else "denied by ") + policy,
            "resource": f"org:{org_id}",
        },
    )
