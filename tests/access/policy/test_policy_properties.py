"""Property: whatever the principal and resource, an organization's member never gets an
allow for an org-scoped capability on anything another organization owns."""

from __future__ import annotations

import datetime as dt

import cedarpy
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.access.capabilities import CAPABILITIES
from mamori.access.control.models import QuotaUsage
from mamori.access.errors import AccessDeniedError
from mamori.access.models import Principal, PrincipalKind, Resource, Role, Tier
from mamori.access.policy import PolicyEngine, load_policies
from mamori.access.policy.models import AssetFacts, EngagementFacts, Facts, OrgFacts
from mamori.access.policy.request import build_request
from mamori.access.policy.schema import ACTION_TYPE, action_entities_json
from mamori.core.ids import AssetId, EngagementId, OrgId

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ORGS = ["org_a", "org_b", "org_c"]
ORG_SCOPED = sorted(name for name, c in CAPABILITIES.items() if c.target.org_scoped)
LOADED = load_policies()
ENGINE = PolicyEngine(LOADED)

org_ids = st.sampled_from(ORGS)
roles = st.frozensets(st.sampled_from(list(Role)), min_size=1, max_size=3)
engagements = st.builds(
    EngagementFacts,
    st.just("eng_x"),
    org_ids,
    st.sampled_from(["approved", "requested"]),
    st.just(NOW - dt.timedelta(hours=1)),
    st.just(NOW + dt.timedelta(hours=1)),
)
assets = st.builds(AssetFacts, st.just("ast_x"), org_ids, st.booleans(), st.booleans())


@st.composite
def principals(draw: st.DrawFn) -> Principal:
    kind = draw(st.sampled_from([PrincipalKind.USER, PrincipalKind.API_KEY]))
    org = draw(st.none() | org_ids) if kind is PrincipalKind.USER else draw(org_ids)
    scopes = draw(st.frozensets(st.sampled_from(sorted(CAPABILITIES))))
    return Principal(
        kind=kind,
        id=f"{kind.value}_x",
        org_id=OrgId(org) if org else None,
        roles=draw(roles),
        scopes=scopes if kind is PrincipalKind.API_KEY else None,
        mfa_verified_at=NOW - dt.timedelta(seconds=draw(st.integers(0, 600))),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Principal, Resource, Facts]:
    principal = draw(principals())
    asset, engagement = draw(st.none() | assets), draw(st.none() | engagements)
    named = draw(st.none() | org_ids)
    # An asset id the database does not know is a case too.
    asset_id = "ast_x" if asset is not None or draw(st.booleans()) else None
    resource = Resource(
        org_id=OrgId(named) if named else None,
        asset_id=AssetId(asset_id) if asset_id else None,
        engagement_id=EngagementId("eng_x") if engagement else None,
    )
    org = principal.org_id
    tier = draw(st.sampled_from(list(Tier)))
    quota = draw(st.none() | st.just(QuotaUsage(OrgId("org_a"), "x", 10, 60, 0, 0)))
    facts = Facts(OrgFacts(org, tier, True) if org else None, asset, engagement, (), quota)
    return principal, resource, facts


def _owners(resource: Resource, facts: Facts) -> set[str]:
    owners = {resource.org_id} if resource.org_id else set()
    return owners | {found.org_id for found in (facts.asset, facts.engagement) if found}


@settings(max_examples=500, deadline=None)
@given(cases(), st.sampled_from(ORG_SCOPED))
def test_no_allow_across_organizations(case, action) -> None:
    principal, resource, facts = case
    capability = CAPABILITIES[action]
    request = build_request(principal, capability, resource, facts, now=NOW, mfa_max_age=300)
    evaluation = ENGINE.evaluate(request)
    staff = principal.is_program_staff and principal.org_id is None
    if evaluation.allowed and not staff:
        assert _owners(resource, facts) == {principal.org_id}, evaluation.policies


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(sorted(CAPABILITIES)))
def test_per_capability_slices_decide_as_the_whole_set(case, action) -> None:
    principal, resource, facts = case
    request = build_request(
        principal, CAPABILITIES[action], resource, facts, now=NOW, mfa_max_age=300
    )
    whole = cedarpy.is_authorized(
        {
            "principal": {"type": request.principal_type, "id": request.principal_id},
            "action": {"type": ACTION_TYPE, "id": action},
            "resource": {"type": request.resource_type, "id": request.resource_id},
            "context": request.context,
        },
        LOADED.policy_set,
        cedarpy.Entities.from_json_str(action_entities_json()).with_added_json_str(
            request.entities
        ),
    )
    sliced = ENGINE.evaluate(request)
    assert sliced.allowed == whole.allowed
    assert {p.id for p in sliced.policies} == {
        LOADED.policies[cedar_id].id for cedar_id in whole.diagnostics.reasons
    }


def test_no_allow_across_organizations_through_the_database(program, authorizer) -> None:
    orgs = [program.org(Tier.TRUSTED) for _ in range(2)]
    asset_of = {org: program.asset(org) for org in orgs}
    engagement_of = {org: program.engagement(org, [asset_of[org]]) for org in orgs}

    @settings(max_examples=40, deadline=None)
    @given(
        st.sampled_from(orgs),
        roles,
        st.none() | st.sampled_from(orgs),
        st.none() | st.sampled_from(orgs),
        st.none() | st.sampled_from(orgs),
        st.sampled_from(ORG_SCOPED),
    )
    def check(org, user_roles, named, asset_owner, engagement_owner, action) -> None:
        resource = Resource(
            org_id=named,
            asset_id=asset_of[asset_owner] if asset_owner else None,
            engagement_id=engagement_of[engagement_owner] if engagement_owner else None,
        )
        try:
            authorizer.authorize(program.user(org, *user_roles), action, resource)
        except AccessDeniedError:
            return
        assert {named, asset_owner, engagement_owner} - {None} == {org}

    check()
