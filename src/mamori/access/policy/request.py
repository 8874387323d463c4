"""Turn a principal, a capability, a resource and the facts read for them into a Cedar request.

The entity model (namespace ``Mamori``, typed by :mod:`mamori.access.policy.schema`):

- principal: ``User`` / ``ApiKey`` / ``Anonymous`` with ``org`` ("" for none), ``tier``
  (the organization's tier level, -1 for none), ``org_active``, ``staff`` (a program role
  and no organization) and, for keys, ``scopes``; its roles are its parents
  (``Mamori::Role::"analyst"``).
- resource: ``Asset`` (``org``, ``verified``; parents: its organization, and the requested
  engagement when the asset is in its scope), else ``Organization`` (``org``), else
  ``Program::"mamori"``.
- context: ``capability``, ``named_org`` (the organization the caller named, "" for
  none), ``now`` and engagement times in Unix seconds, ``mfa_age``
  (seconds since the second factor, -1 for none) against ``mfa_max_age``, the ``stops``
  in force, the ``quota`` (limit and uses before this one) and the ``engagement``.

Every attribute comes from the database or from the authenticated principal; the
organization a resource belongs to is the one its asset or engagement really has, not
the one the caller named.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from mamori.access.capabilities import Capability
from mamori.access.models import Principal, PrincipalKind, Resource
from mamori.access.policy.engine import CedarRequest
from mamori.access.policy.models import EngagementFacts, Facts
from mamori.access.policy.schema import NAMESPACE

USER = f"{NAMESPACE}::User"
API_KEY = f"{NAMESPACE}::ApiKey"
ANONYMOUS = f"{NAMESPACE}::Anonymous"
ROLE = f"{NAMESPACE}::Role"
PROGRAM = f"{NAMESPACE}::Program"
ORGANIZATION = f"{NAMESPACE}::Organization"
ASSET = f"{NAMESPACE}::Asset"
ENGAGEMENT = f"{NAMESPACE}::Engagement"

# One encoder for every request: ``json.dumps`` with options builds a new one per call.
_JSON = json.JSONEncoder(separators=(",", ":"))

_PRINCIPAL_TYPES = {
    PrincipalKind.USER: USER,
    PrincipalKind.API_KEY: API_KEY,
    PrincipalKind.ANONYMOUS: ANONYMOUS,
}


def build_request(
    principal: Principal,
    capability: Capability,
    resource: Resource,
    facts: Facts,
    *,
    now: dt.datetime,
    mfa_max_age: int,
) -> CedarRequest:
    """The Cedar request for one decision."""
    principal_entity = _principal_entity(principal, facts)
    resource_entity = _resource_entity(resource, facts)
    entities = [principal_entity, resource_entity]
    context = _context(principal, capability, resource, facts, now, mfa_max_age)
    if facts.engagement is not None:
        entities.append(_engagement_entity(facts.engagement))
        context["engagement"] = {"__entity": _uid(ENGAGEMENT, facts.engagement.id)}
    return CedarRequest(
        principal_type=principal_entity["uid"]["type"],
        principal_id=principal_entity["uid"]["id"],
        action=capability.name,
        resource_type=resource_entity["uid"]["type"],
        resource_id=resource_entity["uid"]["id"],
        entities=_JSON.encode(entities),
        context=_JSON.encode(context),
    )


def resource_org(resource: Resource, facts: Facts) -> str:
    """The organization the resource really belongs to ("" for the program itself)."""
    if resource.asset_id is not None and facts.asset is not None:
        return facts.asset.org_id
    if resource.asset_id is None and facts.engagement is not None:
        return facts.engagement.org_id
    return resource.org_id or ""


def _principal_entity(principal: Principal, facts: Facts) -> dict[str, Any]:
    if principal.kind is PrincipalKind.ANONYMOUS:
        attrs: dict[str, Any] = {"org": "", "tier": -1, "org_active": False, "staff": False}
        return _entity(ANONYMOUS, principal.id, attrs)
    org = facts.principal_org
    attrs = {
        "org": principal.org_id or "",
        "tier": org.tier.level if org is not None and org.tier is not None else -1,
        "org_active": org is not None and org.active,
        "staff": principal.is_program_staff and principal.org_id is None,
    }
    if principal.kind is PrincipalKind.API_KEY:
        attrs["scopes"] = sorted(principal.scopes or ())
    roles = sorted(role.value for role in principal.roles)
    parents = [_uid(ROLE, role) for role in roles]
    return _entity(_PRINCIPAL_TYPES[principal.kind], principal.id, attrs, parents)


def _resource_entity(resource: Resource, facts: Facts) -> dict[str, Any]:
    org = resource_org(resource, facts)
    if resource.asset_id is not None:
        asset = facts.asset
        parents = [_uid(ORGANIZATION, org)] if org else []
        if asset is not None and asset.in_engagement and facts.engagement is not None:
            parents.append(_uid(ENGAGEMENT, facts.engagement.id))
        verified = asset is not None and asset.verified
        return _entity(ASSET, resource.asset_id, {"org": org, "verified": verified}, parents)
    if org:
        return _entity(ORGANIZATION, org, {"org": org})
    return _entity(PROGRAM, "mamori", {"org": ""})


def _engagement_entity(engagement: EngagementFacts) -> dict[str, Any]:
    attrs = {
        "org": engagement.org_id,
        "status": engagement.status,
        "starts_at": _seconds(engagement.starts_at),
        "ends_at": _seconds(engagement.ends_at),
    }
    return _entity(ENGAGEMENT, engagement.id, attrs)


def _context(
    principal: Principal,
    capability: Capability,
    resource: Resource,
    facts: Facts,
    now: dt.datetime,
    mfa_max_age: int,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "capability": capability.name,
        "named_org": resource.org_id or "",
        "now": _seconds(now),
        "mfa_age": _mfa_age(principal, now),
        "mfa_max_age": mfa_max_age,
        "stops": [
            {"scope": scope, "org": org, "capability": name} for scope, org, name in facts.stops
        ],
    }
    if facts.quota is not None:
        context["quota"] = {"limit": facts.quota.limit, "used": facts.quota.used}
    return context


def _mfa_age(principal: Principal, now: dt.datetime) -> int:
    """Whole seconds since the second factor was verified; -1 if never (or in the future)."""
    if principal.kind is not PrincipalKind.USER or principal.mfa_verified_at is None:
        return -1
    age = int((now - principal.mfa_verified_at).total_seconds())
    return age if age >= 0 else -1


def _seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _uid(entity_type: str, entity_id: str) -> dict[str, str]:
    return {"type": entity_type, "id": entity_id}


def _entity(
    entity_type: str,
    entity_id: str,
    attrs: dict[str, Any],
    parents: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {"uid": _uid(entity_type, entity_id), "attrs": attrs, "parents": parents or []}
