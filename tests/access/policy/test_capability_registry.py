"""The capability registry: the fixed vocabulary and the properties the gate relies on."""

from __future__ import annotations

import pytest

from mamori.access.capabilities import (
    CAPABILITIES,
    Target,
    UnknownCapabilityError,
    get_capability,
)
from mamori.access.models import Tier

VOCABULARY = [
    "program.apply",
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
    "identity.user.read",
    "identity.user.manage",
    "identity.key.read",
    "identity.key.manage",
    "assets.read",
    "assets.manage",
    "engagements.read",
    "engagements.request",
    "engagements.review",
    "audit.read",
    "audit.verify",
    "demo.read",
    "intel.read",
    "intel.share",
    "detection.hunt",
    "vulnscan.scan",
    "anomaly.score",
    "assist.query",
    "assist.research",
    "redteam.emulate",
]

NEVER_STOPPED = {
    "identity.user.manage",
    "identity.key.manage",
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
}


def test_registry_is_exactly_the_vocabulary() -> None:
    assert sorted(CAPABILITIES) == sorted(VOCABULARY)
    assert all(name == capability.name for name, capability in CAPABILITIES.items())


def test_program_controls_are_never_stopped_and_engines_always_are() -> None:
    assert {n for n, c in CAPABILITIES.items() if not c.stoppable} == NEVER_STOPPED
    engines = {"demo", "intel", "detection", "vulnscan", "anomaly", "assist", "redteam"}
    assert all(CAPABILITIES[n].stoppable for n in VOCABULARY if n.split(".")[0] in engines)


def test_offensive_capabilities_need_trust_an_engagement_and_a_person() -> None:
    offensive = {n for n, c in CAPABILITIES.items() if c.needs_engagement}
    assert offensive == {"assist.research", "redteam.emulate"}
    for name in offensive:
        capability = CAPABILITIES[name]
        assert capability.min_tier is Tier.TRUSTED
        assert capability.high_risk
        assert capability.target is Target.ENGAGEMENT


def test_only_applying_is_public_and_program_capabilities_have_no_tier() -> None:
    assert {n for n, c in CAPABILITIES.items() if c.public} == {"program.apply"}
    assert all(CAPABILITIES[n].min_tier is None for n in VOCABULARY if n.startswith("program."))


def test_quotas_are_positive() -> None:
    for capability in CAPABILITIES.values():
        if capability.default_quota is not None:
            assert capability.default_quota.limit > 0
            assert capability.default_quota.window_seconds > 0


def test_unknown_capability_is_an_error_naming_it() -> None:
    assert get_capability("intel.read").name == "intel.read"
    with pytest.raises(UnknownCapabilityError, match="intel.raed"):
        get_capability("intel.raed")
