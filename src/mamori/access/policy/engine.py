"""Cedar evaluation over a policy set parsed once, and a memo of decisions by their inputs.

Cost per decision is kept low by parsing nothing twice and evaluating only what can
apply: the policy set and the action hierarchy are parsed when the engine is built; each
capability gets its own slice of the set, without the policies whose action scope can
never match it (so the decision is the same, with about half the policies to evaluate);
and each distinct set of request entities (principal, resource, engagement, as JSON) is
parsed once and kept in a small LRU cache keyed by that JSON, so it can never serve stale
facts.

:meth:`PolicyEngine.decide` memoizes whole decisions, keyed by the
:class:`~mamori.access.policy.request.Inputs` the Cedar request is built from and
nothing else. Cedar is deterministic and the policy set of an engine never changes
(loading new policies makes a new engine, with an empty memo), so a hit is the answer
Cedar would give again. Anything that changes the request (a stop, a tier, a
suspension, an asset's status, a second factor going stale, a window closing, a quota
running out) changes the inputs and misses. The memo saves only the evaluation: the
gate still reads the facts, counts the quota and logs every decision.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cedarpy
from cedarpy import pst

from mamori.access.capabilities import CAPABILITIES, Capability
from mamori.access.policy.loader import POLICY_DIR, LoadedPolicies, load_policies
from mamori.access.policy.models import CedarRequest, PolicyInfo
from mamori.access.policy.request import Inputs, cedar_request
from mamori.access.policy.schema import ACTION_TYPE, action_entities_json, groups_of

__all__ = ["CedarRequest", "Evaluation", "PolicyEngine"]

ENTITY_CACHE_SIZE = 1024
# Decisions memoized per cached entity set: a principal and a resource are asked about
# several capabilities, each its own decision.
MEMO_PER_ENTITIES = 16


@dataclass(frozen=True)
class Evaluation:
    """Cedar's answer: allowed or not, the policies that decided, and any evaluation errors.

    A policy that errors is skipped by Cedar, which could turn a forbid into an allow, so an
    evaluation with errors is never ``allowed``.
    """

    allowed: bool
    policies: tuple[PolicyInfo, ...]
    errors: tuple[str, ...]


class PolicyEngine:
    """A loaded policy set and the action hierarchy, ready to evaluate requests."""

    def __init__(
        self,
        loaded: LoadedPolicies,
        *,
        cache_size: int = ENTITY_CACHE_SIZE,
        memo_size: int | None = None,
    ) -> None:
        """Slice the policies. ``cache_size`` bounds the cache of parsed entities and
        ``memo_size`` the decision memo (by default ``MEMO_PER_ENTITIES`` times
        ``cache_size``, so that ``cache_size=0`` turns both off); 0 turns either off."""
        whole = loaded.policy_set.to_pst()
        self._slices = {name: _slice(whole, c) for name, c in CAPABILITIES.items()}
        self._policies = loaded.policies
        self._order = {cedar_id: index for index, cedar_id in enumerate(loaded.policies)}
        self._files = loaded.files
        self._actions = cedarpy.Entities.from_json_str(action_entities_json())
        self._entities = functools.lru_cache(maxsize=cache_size)(self._parse_entities)
        if memo_size is None:
            memo_size = cache_size * MEMO_PER_ENTITIES
        self._memo = functools.lru_cache(maxsize=memo_size)(self._decide)

    @classmethod
    def load(cls, directory: Path = POLICY_DIR) -> PolicyEngine:
        """An engine over the policy files in ``directory``; raises ``PolicyLoadError``."""
        return cls(load_policies(directory))

    @property
    def policies(self) -> Mapping[str, PolicyInfo]:
        """Every loaded policy, by Cedar's positional id."""
        return self._policies

    @property
    def files(self) -> tuple[str, ...]:
        """The policy files the set was loaded from."""
        return self._files

    def decide(self, inputs: Inputs) -> Evaluation:
        """Decide the request built from ``inputs``, from the memo when it has the answer."""
        return self._memo(inputs)

    def evaluate(self, request: CedarRequest) -> Evaluation:
        """Evaluate one request with Cedar (never from the memo)."""
        policy_set = self._slices.get(request.action)
        if policy_set is None:
            return Evaluation(False, (), (f"no policies for unknown action {request.action!r}",))
        try:
            result = cedarpy.is_authorized(
                _as_cedar(request), policy_set, self._entities(request.entities)
            )
        except ValueError as exc:  # malformed entities or context: never an allow
            return Evaluation(False, (), (f"the request could not be evaluated: {exc}",))
        # Cedar reports the deciding policies in no fixed order; the log wants one.
        decided = sorted(
            (cedar_id for cedar_id in result.diagnostics.reasons if cedar_id in self._order),
            key=self._order.__getitem__,
        )
        errors = tuple(result.diagnostics.errors)
        policies = tuple(self._policies[cedar_id] for cedar_id in decided)
        return Evaluation(result.allowed and not errors, policies, errors)

    def _decide(self, inputs: Inputs) -> Evaluation:
        return self.evaluate(cedar_request(inputs))

    def _parse_entities(self, entities_json: str) -> cedarpy.Entities:
        return self._actions.with_added_json_str(entities_json)


def _as_cedar(request: CedarRequest) -> dict[str, object]:
    return {
        "principal": {"type": request.principal_type, "id": request.principal_id},
        "action": {"type": ACTION_TYPE, "id": request.action},
        "resource": {"type": request.resource_type, "id": request.resource_id},
        "context": request.context,
    }


def _slice(whole: pst.PolicySet, capability: Capability) -> cedarpy.PolicySet:
    """The policies whose action scope can match ``capability``, keeping their ids."""
    names = {capability.name, *groups_of(capability)}
    kept = {
        policy_id: policy
        for policy_id, policy in whole.static_policies.items()
        if _may_match(policy.action, names)
    }
    return cedarpy.PolicySet.from_pst(
        pst.PolicySet(
            templates=pst.FrozenMap(),
            static_policies=pst.FrozenMap(kept),
            template_links=(),
        )
    )


def _may_match(scope: pst.ActionConstraint, names: set[str]) -> bool:
    if isinstance(scope, pst.ActionEq):
        return scope.entity.id in names
    if isinstance(scope, pst.ActionIn):
        return any(entity.id in names for entity in scope.entities)
    return True
