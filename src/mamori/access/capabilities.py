"""Every capability mamori gates, with what the one authorization point needs to know about it.

This registry says what a capability *is* (its tier, whether it is high-risk, what it
targets, whether an emergency stop or an engagement applies, its default quota). Who may
use it is written in the Cedar policy files under ``access/policy/policies``; a test keeps
the two in step.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from mamori.access.errors import AccessError
from mamori.access.models import Tier
from mamori.core.errors import ErrorKind


class Target(enum.Enum):
    """What a capability is used on."""

    PROGRAM = "program"
    ORGANIZATION = "organization"
    ASSET = "asset"
    ENGAGEMENT = "engagement"

    @property
    def org_scoped(self) -> bool:
        """Whether the capability acts on one organization's data (and so never crosses orgs)."""
        return self is not Target.PROGRAM

    @property
    def needs_verified_asset(self) -> bool:
        return self in (Target.ASSET, Target.ENGAGEMENT)


@dataclass(frozen=True)
class QuotaLimit:
    """At most ``limit`` uses per fixed window of ``window_seconds``."""

    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Capability:
    """One gated capability and the facts the authorization point needs about it."""

    name: str
    description: str
    min_tier: Tier | None
    target: Target
    high_risk: bool = False
    needs_engagement: bool = False
    stoppable: bool = True
    default_quota: QuotaLimit | None = None
    public: bool = False


class UnknownCapabilityError(AccessError):
    """A capability name that is not in the registry."""

    kind = ErrorKind.INVALID
    code = "access.unknown_capability"


HOUR = 3600
DAY = 24 * HOUR

# The program's own controls (program.* but applying, engagement review, audit.*) are
# never halted by an emergency stop, so that a stop can always be read, lifted and
# audited, an organization suspended and an engagement cancelled while one is in force.
CAPABILITIES: dict[str, Capability] = {
    "program.apply": Capability(
        name="program.apply",
        description="apply for verification",
        min_tier=None,
        target=Target.PROGRAM,
        public=True,
    ),
    "program.application.read": Capability(
        name="program.application.read",
        description="read applications for verification",
        min_tier=None,
        target=Target.ORGANIZATION,
        stoppable=False,
    ),
    "program.application.review": Capability(
        name="program.application.review",
        description="approve, reject or provision an application",
        min_tier=None,
        target=Target.ORGANIZATION,
        high_risk=True,
        stoppable=False,
    ),
    "program.org.read": Capability(
        name="program.org.read",
        description="read an organization's record",
        min_tier=None,
        target=Target.ORGANIZATION,
        stoppable=False,
    ),
    "program.org.tier": Capability(
        name="program.org.tier",
        description="change an organization's tier",
        min_tier=None,
        target=Target.ORGANIZATION,
        high_risk=True,
        stoppable=False,
    ),
    "program.org.suspend": Capability(
        name="program.org.suspend",
        description="suspend or reinstate an organization",
        min_tier=None,
        target=Target.ORGANIZATION,
        high_risk=True,
        stoppable=False,
    ),
    "program.stop.read": Capability(
        name="program.stop.read",
        description="list emergency stops",
        min_tier=None,
        target=Target.PROGRAM,
        stoppable=False,
    ),
    "program.stop.set": Capability(
        name="program.stop.set",
        description="set an emergency stop",
        min_tier=None,
        target=Target.PROGRAM,
        high_risk=True,
        stoppable=False,
    ),
    "program.stop.lift": Capability(
        name="program.stop.lift",
        description="lift an emergency stop",
        min_tier=None,
        target=Target.PROGRAM,
        high_risk=True,
        stoppable=False,
    ),
    "program.quota.set": Capability(
        name="program.quota.set",
        description="set an organization's quota for a capability",
        min_tier=None,
        target=Target.ORGANIZATION,
        high_risk=True,
        stoppable=False,
    ),
    "program.staff.read": Capability(
        name="program.staff.read",
        description="list the program's operators and regulators",
        min_tier=None,
        target=Target.PROGRAM,
        stoppable=False,
    ),
    "program.staff.manage": Capability(
        name="program.staff.manage",
        description="add or disable the program's operators and regulators",
        min_tier=None,
        target=Target.PROGRAM,
        high_risk=True,
        stoppable=False,
    ),
    "identity.user.read": Capability(
        name="identity.user.read",
        description="list an organization's users",
        min_tier=Tier.REGISTERED,
        target=Target.ORGANIZATION,
    ),
    "identity.user.manage": Capability(
        name="identity.user.manage",
        description="add, change or disable an organization's users",
        min_tier=Tier.REGISTERED,
        target=Target.ORGANIZATION,
        high_risk=True,
        # Revoking a leaked key or disabling a person must work during an incident.
        stoppable=False,
    ),
    "identity.key.read": Capability(
        name="identity.key.read",
        description="list an organization's API keys",
        min_tier=Tier.REGISTERED,
        target=Target.ORGANIZATION,
    ),
    "identity.key.manage": Capability(
        name="identity.key.manage",
        description="create or revoke an organization's API keys",
        min_tier=Tier.REGISTERED,
        target=Target.ORGANIZATION,
        high_risk=True,
        # Revoking a leaked key or disabling a person must work during an incident.
        stoppable=False,
    ),
    "assets.read": Capability(
        name="assets.read",
        description="list an organization's assets",
        min_tier=Tier.REGISTERED,
        target=Target.ORGANIZATION,
    ),
    "assets.manage": Capability(
        name="assets.manage",
        description="register assets and prove their ownership",
        min_tier=Tier.REGISTERED,
        target=Target.ORGANIZATION,
    ),
    "engagements.read": Capability(
        name="engagements.read",
        description="read an organization's engagements",
        min_tier=Tier.VERIFIED,
        target=Target.ORGANIZATION,
    ),
    "engagements.request": Capability(
        name="engagements.request",
        description="request a red-team engagement",
        min_tier=Tier.TRUSTED,
        target=Target.ORGANIZATION,
    ),
    "engagements.review": Capability(
        name="engagements.review",
        description="approve, reject or cancel an engagement",
        min_tier=None,
        target=Target.ORGANIZATION,
        high_risk=True,
        stoppable=False,
    ),
    "audit.read": Capability(
        name="audit.read",
        description="read transparency-log entries",
        min_tier=None,
        target=Target.ORGANIZATION,
        stoppable=False,
    ),
    "audit.verify": Capability(
        name="audit.verify",
        description="fetch checkpoints and proofs to verify the log",
        min_tier=None,
        # Organization-scoped: an inclusion proof under /orgs/{org_id} shows that org's entries.
        target=Target.ORGANIZATION,
        stoppable=False,
    ),
    "demo.read": Capability(
        name="demo.read",
        description="read demo data",
        min_tier=Tier.REGISTERED,
        target=Target.ORGANIZATION,
    ),
    "intel.read": Capability(
        name="intel.read",
        description="read shared threat intelligence",
        min_tier=Tier.REGISTERED,
        target=Target.ORGANIZATION,
    ),
    "intel.share": Capability(
        name="intel.share",
        description="share indicators with the sector",
        min_tier=Tier.VERIFIED,
        target=Target.ORGANIZATION,
        default_quota=QuotaLimit(10_000, HOUR),
    ),
    "detection.hunt": Capability(
        name="detection.hunt",
        description="run detection rules over the organization's events",
        min_tier=Tier.VERIFIED,
        target=Target.ORGANIZATION,
    ),
    "vulnscan.scan": Capability(
        name="vulnscan.scan",
        description="scan a verified asset for vulnerabilities",
        min_tier=Tier.VERIFIED,
        target=Target.ASSET,
        default_quota=QuotaLimit(1_000, HOUR),
    ),
    "anomaly.score": Capability(
        name="anomaly.score",
        description="score transactions and behaviour",
        min_tier=Tier.VERIFIED,
        target=Target.ORGANIZATION,
    ),
    "assist.query": Capability(
        name="assist.query",
        description="ask a model to triage or explain",
        min_tier=Tier.VERIFIED,
        target=Target.ORGANIZATION,
        default_quota=QuotaLimit(2_000, HOUR),
    ),
    "assist.research": Capability(
        name="assist.research",
        description="unrestricted model use for vulnerability research",
        min_tier=Tier.TRUSTED,
        target=Target.ENGAGEMENT,
        high_risk=True,
        needs_engagement=True,
        default_quota=QuotaLimit(500, DAY),
    ),
    "redteam.emulate": Capability(
        name="redteam.emulate",
        description="emulate an adversary against an engagement's assets",
        min_tier=Tier.TRUSTED,
        target=Target.ENGAGEMENT,
        high_risk=True,
        needs_engagement=True,
        default_quota=QuotaLimit(200, DAY),
    ),
}


def get_capability(name: str) -> Capability:
    """The capability called ``name``; raises :class:`UnknownCapabilityError` if none is."""
    try:
        return CAPABILITIES[name]
    except KeyError:
        raise UnknownCapabilityError(
            f"unknown capability {name!r}",
            where="capability",
            hint="use one of the names in mamori.access.capabilities.CAPABILITIES",
        ) from None


def limit_in_force(capability: str, own: QuotaLimit | None) -> QuotaLimit | None:
    """The organization's ``own`` limit when it has one, else the capability's default."""
    if own is not None:
        return own
    known = CAPABILITIES.get(capability)
    return None if known is None else known.default_quota
