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
  none), the ``stops`` in force, the ``engagement``, and three answers the gate works
  out from the clock and the quota count: ``mfa_fresh`` (a person's second factor was
  verified at most ``mfa_max_age`` whole seconds ago), ``engagement_open`` (now, in
  whole seconds, is inside the engagement's window) and ``quota_exhausted`` (the
  organization has used its quota in this window).

Every attribute comes from the database or from the authenticated principal; the
organization a resource belongs to is the one its asset or engagement really has, not
the one the caller named.

A request is built from :class:`Inputs` alone, so equal inputs always make the same
request: that is what lets the engine memoize decisions by their inputs. The clock
and the quota's count enter only through the three booleans, so a question asked again
a second later, or one use later, has the same inputs until one of them flips.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from mamori.access.capabilities import Capability
from mamori.access.models import Principal, PrincipalKind, Resource, Role
from mamori.access.policy.models import (
    AssetFacts,
    CedarRequest,
    EngagementFacts,
    Facts,
    OrgFacts,
)
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


@dataclass(frozen=True)
class Inputs:
    """Everything one Cedar request is built from, and nothing else."""

    kind: PrincipalKind
    principal_id: str
    org_id: str | None
    roles: frozenset[Role]
    scopes: frozenset[str] | None
    capability: str
    named_org: str | None
    asset_id: str | None
    engagement_id: str | None
    principal_org: OrgFacts | None
    asset: AssetFacts | None
    engagement: EngagementFacts | None
    stops: tuple[tuple[str, str, str], ...]
    mfa_fresh: bool
    engagement_open: bool
    quota_exhausted: bool


def decision_inputs(
    principal: Principal,
    capability: Capability,
    resource: Resource,
    facts: Facts,
    *,
    now: dt.datetime,
    mfa_max_age: int,
) -> Inputs:
    """The inputs of one decision, with the clock and the quota count already weighed."""
    return Inputs(
        kind=principal.kind,
        principal_id=principal.id,
        org_id=principal.org_id,
        roles=principal.roles,
        scopes=principal.scopes,
        capability=capability.name,
        named_org=resource.org_id,
        asset_id=resource.asset_id,
        engagement_id=resource.engagement_id,
        principal_org=facts.principal_org,
        asset=facts.asset,
        engagement=facts.engagement,
        stops=facts.stops,
        mfa_fresh=0 <= _mfa_age(principal, now) <= mfa_max_age,
        engagement_open=_window_open(facts.engagement, now),
        quota_exhausted=facts.quota is not None and facts.quota.exhausted,
    )


def cedar_request(inputs: Inputs) -> CedarRequest:
    """The Cedar request for ``inputs``."""
    principal_entity = _principal_entity(inputs)
    resource_entity = _resource_entity(inputs)
    entities = [principal_entity, resource_entity]
    context = _context(inputs)
    if inputs.engagement is not None:
        entities.append(_engagement_entity(inputs.engagement))
        context["engagement"] = {"__entity": _uid(ENGAGEMENT, inputs.engagement.id)}
    return CedarRequest(
        principal_type=principal_entity["uid"]["type"],
        principal_id=principal_entity["uid"]["id"],
        action=inputs.capability,
        resource_type=resource_entity["uid"]["type"],
        resource_id=resource_entity["uid"]["id"],
        entities=_JSON.encode(entities),
        context=_JSON.encode(context),
    )


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
    inputs = decision_inputs(
        principal, capability, resource, facts, now=now, mfa_max_age=mfa_max_age
    )
    return cedar_request(inputs)


def resource_org(resource: Resource, facts: Facts) -> str:
    """The organization the resource really belongs to ("" for the program itself)."""
    return _owner(resource.org_id, resource.asset_id, facts.asset, facts.engagement)


def _owner(
    named_org: str | None,
    asset_id: str | None,
    asset: AssetFacts | None,
    engagement: EngagementFacts | None,
) -> str:
    if asset_id is not None and asset is not None:
        return asset.org_id
    if asset_id is None and engagement is not None:
        return engagement.org_id
    return named_org or ""


def _principal_entity(inputs: Inputs) -> dict[str, Any]:
    if inputs.kind is PrincipalKind.ANONYMOUS:
        attrs: dict[str, Any] = {"org": "", "tier": -1, "org_active": False, "staff": False}
        return _entity(ANONYMOUS, inputs.principal_id, attrs)
    org = inputs.principal_org
    staff = any(role.is_program_role for role in inputs.roles)
    attrs = {
        "org": inputs.org_id or "",
        "tier": org.tier.level if org is not None and org.tier is not None else -1,
        "org_active": org is not None and org.active,
        "staff": staff and inputs.org_id is None,
    }
    if inputs.kind is PrincipalKind.API_KEY:
        attrs["scopes"] = sorted(inputs.scopes or ())
    roles = sorted(role.value for role in inputs.roles)
    parents = [_uid(ROLE, role) for role in roles]
    return _entity(_PRINCIPAL_TYPES[inputs.kind], inputs.principal_id, attrs, parents)


def _resource_entity(inputs: Inputs) -> dict[str, Any]:
    org = _owner(inputs.named_org, inputs.asset_id, inputs.asset, inputs.engagement)
    if inputs.asset_id is not None:
        asset, engagement = inputs.asset, inputs.engagement
        parents = [_uid(ORGANIZATION, org)] if org else []
        if asset is not None and asset.in_engagement and engagement is not None:
            parents.append(_uid(ENGAGEMENT, engagement.id))
        verified = asset is not None and asset.verified
        return _entity(ASSET, inputs.asset_id, {"org": org, "verified": verified}, parents)
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


def _context(inputs: Inputs) -> dict[str, Any]:
    return {
        "capability": inputs.capability,
        "named_org": inputs.named_org or "",
        "mfa_fresh": inputs.mfa_fresh,
        "engagement_open": inputs.engagement_open,
        "quota_exhausted": inputs.quota_exhausted,
        "stops": [
            {"scope": scope, "org": org, "capability": name} for scope, org, name in inputs.stops
        ],
    }


def _mfa_age(principal: Principal, now: dt.datetime) -> int:
    """Whole seconds since the second factor was verified; -1 if never (or in the future)."""
    if principal.kind is not PrincipalKind.USER or principal.mfa_verified_at is None:
        return -1
    age = int((now - principal.mfa_verified_at).total_seconds())
    return age if age >= 0 else -1


def _window_open(engagement: EngagementFacts | None, now: dt.datetime) -> bool:
    """Whether ``now`` is in the engagement's window, compared in whole Unix seconds."""
    if engagement is None:
        return False
    moment = _seconds(now)
    return _seconds(engagement.starts_at) <= moment < _seconds(engagement.ends_at)


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
