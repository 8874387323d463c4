"""Domain types of assets, ownership proofs and engagements."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from mamori.access.models import AssetKind, AssetStatus, EngagementStatus, ProofMethod
from mamori.core.ids import AssetId, EngagementId, OrgId

# A reason is shown to the organization and written to the audit log: short, and never
# the fetched content itself.
MAX_REASON_CHARS = 200


@dataclass(frozen=True)
class Asset:
    """Something an organization registered, and how far its ownership is proven."""

    id: AssetId
    org_id: OrgId
    kind: AssetKind
    value: str
    proof_method: ProofMethod
    challenge_token: str
    status: AssetStatus
    verified_at: dt.datetime | None
    last_checked_at: dt.datetime | None
    last_error: str | None
    created_at: dt.datetime

    @property
    def is_verified(self) -> bool:
        return self.status is AssetStatus.VERIFIED


@dataclass(frozen=True)
class ProofInstruction:
    """Exactly what to publish, and where, to prove ownership with one method."""

    method: ProofMethod
    location: str
    content: str
    text: str


@dataclass(frozen=True)
class Registration:
    """A newly registered asset and the ways its challenge can be published."""

    asset: Asset
    instructions: tuple[ProofInstruction, ...]


class ProofOutcome(enum.Enum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    ERROR = "error"


@dataclass(frozen=True)
class ProofResult:
    """What a verifier saw: the token found, not found, or no answer at all."""

    outcome: ProofOutcome
    reason: str

    def __post_init__(self) -> None:
        if len(self.reason) > MAX_REASON_CHARS:
            object.__setattr__(self, "reason", self.reason[: MAX_REASON_CHARS - 1] + "…")

    @property
    def found(self) -> bool:
        return self.outcome is ProofOutcome.FOUND

    @classmethod
    def proven(cls, reason: str) -> ProofResult:
        """The token is published where it should be."""
        return cls(ProofOutcome.FOUND, reason)

    @classmethod
    def missing(cls, reason: str) -> ProofResult:
        """The place was reached, and the token is not there."""
        return cls(ProofOutcome.NOT_FOUND, reason)

    @classmethod
    def failed(cls, reason: str) -> ProofResult:
        """The place could not be checked (timeout, refused, not a repository…)."""
        return cls(ProofOutcome.ERROR, reason)


@dataclass(frozen=True)
class Engagement:
    """A time-boxed red-team engagement over some of an organization's verified assets."""

    id: EngagementId
    org_id: OrgId
    purpose: str
    status: EngagementStatus
    starts_at: dt.datetime
    ends_at: dt.datetime
    asset_ids: tuple[AssetId, ...]
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None

    def is_open_at(self, at: dt.datetime) -> bool:
        """Whether ``at`` falls inside the window (start inclusive, end exclusive)."""
        return self.starts_at <= at < self.ends_at
