"""The forbids, one by one: organizations, assets, engagements, credentials, unknown actions;
and every decision, allowed or denied, on the transparency log."""

from __future__ import annotations

import pytest

from mamori.access.errors import AccessDeniedError, MfaRequiredError
from mamori.access.models import (
    AssetStatus,
    EngagementStatus,
    OrgStatus,
    Resource,
    Role,
    Tier,
)
from mamori.access.policy import Authorizer
from mamori.audit.models import EntryKind
from mamori.audit.service import get_entry


def _denied_by(authorizer: Authorizer, principal, action: str, resource: Resource) -> set[str]:
    with pytest.raises(AccessDeniedError) as raised:
        authorizer.authorize(principal, action, resource)
    return set(raised.value.decision.policies)


def test_another_organizations_resources_are_out_of_reach(program, authorizer) -> None:
    mine, theirs = program.org(), program.org()
    their_asset = program.asset(theirs)
    analyst = program.user(mine, Role.ANALYST)
    assert "forbid-cross-organization" in _denied_by(
        authorizer, analyst, "assets.read", Resource(org_id=theirs)
    )
    # Naming its own organization with the other's asset does not help.
    denied = _denied_by(
        authorizer, analyst, "vulnscan.scan", Resource(org_id=mine, asset_id=their_asset)
    )
    assert {"forbid-cross-organization", "forbid-resource-organization-mismatch"} <= denied
    # Leaving the organization out does not help either: the asset's owner is a fact.
    assert "forbid-cross-organization" in _denied_by(
        authorizer, analyst, "vulnscan.scan", Resource(asset_id=their_asset)
    )


def test_org_scoped_capability_needs_an_organization(program, authorizer) -> None:
    analyst = program.user(program.org(), Role.ANALYST)
    assert "forbid-cross-organization" in _denied_by(authorizer, analyst, "intel.read", Resource())


def test_engagement_of_another_organization_cannot_be_borrowed(program, authorizer) -> None:
    mine, theirs = program.org(Tier.TRUSTED), program.org(Tier.TRUSTED)
    asset = program.asset(mine)
    their_engagement = program.engagement(theirs, [program.asset(theirs)])
    red = program.user(mine, Role.RED_TEAMER)
    resource = Resource(org_id=mine, asset_id=asset, engagement_id=their_engagement)
    assert "forbid-engagement-other-organization" in _denied_by(
        authorizer, red, "engagements.read", resource
    )


def test_suspended_organization_is_denied_everything(program, authorizer) -> None:
    org = program.org(Tier.TRUSTED)
    admin = program.user(org, Role.ORG_ADMIN)
    authorizer.authorize(admin, "intel.read", Resource(org_id=org))
    program.set_org(org, status=OrgStatus.SUSPENDED)
    for action in ("intel.read", "audit.read", "identity.user.read"):
        assert "forbid-organization-suspended" in _denied_by(
            authorizer, admin, action, Resource(org_id=org)
        )
    program.set_org(org, status=OrgStatus.ACTIVE)
    authorizer.authorize(admin, "intel.read", Resource(org_id=org))


def test_unknown_organization_is_treated_as_suspended(program, authorizer) -> None:
    ghost = program.user("org_" + "0" * 32, Role.ORG_ADMIN)
    assert "forbid-organization-suspended" in _denied_by(
        authorizer, ghost, "intel.read", Resource(org_id=ghost.org_id)
    )


def test_tier_change_takes_effect_on_the_next_request(program, authorizer) -> None:
    org = program.org(Tier.REGISTERED)
    analyst = program.user(org, Role.ANALYST)
    assert "forbid-below-verified" in _denied_by(
        authorizer, analyst, "detection.hunt", Resource(org_id=org)
    )
    program.set_org(org, tier=Tier.VERIFIED)
    authorizer.authorize(analyst, "detection.hunt", Resource(org_id=org))


@pytest.mark.parametrize("status", [AssetStatus.PENDING, AssetStatus.FAILED])
def test_unverified_asset_is_never_scanned(program, authorizer, status) -> None:
    org = program.org()
    asset = program.asset(org, status)
    analyst = program.user(org, Role.ANALYST)
    resource = Resource(org_id=org, asset_id=asset)
    assert "forbid-unverified-asset" in _denied_by(authorizer, analyst, "vulnscan.scan", resource)
    assert "forbid-unverified-asset" in _denied_by(
        authorizer, analyst, "vulnscan.scan", Resource(org_id=org)
    )


def _red_team(program, **engagement):
    org = program.org(Tier.TRUSTED)
    asset = program.asset(org)
    engagement_id = program.engagement(org, [asset], **engagement)
    user = program.user(org, Role.RED_TEAMER)
    return user, Resource(org_id=org, asset_id=asset, engagement_id=engagement_id)


def test_red_team_inside_its_engagement_is_allowed(program, authorizer) -> None:
    user, resource = _red_team(program)
    decision = authorizer.authorize(user, "redteam.emulate", resource)
    assert decision.policies == ("permit-red-teamer-engines",)


@pytest.mark.parametrize(
    ("engagement", "policy"),
    [
        ({"status": EngagementStatus.REQUESTED}, "forbid-engagement-not-approved"),
        ({"status": EngagementStatus.REJECTED}, "forbid-engagement-not-approved"),
        ({"status": EngagementStatus.CANCELLED}, "forbid-engagement-not-approved"),
        ({"starts_in": 3600}, "forbid-engagement-outside-window"),
        ({"starts_in": -7200, "lasts": 3600}, "forbid-engagement-outside-window"),
    ],
)
def test_engagement_must_be_approved_and_open(program, authorizer, engagement, policy) -> None:
    user, resource = _red_team(program, **engagement)
    assert policy in _denied_by(authorizer, user, "redteam.emulate", resource)


def test_engagement_is_required_and_bounds_the_assets(program, authorizer) -> None:
    user, resource = _red_team(program)
    no_engagement = Resource(org_id=resource.org_id, asset_id=resource.asset_id)
    assert "forbid-engagement-missing" in _denied_by(
        authorizer, user, "assist.research", no_engagement
    )
    other_asset = program.asset(resource.org_id)
    outside = Resource(
        org_id=resource.org_id, asset_id=other_asset, engagement_id=resource.engagement_id
    )
    assert "forbid-asset-outside-engagement" in _denied_by(
        authorizer, user, "redteam.emulate", outside
    )


def test_engagement_window_closes_with_the_clock(program, authorizer, clock) -> None:
    user, resource = _red_team(program, starts_in=-60, lasts=120)
    authorizer.authorize(user, "redteam.emulate", resource)
    clock.advance(61)
    assert "forbid-engagement-outside-window" in _denied_by(
        authorizer, user, "redteam.emulate", resource
    )


@pytest.mark.parametrize("mfa_age", [None, 301, 3600, -30])
def test_high_risk_needs_a_fresh_second_factor(program, authorizer, mfa_age) -> None:
    org = program.org()
    admin = program.user(org, Role.ORG_ADMIN, mfa_age=mfa_age)
    with pytest.raises(MfaRequiredError) as raised:
        authorizer.authorize(admin, "identity.key.manage", Resource(org_id=org))
    assert raised.value.decision.policies == ("forbid-high-risk-stale-mfa",)
    # A low-risk action needs no fresh factor.
    authorizer.authorize(admin, "identity.key.read", Resource(org_id=org))


def test_second_factor_goes_stale(program, authorizer, clock) -> None:
    org = program.org()
    admin = program.user(org, Role.ORG_ADMIN, mfa_age=0)
    authorizer.authorize(admin, "identity.user.manage", Resource(org_id=org))
    clock.advance(300)
    authorizer.authorize(admin, "identity.user.manage", Resource(org_id=org))
    clock.advance(1)
    with pytest.raises(MfaRequiredError):
        authorizer.authorize(admin, "identity.user.manage", Resource(org_id=org))


def test_api_key_stays_inside_its_scopes(program, authorizer) -> None:
    org = program.org()
    key = program.key(org, "intel.read")
    authorizer.authorize(key, "intel.read", Resource(org_id=org))
    assert _denied_by(authorizer, key, "detection.hunt", Resource(org_id=org)) == {
        "forbid-api-key-out-of-scope"
    }
    unscoped = program.key(org)
    assert "forbid-api-key-out-of-scope" in _denied_by(
        authorizer, unscoped, "intel.read", Resource(org_id=org)
    )


def test_api_key_never_takes_a_high_risk_action(program, authorizer) -> None:
    org = program.org()
    key = program.key(org, "identity.key.manage", roles=(Role.ORG_ADMIN,))
    denied = _denied_by(authorizer, key, "identity.key.manage", Resource(org_id=org))
    assert denied == {"forbid-high-risk-api-key"}


def test_unknown_action_is_denied_and_logged(program, authorizer, database) -> None:
    admin = program.user(program.org(), Role.ORG_ADMIN)
    for action in ("vulnscan.scann", "", "high-risk", 'Mamori::Action::"demo.read"'):
        with pytest.raises(AccessDeniedError) as raised:
            authorizer.authorize(admin, action, Resource(org_id=admin.org_id))
        decision = raised.value.decision
        assert decision.policies == ("unknown-capability",)
        with database.session() as session:
            entry = get_entry(session, decision.audit_index, org_id=admin.org_id)
        assert entry.details["capability"] == action
        assert entry.details["outcome"] == "deny"


def test_role_without_permit_is_denied_with_no_permit(program, authorizer) -> None:
    org = program.org()
    auditor = program.user(org, Role.AUDITOR)
    assert _denied_by(authorizer, auditor, "detection.hunt", Resource(org_id=org)) == {"no-permit"}


def test_every_decision_is_on_the_log(program, authorizer, database) -> None:
    org = program.org()
    analyst = program.user(org, Role.ANALYST)
    allowed = authorizer.authorize(analyst, "intel.read", Resource(org_id=org))
    with pytest.raises(AccessDeniedError) as raised:
        authorizer.authorize(analyst, "identity.key.manage", Resource(org_id=org))
    denied = raised.value.decision
    assert raised.value.details["audit_index"] == denied.audit_index
    with database.session() as session:
        allow_entry = get_entry(session, allowed.audit_index, org_id=None)
        deny_entry = get_entry(session, denied.audit_index, org_id=None)
    for entry, decision, outcome in ((allow_entry, allowed, "allow"), (deny_entry, denied, "deny")):
        assert entry.kind is EntryKind.DECISION
        assert entry.action == "access.authorize"
        assert entry.actor == analyst.label
        assert entry.org_id == org
        assert entry.details["outcome"] == outcome
        assert entry.details["capability"] == decision.action
        assert entry.details["policies"] == list(decision.policies)
        assert entry.details["reason"] == decision.reason
        assert entry.details["resource"] == f"org:{org}"
    assert allow_entry.details["policies"] == ["permit-analyst-engines"]
    assert deny_entry.details["policies"] == ["no-permit"]


def test_program_and_organization_roles_never_mix(program, authorizer) -> None:
    org = program.org()
    asset = program.asset(org)
    staff_analyst = program.user(None, Role.OPERATOR, Role.ANALYST)
    assert "forbid-mixed-roles" in _denied_by(
        authorizer, staff_analyst, "vulnscan.scan", Resource(org_id=org, asset_id=asset)
    )
    member_operator = program.user(org, Role.OPERATOR)
    assert "forbid-mixed-roles" in _denied_by(
        authorizer, member_operator, "program.org.tier", Resource(org_id=org)
    )
