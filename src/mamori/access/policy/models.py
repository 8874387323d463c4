"""What the gate knows: the policies it loaded, and the facts it reads for one decision."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from mamori.access.capabilities import QuotaLimit
from mamori.access.control.models import QuotaUsage
from mamori.access.models import Tier


class Denial(enum.Enum):
    """Which error a deny raises; a forbid policy names its own with ``@error("…")``."""

    DENIED = "denied"
    EMERGENCY_STOP = "emergency_stop"
    MFA_REQUIRED = "mfa_required"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class PolicyInfo:
    """One loaded policy: its ``@id``, what it means, and where it is written."""

    id: str
    effect: str
    reason: str
    denial: Denial
    file: str
    line: int

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class OrgFacts:
    """An organization as the database has it now (``tier`` None if it is not one mamori knows)."""

    id: str
    tier: Tier | None
    active: bool


@dataclass(frozen=True)
class AssetFacts:
    """An asset as the database has it now; ``in_engagement`` for the requested engagement."""

    id: str
    org_id: str
    verified: bool
    in_engagement: bool


@dataclass(frozen=True)
class EngagementFacts:
    id: str
    org_id: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class Facts:
    """Everything one decision reads from the database."""

    principal_org: OrgFacts | None
    asset: AssetFacts | None
    engagement: EngagementFacts | None
    stops: tuple[tuple[str, str, str], ...]
    quota: QuotaUsage | None
    # The quota limit in force for the principal's organization (None: unlimited, or no
    # organization to count against); ``quota`` is where the organization stands against
    # it in the current window, its ``used`` the uses before this request.
    limit: QuotaLimit | None = None


@dataclass(frozen=True)
class CedarRequest:
    """One request in Cedar's terms; ``entities`` and ``context`` are JSON text."""

    principal_type: str
    principal_id: str
    action: str
    resource_type: str
    resource_id: str
    entities: str
    context: str
