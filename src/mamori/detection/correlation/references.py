"""Which rule a correlation's reference (an id or a name) means, and what that rule is called."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sigma.correlations import SigmaCorrelationRule, SigmaRuleReference
from sigma.rule import SigmaRule

from mamori.detection.errors import RuleError


def normalize_reference(text: str) -> str:
    """A rule id or name in one spelling: UUIDs lower-case and hyphenated, names as written."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return text


@dataclass(frozen=True)
class References:
    """Resolves references against base rules (``rule_ids``) and the correlation rules given."""

    rule_ids: Mapping[str, str]
    correlations: Mapping[str, str]

    @classmethod
    def build(
        cls, rules: Sequence[SigmaCorrelationRule], rule_ids: Mapping[str, str]
    ) -> References:
        """Index ``rules`` by id and name; refuse two correlations that answer to one key."""
        base = {normalize_reference(key): value for key, value in rule_ids.items()}
        correlations: dict[str, str] = {}
        for rule in rules:
            identity = _identity(rule)
            for key in _keys(rule):
                if correlations.get(key, identity) != identity:
                    raise RuleError(
                        f"two correlation rules answer to {key!r}",
                        where=_where(rule),
                        hint="give every correlation rule its own id and name",
                    )
                correlations[key] = identity
        clash = set(correlations.values()) & set(base.values())
        if clash:
            raise RuleError(
                f"correlation rule id {sorted(clash)[0]!r} is also the id of a detection rule",
                hint="give the correlation rule an id of its own",
            )
        return cls(base, correlations)

    def identity(self, rule: SigmaCorrelationRule) -> str:
        """The ``rule_id`` the alerts of ``rule`` carry."""
        return _identity(rule)

    def where(self, rule: SigmaCorrelationRule) -> str:
        """Where ``rule`` was written, for error messages."""
        return _where(rule)

    def resolve(self, rule: SigmaCorrelationRule, ref: SigmaRuleReference) -> tuple[str, bool]:
        """(rule id, whether it is a correlation rule) for ``ref``; a RuleError if unknown."""
        key = normalize_reference(ref.reference)
        if key in self.correlations:
            return self.correlations[key], True
        if key in self.rule_ids:
            return self.rule_ids[key], False
        # pySigma sets ``ref.rule`` once a collection resolved it; the map may know the other key
        resolved = getattr(ref, "rule", None)
        if isinstance(resolved, SigmaRule):
            for other in _keys(resolved):
                if other in self.rule_ids:
                    return self.rule_ids[other], False
        if isinstance(resolved, SigmaCorrelationRule):
            raise RuleError(
                f"correlation rule {rule.title!r} builds on correlation {ref.reference!r}, "
                "which was not loaded with it",
                where=f"{_where(rule)} (correlation.rules)",
                hint="load every correlation rule of a chain together",
            )
        raise RuleError(
            f"correlation rule {rule.title!r} references {ref.reference!r}, "
            "which is no loaded rule's id or name",
            where=f"{_where(rule)} (correlation.rules)",
            hint="load the referenced rule too, or fix the reference",
        )


def _keys(rule: SigmaRule | SigmaCorrelationRule) -> list[str]:
    keys = [normalize_reference(str(rule.id))] if rule.id is not None else []
    return keys + ([rule.name] if rule.name else [])


def _identity(rule: SigmaCorrelationRule) -> str:
    keys = _keys(rule)
    if not keys:
        raise RuleError(
            f"correlation rule {rule.title!r} has neither an id nor a name",
            where=_where(rule),
            hint="give it an id (a UUID) so that its alerts can be named",
        )
    return keys[0]


def _where(rule: SigmaCorrelationRule) -> str:
    return str(rule.source) if rule.source else f"correlation rule {rule.title!r}"
