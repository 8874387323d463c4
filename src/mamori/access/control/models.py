"""Domain types of emergency stops and quotas."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NewType

from mamori.access.models import StopScope
from mamori.core.ids import OrgId

StopId = NewType("StopId", str)


@dataclass(frozen=True)
class EmergencyStop:
    """A stop: in force from ``set_at`` until it is lifted."""

    id: StopId
    scope: StopScope
    org_id: OrgId | None
    capability: str | None
    reason: str
    set_by: str
    set_at: dt.datetime
    lifted_by: str | None = None
    lifted_at: dt.datetime | None = None
    lift_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    def to_details(self) -> dict[str, str | None]:
        """The stop as JSON-ready audit details."""
        return {
            "stop_id": self.id,
            "scope": self.scope.value,
            "org_id": self.org_id,
            "capability": self.capability,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class QuotaOverride:
    """An operator's limit for one organization and capability, replacing the default."""

    org_id: OrgId
    capability: str
    limit: int
    window_seconds: int
    set_by: str
    set_at: dt.datetime


@dataclass(frozen=True)
class QuotaUsage:
    """Where an organization stands against a capability's quota in the current window."""

    org_id: OrgId
    capability: str
    limit: int
    window_seconds: int
    window_start: int
    used: int

    @property
    def resets_at(self) -> dt.datetime:
        """When the current window ends and the count starts again."""
        return dt.datetime.fromtimestamp(self.window_start + self.window_seconds, dt.UTC)

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit


def window_start(now: dt.datetime, window_seconds: int) -> int:
    """The start (Unix seconds) of the fixed window of ``window_seconds`` that holds ``now``."""
    seconds = int(now.timestamp())
    return seconds - seconds % window_seconds
