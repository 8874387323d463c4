"""Correlation rules as the evaluator sees them: pySigma objects checked and resolved once."""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)

from mamori.detection.correlation.references import References, normalize_reference
from mamori.detection.errors import RuleError, UnsupportedFeatureError
from mamori.detection.models import Level


class Measure(enum.Enum):
    """What a correlation counts inside one window."""

    EVENTS = "events"
    VALUES = "values"
    RULES = "rules"
    ORDERED = "ordered"


_MEASURES = {
    SigmaCorrelationType.EVENT_COUNT: Measure.EVENTS,
    SigmaCorrelationType.VALUE_COUNT: Measure.VALUES,
    SigmaCorrelationType.TEMPORAL: Measure.RULES,
    SigmaCorrelationType.TEMPORAL_ORDERED: Measure.ORDERED,
}

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "eq": operator.eq,
    "neq": operator.ne,
}


@dataclass(frozen=True)
class Condition:
    """``measure <op> bound``; ``gt``/``gte`` can fire early, the others wait for the window."""

    op: str
    bound: int | float

    def holds(self, measured: int) -> bool:
        """Whether a window whose measure is ``measured`` matches."""
        return _COMPARE[self.op](measured, self.bound)

    @property
    def decided_at_close(self) -> bool:
        """True where more events could still turn a match into a miss (lt, lte, eq, neq)."""
        return self.op not in ("gt", "gte")

    def as_dict(self) -> dict[str, int | float]:
        """The condition as written in Sigma."""
        return {self.op: self.bound}


@dataclass(frozen=True)
class Target:
    """One rule a correlation listens to, and where its events keep the fields it needs."""

    reference: str
    rule_id: str
    chained: bool
    fields: tuple[str, ...]
    value_field: str | None


@dataclass(frozen=True)
class CorrelationSpec:
    """A correlation rule compiled for evaluation."""

    rule_id: str
    title: str
    level: Level
    tags: tuple[str, ...]
    rule_source: str | None
    where: str
    kind: str
    measure: Measure
    span_us: int
    timespan: str
    group_by: tuple[str, ...]
    condition: Condition
    targets: tuple[Target, ...]
    order: tuple[int, ...]
    generate: bool
    value_field: str | None


def compile_rules(
    rules: Sequence[SigmaCorrelationRule], rule_ids: Mapping[str, str]
) -> tuple[CorrelationSpec, ...]:
    """Check and resolve ``rules``; the result lists every rule after the rules it chains on."""
    refs = References.build(rules, rule_ids)
    specs = {refs.identity(rule): _compile(rule, refs) for rule in rules}
    for spec in specs.values():
        _check_chain_fields(spec, specs)
    return tuple(specs[rule_id] for rule_id in _dependency_order(specs))


def _compile(rule: SigmaCorrelationRule, refs: References) -> CorrelationSpec:
    where = refs.where(rule)
    condition = _check_supported(rule, where)
    references = [ref.reference for ref in rule.rules or []]
    resolved = [refs.resolve(rule, ref) for ref in rule.rules or []]
    distinct = list(dict.fromkeys(resolved))
    if rule.type is SigmaCorrelationType.TEMPORAL and len(distinct) < len(resolved):
        raise RuleError(
            f"temporal correlation {rule.title!r} lists the same rule twice",
            where=f"{where} (correlation.rules)",
            hint="list each rule once; use temporal_ordered to require a rule to repeat",
        )
    group_by = tuple(rule.group_by or ())
    field_name = _value_field(rule, condition, where)
    aliases = _aliases(rule, refs, set(distinct), where)
    targets = tuple(
        Target(
            reference=references[resolved.index(target)],
            rule_id=target[0],
            chained=target[1],
            fields=tuple(aliases.get(name, {}).get(target[0], name) for name in group_by),
            value_field=aliases.get(field_name, {}).get(target[0], field_name)
            if field_name
            else None,
        )
        for target in distinct
    )
    return CorrelationSpec(
        rule_id=refs.identity(rule),
        title=rule.title,
        level=Level.parse(rule.level.name if rule.level else None),
        tags=tuple(str(tag) for tag in rule.tags),
        rule_source=str(rule.source.path) if rule.source else None,
        where=where,
        kind=rule.type.name.lower(),
        measure=_MEASURES[rule.type],
        span_us=rule.timespan.seconds * 1_000_000,
        timespan=rule.timespan.spec,
        group_by=group_by,
        condition=Condition(condition.op.name.lower(), condition.count),
        targets=targets,
        order=tuple(distinct.index(target) for target in resolved),
        generate=rule.generate,
        value_field=field_name,
    )


def _unsupported(rule: SigmaCorrelationRule, where: str, feature: str, hint: str) -> NoReturn:
    raise UnsupportedFeatureError(
        f"correlation rule {rule.title!r} uses {feature}, which mamori does not evaluate",
        where=where,
        hint=hint,
        details={"rule": rule.title, "feature": feature},
    )


def _check_supported(rule: SigmaCorrelationRule, where: str) -> SigmaCorrelationCondition:
    """Refuse what the evaluator cannot do exactly; the rule's plain condition otherwise."""
    if rule.errors:
        raise RuleError(
            f"correlation rule {rule.title!r} did not parse: {rule.errors[0]}", where=where
        )
    if rule.type not in _MEASURES:
        _unsupported(
            rule,
            where,
            f"correlation type {rule.type.name.lower()!r}",
            "use event_count, value_count, temporal or temporal_ordered",
        )
    condition = rule.condition
    if not isinstance(condition, SigmaCorrelationCondition):
        _unsupported(
            rule,
            where,
            "an extended (boolean expression) condition",
            "write the condition as a map with one of gt, gte, lt, lte, eq, neq",
        )
    if condition.percentile is not None:
        _unsupported(rule, where, "condition.percentile", "remove it; it has no meaning here")
    if condition.fieldref is not None and rule.type is not SigmaCorrelationType.VALUE_COUNT:
        _unsupported(
            rule,
            where,
            f"condition.field on a {rule.type.name.lower()} correlation",
            "condition.field belongs to value_count only; remove it",
        )
    return condition


def _value_field(
    rule: SigmaCorrelationRule, condition: SigmaCorrelationCondition, where: str
) -> str | None:
    fieldref = condition.fieldref
    if isinstance(fieldref, list):
        if len(fieldref) != 1:
            _unsupported(
                rule,
                where,
                "condition.field with several fields",
                "count the distinct values of one field; chain rules for more",
            )
        return str(fieldref[0])
    return fieldref


def _aliases(
    rule: SigmaCorrelationRule,
    refs: References,
    targets: set[tuple[str, bool]],
    where: str,
) -> dict[str, dict[str, str]]:
    """alias -> {target rule id -> event field}; an alias a rule lacks reads the alias's name."""
    result: dict[str, dict[str, str]] = {}
    for alias in rule.aliases:
        mapping: dict[str, str] = {}
        for ref, field_name in alias.mapping.items():
            target = refs.resolve(rule, ref)
            if target not in targets:
                raise RuleError(
                    f"alias {alias.alias!r} maps rule {ref.reference!r}, "
                    "which the correlation does not list",
                    where=f"{where} (correlation.aliases)",
                    hint="map only rules named in correlation.rules",
                )
            if mapping.get(target[0], field_name) != field_name:
                raise RuleError(
                    f"alias {alias.alias!r} maps one rule to two fields",
                    where=f"{where} (correlation.aliases)",
                )
            mapping[target[0]] = str(field_name)
        result[alias.alias] = mapping
    return result


def _check_chain_fields(spec: CorrelationSpec, specs: Mapping[str, CorrelationSpec]) -> None:
    """A chained rule only sees the group of the rule it chains on; refuse fields it lacks."""
    for target in spec.targets:
        if not target.chained:
            continue
        inner = specs[target.rule_id].group_by
        wanted = [*target.fields, *([target.value_field] if target.value_field else [])]
        missing = [name for name in wanted if name not in inner]
        if missing:
            raise RuleError(
                f"correlation rule {spec.title!r} reads {', '.join(missing)} from correlation "
                f"{target.reference!r}, whose alerts only carry its group-by fields "
                f"({', '.join(inner) or 'none'})",
                where=f"{spec.where} (correlation.group-by)",
                hint="group the inner correlation by those fields, or map them with aliases",
            )


def _dependency_order(specs: Mapping[str, CorrelationSpec]) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(rule_id: str, path: tuple[str, ...]) -> None:
        if state.get(rule_id) == 2:
            return
        if state.get(rule_id) == 1:
            cycle = " -> ".join((*path[path.index(rule_id) :], rule_id))
            raise RuleError(
                f"correlation rules reference each other in a cycle: {cycle}",
                where=specs[rule_id].where,
                hint="a correlation can only build on rules that do not build on it",
            )
        state[rule_id] = 1
        for target in specs[rule_id].targets:
            if target.chained:
                visit(target.rule_id, (*path, rule_id))
        state[rule_id] = 2
        order.append(rule_id)

    for rule_id in specs:
        visit(rule_id, ())
    return order


__all__ = [
    "Condition",
    "CorrelationSpec",
    "Measure",
    "Target",
    "compile_rules",
    "normalize_reference",
]
