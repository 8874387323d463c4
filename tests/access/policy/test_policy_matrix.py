"""Every role × capability × tier, through the real gate, against a table written here.

The table below is the program's intent stated independently of the Cedar files: if a
policy file grants or withholds something this table does not, the test names it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mamori.access.capabilities import CAPABILITIES, Capability, Target
from mamori.access.errors import AccessDeniedError
from mamori.access.models import ANONYMOUS, Principal, Resource, Role, Tier
from mamori.access.policy import Authorizer

ORG_RECORDS = {"program.org.read", "assets.read", "engagements.read", "audit.verify"}
ENGINES = {"demo.read", "intel.read", "intel.share", "detection.hunt", "vulnscan.scan"}
ENGINES |= {"anomaly.score", "assist.query"}
OVERSIGHT = {"identity.user.read", "identity.key.read", "assets.read", "engagements.read"}

EXPECTED: dict[Role, set[str]] = {
    Role.ORG_ADMIN: ORG_RECORDS
    | ENGINES
    | {
        "program.application.read",
        "identity.user.read",
        "identity.user.manage",
        "identity.key.read",
        "identity.key.manage",
        "assets.manage",
        "engagements.request",
        "audit.read",
    },
    Role.ANALYST: ORG_RECORDS | ENGINES,
    Role.RED_TEAMER: ORG_RECORDS
    | {"engagements.request", "demo.read", "intel.read", "vulnscan.scan", "assist.query"}
    | {"assist.research", "redteam.emulate"},
    Role.AUDITOR: ORG_RECORDS | {"identity.user.read", "identity.key.read", "audit.read"},
    Role.OPERATOR: OVERSIGHT
    | {
        "program.application.read",
        "program.application.review",
        "program.org.read",
        "program.org.tier",
        "program.org.suspend",
        "program.stop.read",
        "program.stop.set",
        "program.stop.lift",
        "program.quota.set",
        "program.staff.read",
        "program.staff.manage",
        "engagements.review",
        "audit.read",
        "audit.verify",
    },
    Role.REGULATOR: OVERSIGHT
    | {
        "program.application.read",
        "program.org.read",
        "program.stop.read",
        "program.stop.set",
        "program.stop.lift",
        "program.staff.read",
        "audit.read",
        "audit.verify",
    },
}
PUBLIC = {"program.apply"}


@dataclass(frozen=True)
class Bank:
    tier: Tier
    resources: dict[Target, Resource]


def _bank(program, tier: Tier) -> Bank:
    org = program.org(tier)
    asset = program.asset(org)
    engagement = program.engagement(org, [asset])
    return Bank(
        tier,
        {
            Target.PROGRAM: Resource(),
            Target.ORGANIZATION: Resource(org_id=org),
            Target.ASSET: Resource(org_id=org, asset_id=asset),
            Target.ENGAGEMENT: Resource(org_id=org, asset_id=asset, engagement_id=engagement),
        },
    )


def _tier_allows(capability: Capability, tier: Tier | None) -> bool:
    if capability.min_tier is None:
        return True
    return tier is not None and tier.level >= capability.min_tier.level


def _allowed(authorizer: Authorizer, principal: Principal, name: str, resource: Resource) -> bool:
    try:
        authorizer.authorize(principal, name, resource)
    except AccessDeniedError:
        return False
    return True


def _mismatches(authorizer, principal, bank, expected_for) -> list[str]:
    wrong = []
    for name, capability in CAPABILITIES.items():
        expected = expected_for(name, capability)
        got = _allowed(authorizer, principal, name, bank.resources[capability.target])
        if got != expected:
            wrong.append(f"{name}: expected {'allow' if expected else 'deny'}")
    return wrong


@pytest.mark.parametrize("tier", list(Tier), ids=lambda tier: tier.value)
def test_organization_roles_by_tier(program, authorizer: Authorizer, tier: Tier) -> None:
    bank = _bank(program, tier)
    org_id = bank.resources[Target.ORGANIZATION].org_id
    problems = []
    for role in (Role.ORG_ADMIN, Role.ANALYST, Role.RED_TEAMER, Role.AUDITOR):
        user = program.user(org_id, role)

        def expected_for(name: str, capability: Capability, role: Role = role) -> bool:
            permitted = name in EXPECTED[role] or name in PUBLIC
            return permitted and _tier_allows(capability, tier)

        problems += [
            f"{role.value}/{tier.value} {p}"
            for p in _mismatches(authorizer, user, bank, expected_for)
        ]
    assert problems == []


def test_program_roles_act_across_organizations(program, authorizer: Authorizer) -> None:
    bank = _bank(program, Tier.TRUSTED)
    problems = []
    for role in (Role.OPERATOR, Role.REGULATOR):
        staff = program.user(None, role)

        def expected_for(name: str, capability: Capability, role: Role = role) -> bool:
            return name in EXPECTED[role] or name in PUBLIC

        problems += [
            f"{role.value} {p}" for p in _mismatches(authorizer, staff, bank, expected_for)
        ]
    assert problems == []


def test_anonymous_may_only_apply(program, authorizer: Authorizer) -> None:
    bank = _bank(program, Tier.TRUSTED)
    problems = _mismatches(authorizer, ANONYMOUS, bank, lambda name, _c: name in PUBLIC)
    assert problems == []


def test_fully_scoped_key_gets_its_role_minus_high_risk(program, authorizer: Authorizer) -> None:
    bank = _bank(program, Tier.TRUSTED)
    org_id = bank.resources[Target.ORGANIZATION].org_id
    key = program.key(org_id, *CAPABILITIES, roles=(Role.RED_TEAMER, Role.ANALYST))

    def expected_for(name: str, capability: Capability) -> bool:
        permitted = name in EXPECTED[Role.RED_TEAMER] | EXPECTED[Role.ANALYST] | PUBLIC
        return permitted and not capability.high_risk

    assert _mismatches(authorizer, key, bank, expected_for) == []


def test_every_capability_is_in_the_table() -> None:
    named = set().union(*EXPECTED.values()) | PUBLIC
    assert named == set(CAPABILITIES)
