"""The request mix every authorization figure replays, and its facts prepared once.

The mix is drawn uniformly, with a fixed seed, from every (principal, capability,
resource) combination the seeded world offers, each capability paired with the
resources of its kind (the program, an organization — the caller's own or another
— or an asset). It is not chosen to favour allows: it holds every kind of deny the
policies know (tier, role, scope, cross-organization, stale second factor,
unverified asset, missing engagement, emergency stop, anonymous).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.world import World
from mamori.access.capabilities import CAPABILITIES, Target
from mamori.access.models import Principal, Resource
from mamori.access.policy import repository
from mamori.access.policy.models import CedarRequest, Facts
from mamori.access.policy.request import Inputs, cedar_request, decision_inputs

_RESOURCES_BY_TARGET = {
    Target.PROGRAM: ("program",),
    Target.ORGANIZATION: ("own organization", "other organization"),
    Target.ASSET: ("own unverified asset",),
    Target.ENGAGEMENT: ("own unverified asset",),
}
HOT_PATH = ("service key (analyst)", "anomaly.score", "own organization")


@dataclass(frozen=True)
class Ask:
    """One authorization request, by the names the world gives its parts."""

    principal: str
    capability: str
    resource: str


@dataclass(frozen=True)
class Prepared:
    """An ask with the facts the gate would read for it, the decision inputs and the Cedar
    request built from them."""

    ask: Ask
    principal: Principal
    resource: Resource
    facts: Facts
    inputs: Inputs
    cedar: CedarRequest


def combinations(world: World) -> list[Ask]:
    """Every (principal, capability, resource) the mix draws from."""
    return [
        Ask(principal, capability.name, resource)
        for principal in world.principals
        for capability in CAPABILITIES.values()
        for resource in _RESOURCES_BY_TARGET[capability.target]
    ]


def draw(world: World, count: int, seed: int) -> list[Ask]:
    """``count`` asks drawn uniformly (with replacement) from :func:`combinations`."""
    return random.Random(seed).choices(combinations(world), k=count)


def prepare(world: World, asks: list[Ask]) -> list[Prepared]:
    """Read each distinct ask's facts once, as the gate would, and build its Cedar request."""
    cache: dict[Ask, Prepared] = {}
    return [cache.get(ask) or cache.setdefault(ask, _prepare(world, ask)) for ask in asks]


def _prepare(world: World, ask: Ask) -> Prepared:
    platform = world.platform
    principal = world.principals[ask.principal]
    resource = world.resources[ask.resource]
    capability = CAPABILITIES[ask.capability]
    with platform.database.session() as session:
        facts = repository.read_facts(
            session, principal, ask.capability, resource, now=world.clock.now()
        )
    inputs = decision_inputs(
        principal,
        capability,
        resource,
        facts,
        now=world.clock.now(),
        mfa_max_age=platform.settings.mfa_fresh_seconds,
    )
    return Prepared(ask, principal, resource, facts, inputs, cedar_request(inputs))
