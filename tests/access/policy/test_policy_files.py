"""The policy files: they load, they match the capability registry, and anything broken
about them makes the gate deny everything while naming the file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import cedarpy
import pytest
from cedarpy import pst

from mamori.access.capabilities import CAPABILITIES
from mamori.access.errors import AccessDeniedError
from mamori.access.models import ANONYMOUS, Resource, Role
from mamori.access.policy import POLICY_DIR, Authorizer, load_policies
from mamori.access.policy.schema import ACTION_TYPE, GROUPS, groups_of
from mamori.audit.service import get_entry


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    """A writable copy of the shipped policy files."""
    copy = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, copy)
    return copy


def _shipped() -> pst.PolicySet:
    text = "\n".join(path.read_text() for path in sorted(POLICY_DIR.glob("*.cedar")))
    return cedarpy.PolicySet.from_str(text).to_pst()


def _action_ids(node: pst.PstNode) -> set[str]:
    return {uid.id for uid in pst.entity_uids(node) if str(uid.type) == ACTION_TYPE}


def test_shipped_policies_load_with_unique_ids() -> None:
    loaded = load_policies()
    ids = [info.id for info in loaded.policies.values()]
    assert len(ids) == len(set(ids)) == len(loaded.policies)
    assert all(info.reason and info.line > 0 for info in loaded.policies.values())


def test_every_capability_is_permitted_somewhere_and_nothing_else_is_named() -> None:
    policies = _shipped().static_policies.values()
    named = set().union(*(_action_ids(policy) for policy in policies))
    assert named <= set(CAPABILITIES) | set(GROUPS), named - set(CAPABILITIES) - set(GROUPS)
    permitted: set[str] = set()
    for policy in policies:
        if policy.effect == "permit":
            ids = _action_ids(policy.action)
            permitted |= {n for n, c in CAPABILITIES.items() if n in ids or ids & set(groups_of(c))}
    assert permitted == set(CAPABILITIES), set(CAPABILITIES) - permitted


def test_each_role_has_its_permits() -> None:
    roles = set()
    for policy in _shipped().static_policies.values():
        if policy.effect == "permit" and isinstance(policy.principal, pst.ScopeIn):
            roles.add(policy.principal.entity.id)
    assert roles == {role.value for role in Role}


def _deny_all_naming(database, clock, directory: Path, expected: str) -> None:
    authorizer = Authorizer(database, clock, policy_dir=directory)
    assert authorizer.load_error is not None
    assert expected in str(authorizer.load_error)
    with pytest.raises(AccessDeniedError) as raised:
        authorizer.authorize(ANONYMOUS, "program.apply", Resource())
    decision = raised.value.decision
    assert decision.policies == ("policy-set-broken",)
    assert expected in decision.reason
    with database.session() as session:
        entry = get_entry(session, decision.audit_index, org_id=None)
    assert entry.details["outcome"] == "deny"
    assert expected in entry.details["reason"]


def test_syntax_error_denies_everything_naming_file_and_line(database, clock, policies) -> None:
    path = policies / "tiers.cedar"
    lines = path.read_text().splitlines()
    broken = next(i for i, line in enumerate(lines) if "forbid-below-verified" in line)
    lines[broken + 2] = "forbid (principal, action in Mamori::Action::tier-verified, resource)"
    path.write_text("\n".join(lines) + "\n")
    _deny_all_naming(database, clock, policies, f"tiers.cedar:{broken + 1}")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("permit (principal, action, resource);", "has no @id"),
        ('@id("permit-public")\npermit (principal, action, resource);', "used twice"),
        ('@id("no-permit")\npermit (principal, action, resource);', "reserved"),
        ('@id("x")\n@error("teapot")\nforbid (principal, action, resource);', "unknown @error"),
        (
            '@id("typo")\nforbid (principal, action, resource) when { principal.teir < 1 };',
            "typo (",
        ),
        ('@id("slot")\npermit (principal == ?principal, action, resource);', "templates"),
        ('@id("open")\npermit (principal, action, resource)', "extra.cedar:1"),
    ],
)
def test_bad_policy_denies_everything(database, clock, policies, text, problem) -> None:
    (policies / "extra.cedar").write_text("// added by an operator\n\n" + text + "\n")
    expected = "extra.cedar:3" if problem == "extra.cedar:1" else problem
    _deny_all_naming(database, clock, policies, expected)


def test_no_policy_files_denies_everything(database, clock, tmp_path) -> None:
    _deny_all_naming(database, clock, tmp_path, "no policy files")


def test_empty_policy_files_deny_everything(database, clock, tmp_path) -> None:
    (tmp_path / "empty.cedar").write_text("// nothing here\n")
    _deny_all_naming(database, clock, tmp_path, "empty")


def test_a_policy_that_fails_to_evaluate_never_allows(program, database, clock, tmp_path) -> None:
    # Cedar skips a policy that errors; skipping a forbid must not turn into an allow.
    (tmp_path / "all.cedar").write_text(
        '@id("permit-all")\npermit (principal, action, resource);\n'
        '@id("forbid-overflow")\nforbid (principal, action, resource)\n'
        "when { principal.tier + 9223372036854775807 > 0 };\n"
    )
    authorizer = Authorizer(database, clock, policy_dir=tmp_path)
    assert authorizer.load_error is None
    org = program.org()
    with pytest.raises(AccessDeniedError) as raised:
        authorizer.authorize(program.user(org, Role.ANALYST), "intel.read", Resource(org_id=org))
    decision = raised.value.decision
    assert decision.policies[-1] == "policy-evaluation-error"
    assert "overflow" in decision.reason
