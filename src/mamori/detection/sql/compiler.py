"""Sigma rule → one SQL boolean expression, by walking pySigma's parsed condition tree."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionIdentifier,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
    SigmaCondition,
)
from sigma.exceptions import SigmaError
from sigma.modifiers import reverse_modifier_mapping
from sigma.rule import SigmaDetectionItem, SigmaRule

from mamori.detection.build import TreeBuilder
from mamori.detection.errors import RuleError
from mamori.detection.models import Level, LogSource
from mamori.detection.sql.dialects import Dialect
from mamori.detection.sql.expr import AllOf, AnyOf, Expr, Not, render
from mamori.detection.sql.models import CompiledRule
from mamori.detection.sql.scope import Scope
from mamori.detection.sql.values import field_test, keyword_value_test

#: Namespace of the ids mamori derives for rules that have none (from path and title).
RULE_ID_NAMESPACE = uuid.UUID("6c3f0a52-8f0e-4d4e-9a59-2b7d1e0c5a11")


def compile_rule(
    rule: SigmaRule,
    dialect: Dialect,
    *,
    source: str,
    placeholders: Mapping[str, Sequence[str]] | None = None,
    generate: bool = True,
) -> CompiledRule:
    """Compile ``rule`` (read from ``source``) to SQL; raises RuleError or
    UnsupportedFeatureError, never returns a condition that silently matches nothing."""
    if rule.errors:
        message = _sigma_message(rule.errors[0])
        raise RuleError(message, where=source, hint="fix the rule as pySigma says")
    scope = Scope(dialect=dialect, source=source, placeholders=placeholders or {})
    trees = [_condition(scope, condition) for condition in rule.detection.parsed_condition]
    if not trees:
        raise RuleError("the rule has no condition", where=source, hint="add detection.condition")
    sql = render(trees[0] if len(trees) == 1 else AnyOf(tuple(trees)), dialect)
    return CompiledRule(
        id=str(rule.id) if rule.id is not None else derived_rule_id(source, rule.title),
        name=rule.name,
        title=rule.title,
        level=Level.parse(rule.level.name if rule.level is not None else None),
        status=rule.status.name.lower() if rule.status is not None else None,
        tags=tuple(str(tag) for tag in rule.tags),
        logsource=LogSource(
            product=rule.logsource.product,
            category=rule.logsource.category,
            service=rule.logsource.service,
        ),
        source=source,
        description=rule.description,
        falsepositives=tuple(str(item) for item in rule.falsepositives or ()),
        condition=sql,
        fields=frozenset(scope.fields),
        folded_fields=frozenset(scope.folded_fields),
        generate=generate,
        tree=TreeBuilder(source, placeholders).rule(rule),
    )


def derived_rule_id(source: str, title: str) -> str:
    """A stable id for a rule that has none: a UUIDv5 of its file path and title."""
    return str(uuid.uuid5(RULE_ID_NAMESPACE, f"{source}\x1f{title}"))


def _condition(scope: Scope, condition: SigmaCondition) -> Expr:
    try:
        tree = condition.parsed
    except SigmaError as error:
        raise RuleError(
            f"the condition cannot be parsed: {_sigma_message(error)}",
            where=scope.source,
            hint="check the condition's syntax and the names of the detections it uses",
        ) from None
    if tree is None:
        raise RuleError(
            "the condition selects no detection item, so it could never match",
            where=scope.source,
            hint="check the detections the condition names",
        )
    return _expr(scope, tree)


def _expr(scope: Scope, node: object) -> Expr:
    if isinstance(node, ConditionAND):
        return AllOf(tuple(_expr(scope, arg) for arg in node.args))
    if isinstance(node, ConditionOR):
        return AnyOf(tuple(_expr(scope, arg) for arg in node.args))
    if isinstance(node, ConditionNOT):
        return Not(_expr(scope, node.args[0]))
    if isinstance(node, ConditionFieldEqualsValueExpression | ConditionValueExpression):
        return _leaf(scope, node)
    raise RuleError(
        f"unexpected element {type(node).__name__} in the condition",
        where=scope.source,
        hint="report this rule to the mamori maintainers",
    )


def _leaf(
    scope: Scope, node: ConditionFieldEqualsValueExpression | ConditionValueExpression
) -> Expr:
    scope.detection, scope.item = _position(node)
    try:
        if isinstance(node, ConditionFieldEqualsValueExpression):
            return field_test(scope, node.field, node.value)
        return keyword_value_test(scope, node.value)
    except SigmaError as error:
        raise scope.invalid(_sigma_message(error), hint="fix the value as pySigma says") from None
    finally:
        scope.detection = scope.item = None


def _position(
    node: ConditionFieldEqualsValueExpression | ConditionValueExpression,
) -> tuple[str | None, str | None]:
    detection: str | None = None
    item: str | None = getattr(node, "field", None)
    for parent in node.parent_chain():
        if isinstance(parent, SigmaDetectionItem) and item == parent.field:
            modifiers = [reverse_modifier_mapping[mod.__name__] for mod in parent.modifiers]
            item = "|".join([parent.field or "", *modifiers]) or None
        elif isinstance(parent, ConditionIdentifier) and detection is None:
            detection = parent.identifier
    return detection, item


def _sigma_message(error: SigmaError) -> str:
    return str(error.args[0]) if error.args else type(error).__name__
