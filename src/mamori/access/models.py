"""Domain types shared across the program: tiers, roles, principals, resources, decisions."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from mamori.core.ids import AssetId, EngagementId, OrgId


class Tier(enum.Enum):
    """How far an organization is trusted; each tier includes the ones below it."""

    REGISTERED = "registered"
    VERIFIED = "verified"
    TRUSTED = "trusted"

    @property
    def level(self) -> int:
        return _TIER_LEVELS[self]


_TIER_LEVELS = {Tier.REGISTERED: 0, Tier.VERIFIED: 1, Tier.TRUSTED: 2}


class Role(enum.Enum):
    """Organization roles and the two program roles."""

    ORG_ADMIN = "org_admin"
    ANALYST = "analyst"
    RED_TEAMER = "red_teamer"
    AUDITOR = "auditor"
    OPERATOR = "operator"
    REGULATOR = "regulator"

    @property
    def is_program_role(self) -> bool:
        return self in (Role.OPERATOR, Role.REGULATOR)


class OrgStatus(enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class ApplicationState(enum.Enum):
    """Where an application for verification stands."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    PROVISIONED = "provisioned"
    READY = "ready"
    REJECTED = "rejected"


class AssetKind(enum.Enum):
    REPOSITORY = "repository"
    HOST = "host"
    CIDR = "cidr"
    DOMAIN = "domain"


class ProofMethod(enum.Enum):
    """How an organization proves that it owns an asset."""

    DNS_TXT = "dns_txt"
    WELL_KNOWN = "well_known"
    REPOSITORY = "repository"


class AssetStatus(enum.Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"


class EngagementStatus(enum.Enum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class StopScope(enum.Enum):
    """What an emergency stop halts."""

    GLOBAL = "global"
    ORGANIZATION = "organization"
    CAPABILITY = "capability"
    ORGANIZATION_CAPABILITY = "organization_capability"


class PrincipalKind(enum.Enum):
    USER = "user"
    API_KEY = "api_key"
    ANONYMOUS = "anonymous"
    # The platform acting on its own on the host (first-run bootstrap, demo seeding).
    # It is never presented to the authorizer: its entries in the log name it as such.
    SYSTEM = "system"


@dataclass(frozen=True)
class Principal:
    """Who is asking: a person, a service key, or nobody yet (applicants, logins)."""

    kind: PrincipalKind
    id: str
    org_id: OrgId | None = None
    roles: frozenset[Role] = frozenset()
    scopes: frozenset[str] | None = None
    mfa_verified_at: dt.datetime | None = None

    @property
    def is_program_staff(self) -> bool:
        return any(role.is_program_role for role in self.roles)

    @property
    def label(self) -> str:
        """How the audit log names this principal, e.g. ``user:usr_…``."""
        return f"{self.kind.value}:{self.id}"


ANONYMOUS = Principal(kind=PrincipalKind.ANONYMOUS, id="anonymous")


@dataclass(frozen=True)
class Resource:
    """What a capability is used on: an organization, and maybe one of its assets or engagements."""

    org_id: OrgId | None = None
    asset_id: AssetId | None = None
    engagement_id: EngagementId | None = None
    attributes: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        parts = [
            f"{name}:{value}"
            for name, value in (
                ("org", self.org_id),
                ("asset", self.asset_id),
                ("engagement", self.engagement_id),
            )
            if value
        ]
        return "/".join(parts) or "program"


@dataclass(frozen=True)
class Decision:
    """The outcome of one authorization: allowed or not, and the policies that decided."""

    allowed: bool
    action: str
    principal: str
    resource: str
    policies: tuple[str, ...]
    reason: str
    audit_index: int | None = None
