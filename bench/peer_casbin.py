"""The authorization peer: pycasbin with an RBAC-with-domains model and ABAC guards.

The model is the casbin translation of mamori's Cedar policies. Role grants are
``p`` lines (role, capability) read from the ``permit`` policies of mamori's own
``roles.cedar``, principals hold their roles in their organization's domain
(``g``), capabilities belong to the same action groups as in Cedar (``g2``:
high-risk, tier-verified, stoppable, …), and every Cedar ``forbid`` becomes one
guard of the matcher over request attributes built from the same database facts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import casbin
from casbin.model import FastModel, Model
from casbin.model.policy_fast import FastPolicy
from cedarpy import pst

from bench.mix import Prepared
from mamori.access.capabilities import CAPABILITIES
from mamori.access.models import Principal, PrincipalKind
from mamori.access.policy.loader import load_policies
from mamori.access.policy.request import resource_org
from mamori.access.policy.schema import groups_of

PROGRAM_DOMAIN = "program"
KEY_ORDER = [0, 1]
_STOP_CHECKS = " || ".join(
    (
        '"global//" in r.ctx.stops',
        '("organization/" + r.ctx.res_org + "/") in r.ctx.stops',
        '("organization/" + r.ctx.org + "/") in r.ctx.stops',
        '("capability//" + r.act) in r.ctx.stops',
        '("organization_capability/" + r.ctx.res_org + "/" + r.act) in r.ctx.stops',
        '("organization_capability/" + r.ctx.org + "/" + r.act) in r.ctx.stops',
    )
)
GRANT = ('r.act == p.act && r.dom == p.dom && (p.sub == "*" || g(r.sub, p.sub, r.dom))',)
GUARDS = (
    '(!g2(r.act, "tier-registered") || r.ctx.staff || r.ctx.tier >= 0)',
    '(!g2(r.act, "tier-verified") || r.ctx.staff || r.ctx.tier >= 1)',
    '(!g2(r.act, "tier-trusted") || r.ctx.staff || r.ctx.tier >= 2)',
    '(r.ctx.kind != "user" || !g2(r.act, "high-risk")'
    " || (r.ctx.mfa_age >= 0 && r.ctx.mfa_age <= r.ctx.mfa_max_age))",
    '(r.ctx.kind != "api_key" || !g2(r.act, "high-risk"))',
    '(r.ctx.kind != "api_key" || r.act in r.ctx.scopes)',
    '(r.ctx.kind != "anonymous" || g2(r.act, "public"))',
    '(r.ctx.org == "" || r.ctx.org_active)',
    '(!g2(r.act, "org-scoped") || r.ctx.staff || (r.ctx.org != "" && r.ctx.res_org == r.ctx.org))',
    '(r.ctx.named_org == "" || r.ctx.named_org == r.ctx.res_org)',
    "(!r.ctx.has_engagement || r.ctx.eng_org == r.ctx.res_org)",
    '(!g2(r.act, "needs-verified-asset") || (r.ctx.is_asset && r.ctx.asset_verified))',
    '(!g2(r.act, "needs-engagement") || (r.ctx.has_engagement'
    ' && r.ctx.eng_status == "approved" && r.ctx.now >= r.ctx.eng_start'
    " && r.ctx.now < r.ctx.eng_end && r.ctx.asset_in_engagement))",
    "(!r.ctx.has_quota || r.ctx.quota_used < r.ctx.quota_limit)",
    f'(!g2(r.act, "stoppable") || !({_STOP_CHECKS}))',
)
MODEL = f"""
[request_definition]
r = act, dom, sub, ctx

[policy_definition]
p = act, dom, sub

[role_definition]
g = _, _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = {" && ".join(GRANT + GUARDS)}
"""


@dataclass(frozen=True)
class PeerContext:
    """The attributes the matcher's guards read: the same facts Cedar's entities carry."""

    kind: str
    org: str
    tier: int
    org_active: bool
    staff: bool
    scopes: frozenset[str]
    mfa_age: int
    mfa_max_age: int
    res_org: str
    named_org: str
    is_asset: bool
    asset_verified: bool
    asset_in_engagement: bool
    has_engagement: bool
    eng_org: str
    eng_status: str
    eng_start: int
    eng_end: int
    now: int
    has_quota: bool
    quota_used: int
    quota_limit: int
    stops: frozenset[str]


PeerRequest = tuple[str, str, str, PeerContext]
"""(capability, domain, subject, attributes): casbin's ``r = act, dom, sub, ctx``.

Capability and domain come first so that casbin's ``FastEnforcer`` indexes the grants by
them (``cache_key_order=[0, 1]``) and matches only the grants that can apply."""


class _FastModel(FastModel):  # type: ignore[misc]
    """pycasbin's ``FastModel`` whose ``add_def`` reports success like ``Model``'s.

    pycasbin 2.8's ``FastModel.add_def`` returns None, so model loading stops after the
    first role definition and ``g2`` is never defined.
    """

    def add_def(self, sec: str, key: str, value: str) -> bool | None:
        added: bool | None = Model.add_def(self, sec, key, value)
        if added and sec == "p" and key == "p":
            self.model[sec][key].policy = FastPolicy(self._cache_key_order)
        return added


class _CompiledMatcherEnforcer(casbin.FastEnforcer):  # type: ignore[misc]
    """A ``FastEnforcer`` that parses its matcher once, not on every ``enforce`` call.

    Stock pycasbin parses the matcher expression anew for each request; that is most of
    its cost here, so the suite reports the peer both ways. The cached evaluator keeps the
    role-link functions of its first call, which is right while the policy does not change.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compiled: dict[str, Any] = {}

    def _get_expression(self, expr: str, functions: Any = None) -> Any:
        found = self._compiled.get(expr)
        if found is None:
            found = self._compiled[expr] = casbin.FastEnforcer._get_expression(expr, functions)
        return found


def enforcer(principals: list[Principal], *, compile_once: bool = False) -> casbin.Enforcer:
    """A casbin enforcer loaded with the role grants, the action groups and ``principals``.

    ``compile_once`` keeps the parsed matcher between requests (see
    :class:`_CompiledMatcherEnforcer`); otherwise this is stock ``FastEnforcer``.
    """
    model = _FastModel(KEY_ORDER)
    model.load_model_from_text(MODEL)
    kind = _CompiledMatcherEnforcer if compile_once else casbin.FastEnforcer
    peer = kind(model, cache_key_order=KEY_ORDER)
    domains = sorted({domain_of(principal) for principal in principals})
    grants = list(role_grants())
    peer.add_policies([[act, domain, role] for domain in domains for role, act in grants])
    for capability in CAPABILITIES.values():
        for group in groups_of(capability):
            peer.add_named_grouping_policy("g2", capability.name, group)
    for principal in principals:
        for role in principal.roles:
            peer.add_grouping_policy(principal.id, role.value, domain_of(principal))
    return peer


def role_grants() -> Iterator[tuple[str, str]]:
    """(role, capability) for every role permit in mamori's policies; ("*", c) for public ones."""
    whole = load_policies().policy_set.to_pst()
    for policy in whole.static_policies.values():
        if str(policy.effect) != "permit":
            continue
        role = _role_of(policy.principal)
        for name in _actions_of(policy.action):
            yield (role, name)


def _role_of(scope: object) -> str:
    if isinstance(scope, pst.ScopeIn) and isinstance(scope.entity, pst.EntityUid):
        return str(scope.entity.id)
    return "*"


def _actions_of(scope: object) -> list[str]:
    if isinstance(scope, pst.ActionIn):
        named = {str(entity.id) for entity in scope.entities}
    elif isinstance(scope, pst.ActionEq):
        named = {str(scope.entity.id)}
    else:
        named = set(CAPABILITIES)
    return [
        name
        for name, capability in CAPABILITIES.items()
        if name in named or named & set(groups_of(capability))
    ]


def domain_of(principal: Principal) -> str:
    """The casbin domain a principal's roles live in: its organization, or the program."""
    if principal.org_id is not None:
        return principal.org_id
    return PROGRAM_DOMAIN if principal.roles else ""


def peer_request(item: Prepared, mfa_max_age: int, now: int) -> PeerRequest:
    """The casbin request for a prepared ask: built from the same facts as the Cedar one."""
    principal, facts = item.principal, item.facts
    org = facts.principal_org
    asset, engagement, quota = facts.asset, facts.engagement, facts.quota
    context = PeerContext(
        kind=principal.kind.value,
        org=principal.org_id or "",
        tier=org.tier.level if org is not None and org.tier is not None else -1,
        org_active=org is not None and org.active,
        staff=principal.is_program_staff and principal.org_id is None,
        scopes=frozenset(principal.scopes or ()),
        mfa_age=_mfa_age(principal, now),
        mfa_max_age=mfa_max_age,
        res_org=resource_org(item.resource, facts),
        named_org=item.resource.org_id or "",
        is_asset=item.resource.asset_id is not None,
        asset_verified=asset is not None and asset.verified,
        asset_in_engagement=asset is not None and asset.in_engagement,
        has_engagement=engagement is not None,
        eng_org=engagement.org_id if engagement else "",
        eng_status=engagement.status if engagement else "",
        eng_start=int(engagement.starts_at.timestamp()) if engagement else 0,
        eng_end=int(engagement.ends_at.timestamp()) if engagement else 0,
        now=now,
        has_quota=quota is not None,
        quota_used=quota.used if quota else 0,
        quota_limit=quota.limit if quota else 0,
        stops=frozenset("/".join(stop) for stop in facts.stops),
    )
    return (item.ask.capability, domain_of(principal), principal.id, context)


def _mfa_age(principal: Principal, now: int) -> int:
    if principal.kind is not PrincipalKind.USER or principal.mfa_verified_at is None:
        return -1
    age = now - int(principal.mfa_verified_at.timestamp())
    return age if age >= 0 else -1
