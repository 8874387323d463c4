"""The Cedar side of the capability registry: the schema policies are checked against, and
the action entities (each capability under the groups it belongs to).

Both are derived from :data:`mamori.access.capabilities.CAPABILITIES`, so a policy can say
``action in Mamori::Action::"high-risk"`` and the registry alone decides which actions that is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from mamori.access.capabilities import CAPABILITIES, Capability
from mamori.access.models import Tier

NAMESPACE = "Mamori"
ACTION_TYPE = f"{NAMESPACE}::Action"

# Action groups: a capability is a member of each group whose property it has.
GROUPS = (
    "public",
    "tier-registered",
    "tier-verified",
    "tier-trusted",
    "high-risk",
    "org-scoped",
    "needs-verified-asset",
    "needs-engagement",
    "stoppable",
)

ENTITY_TYPES = """
namespace Mamori {
  entity Role;
  entity Program { org: String };
  entity Organization { org: String };
  entity Engagement {
    org: String,
    status: String,
    starts_at: Long,
    ends_at: Long,
  };
  entity Asset in [Organization, Engagement] { org: String, verified: Bool };
  entity User in [Role] { org: String, tier: Long, org_active: Bool, staff: Bool };
  entity ApiKey in [Role] {
    org: String,
    tier: Long,
    org_active: Bool,
    staff: Bool,
    scopes: Set<String>,
  };
  entity Anonymous { org: String, tier: Long, org_active: Bool, staff: Bool };

  type Stop = { scope: String, org: String, capability: String };
  type Context = {
    capability: String,
    named_org: String,
    mfa_fresh: Bool,
    engagement_open: Bool,
    quota_exhausted: Bool,
    stops: Set<Stop>,
    engagement?: Engagement,
  };
"""

_APPLIES_TO = (
    "appliesTo { principal: [User, ApiKey, Anonymous], "
    "resource: [Program, Organization, Asset], context: Context }"
)


def groups_of(capability: Capability) -> tuple[str, ...]:
    """The action groups ``capability`` belongs to."""
    tier_group = {
        Tier.REGISTERED: "tier-registered",
        Tier.VERIFIED: "tier-verified",
        Tier.TRUSTED: "tier-trusted",
        None: None,
    }[capability.min_tier]
    flags = {
        "public": capability.public,
        "high-risk": capability.high_risk,
        "org-scoped": capability.target.org_scoped,
        "needs-verified-asset": capability.target.needs_verified_asset,
        "needs-engagement": capability.needs_engagement,
        "stoppable": capability.stoppable,
    }
    named = [tier_group] + [group for group, member in flags.items() if member]
    return tuple(group for group in GROUPS if group in named)


def _action_lines() -> Iterator[str]:
    for group in GROUPS:
        yield f'  action "{group}";'
    for capability in CAPABILITIES.values():
        parents = ", ".join(f'"{group}"' for group in groups_of(capability))
        membership = f" in [{parents}]" if parents else ""
        yield f'  action "{capability.name}"{membership} {_APPLIES_TO};'


def schema_text() -> str:
    """The Cedar schema (human-readable syntax) that every policy file must type-check against."""
    return ENTITY_TYPES + "\n".join(_action_lines()) + "\n}\n"


def action_entities_json() -> str:
    """Every capability and group as a Cedar action entity, with its groups as parents."""
    entities: list[dict[str, Any]] = [
        {"uid": _action(group), "attrs": {}, "parents": []} for group in GROUPS
    ]
    entities += [
        {
            "uid": _action(capability.name),
            "attrs": {},
            "parents": [_action(group) for group in groups_of(capability)],
        }
        for capability in CAPABILITIES.values()
    ]
    return json.dumps(entities)


def _action(name: str) -> dict[str, str]:
    return {"type": ACTION_TYPE, "id": name}
