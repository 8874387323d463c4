"""Turn a pySigma rule's parsed condition into mamori's condition tree (:mod:`ir`).

Everything Sigma can say about a value is mapped here, once, for every target. Whatever
cannot be evaluated exactly raises :class:`UnsupportedFeatureError` naming the rule and the
construct: a rule is refused loudly rather than silently matching nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import re2
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.rule import SigmaRule
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
)

from mamori.detection.errors import UnsupportedFeatureError
from mamori.detection.ir import (
    KEYWORDS,
    And,
    Compare,
    Const,
    Exists,
    FieldRef,
    Node,
    Not,
    Null,
    Or,
    Part,
    Regex,
    Text,
    TextOp,
    TimePart,
    Wild,
)

_COMPARE = {
    CompareOperators.LT: "<",
    CompareOperators.LTE: "<=",
    CompareOperators.GT: ">",
    CompareOperators.GTE: ">=",
    CompareOperators.NEQ: "!=",
}
_REGEX_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: "i",
    SigmaRegularExpressionFlag.MULTILINE: "m",
    SigmaRegularExpressionFlag.DOTALL: "s",
}


class TreeBuilder:
    """Builds the condition tree of one rule; ``where`` names the rule in errors."""

    def __init__(self, where: str, placeholders: Mapping[str, Sequence[str]] | None = None):
        self.where = where
        self.placeholders = placeholders or {}

    def rule(self, rule: SigmaRule) -> Node:
        """The rule's whole condition (several ``condition`` entries are alternatives)."""
        trees = [self.node(condition.parsed) for condition in rule.detection.parsed_condition]
        return trees[0] if len(trees) == 1 else Or(tuple(trees))

    def node(self, item: Any) -> Node:
        """One node of pySigma's condition tree."""
        if isinstance(item, ConditionAND):
            return _flatten(And, [self.node(arg) for arg in item.args])
        if isinstance(item, ConditionOR):
            return _flatten(Or, [self.node(arg) for arg in item.args])
        if isinstance(item, ConditionNOT):
            return Not(self.node(item.args[0]))
        if isinstance(item, ConditionFieldEqualsValueExpression):
            return self.value(item.field, item.value)
        if isinstance(item, ConditionValueExpression):
            return self.keyword(item.value)
        raise self.unsupported(f"condition element {type(item).__name__}")

    def value(self, field: str, value: Any) -> Node:
        """A field compared with one Sigma value."""
        if isinstance(value, SigmaExpansion):
            return _flatten(Or, [self.value(field, item) for item in value.values])
        if isinstance(value, SigmaTimestampPart):
            return TimePart(field, value.timestamp_part.name.lower(), int(value.number))
        if isinstance(value, SigmaString):
            return self.string(field, value, cased=isinstance(value, SigmaCasedString))
        if isinstance(value, SigmaBool):
            return Text(field, TextOp.EQ, "true" if value.boolean else "false")
        if isinstance(value, SigmaNumber):
            return Text(field, TextOp.EQ, str(value.number), cased=True)
        if isinstance(value, SigmaNull):
            return Null(field)
        if isinstance(value, SigmaExists):
            return Exists(field) if value.exists else Not(Exists(field))
        if isinstance(value, SigmaRegularExpression):
            return self.regex(field, value)
        if isinstance(value, SigmaCIDRExpression):
            return self.cidr(field, value)
        if isinstance(value, SigmaCompareExpression):
            return Compare(field, _COMPARE[value.op], float(value.number.number))
        if isinstance(value, SigmaFieldReference):
            return self.field_ref(field, value)
        raise self.unsupported(f"value type {type(value).__name__} on field {field!r}")

    def keyword(self, value: Any) -> Node:
        """A keyword (full-text) search: the value anywhere in the event."""
        if isinstance(value, SigmaExpansion):
            return _flatten(Or, [self.keyword(item) for item in value.values])
        if isinstance(value, SigmaNumber | SigmaBool):
            value = SigmaString(str(value.to_plain()).lower())
        if not isinstance(value, SigmaString):
            raise self.unsupported(f"keyword of type {type(value).__name__}")
        parts = list(self.parts(value))
        if not parts or parts[0] is not Wild.MULTI:
            parts.insert(0, Wild.MULTI)
        if parts[-1] is not Wild.MULTI:
            parts.append(Wild.MULTI)
        return _text(KEYWORDS, tuple(parts), isinstance(value, SigmaCasedString))

    def string(self, field: str, value: SigmaString, *, cased: bool) -> Node:
        """A string value, expanding placeholders (``expand``) when the rule has them."""
        if value.contains_placeholder():
            return self.expanded(field, value, cased=cased)
        return _text(field, tuple(self.parts(value)), cased)

    def parts(self, value: SigmaString) -> list[Part]:
        parts: list[Part] = []
        for part in value.s:
            if isinstance(part, str):
                if parts and isinstance(parts[-1], str):
                    parts[-1] += part
                else:
                    parts.append(part)
            elif part is SpecialChars.WILDCARD_MULTI:
                if not parts or parts[-1] is not Wild.MULTI:
                    parts.append(Wild.MULTI)
            elif part is SpecialChars.WILDCARD_SINGLE:
                parts.append(Wild.SINGLE)
            else:
                raise self.unsupported(f"unresolved placeholder {part!r} in a value")
        return parts

    def expanded(self, field: str, value: SigmaString, *, cased: bool) -> Node:
        """Replace each ``%name%`` by every value configured for it."""
        variants: list[list[Any]] = [[]]  # every combination of placeholder values
        for part in value.s:
            if isinstance(part, Placeholder):
                options = self.placeholders.get(part.name)
                if not options:
                    raise UnsupportedFeatureError(
                        f"placeholder %{part.name}% has no value",
                        where=self.where,
                        hint="give its values in the placeholders file (--placeholders)",
                    )
                variants = [v + list(SigmaString(o).s) for v in variants for o in options]
            else:
                variants = [v + [part] for v in variants]
        alternatives = []
        for parts in variants:
            string = SigmaString("")
            string.s = tuple(parts)  # type: ignore[assignment]
            alternatives.append(self.string(field, string, cased=cased))
        return _flatten(Or, alternatives)

    def regex(self, field: str, value: SigmaRegularExpression) -> Node:
        flags = "".join(sorted(_REGEX_FLAGS[f] for f in value.flags if f in _REGEX_FLAGS))
        regexp: Any = value.regexp
        pattern = str(regexp.to_plain()) if hasattr(regexp, "to_plain") else str(regexp)
        try:
            re2.compile(pattern)
        except Exception as exc:  # re2 raises its own error type for unsupported syntax
            raise UnsupportedFeatureError(
                f"regular expression {pattern!r} on field {field!r} is not RE2 syntax "
                f"(lookaround and backreferences are not supported): {exc}",
                where=self.where,
            ) from exc
        return Regex(field, pattern, flags)

    def cidr(self, field: str, value: SigmaCIDRExpression) -> Node:
        prefixes = value.expand(wildcard="*")
        return _flatten(Or, [self.string(field, SigmaString(p), cased=False) for p in prefixes])

    def field_ref(self, field: str, value: SigmaFieldReference) -> Node:
        if value.starts_with and value.ends_with:
            return FieldRef(field, value.field, TextOp.CONTAINS)
        if value.starts_with:
            return FieldRef(field, value.field, TextOp.STARTSWITH)
        if value.ends_with:
            return FieldRef(field, value.field, TextOp.ENDSWITH)
        return FieldRef(field, value.field, TextOp.EQ)

    def unsupported(self, what: str) -> UnsupportedFeatureError:
        return UnsupportedFeatureError(f"unsupported Sigma feature: {what}", where=self.where)


def _text(field: str, parts: tuple[Part, ...], cased: bool) -> Node:
    """The simplest comparison that means the same as the wildcard pattern."""
    if not parts:
        return Text(field, TextOp.EQ, "", cased=cased)
    literal = [p for p in parts if isinstance(p, str)]
    inner = parts[1:-1]
    if all(isinstance(p, str) for p in parts):
        return Text(field, TextOp.EQ, "".join(literal), cased=cased)
    if parts == (Wild.MULTI,):
        return Exists(field)
    if len(parts) == 3 and parts[0] is Wild.MULTI and parts[-1] is Wild.MULTI and literal:
        return Text(field, TextOp.CONTAINS, literal[0], cased=cased)
    if len(parts) == 2 and parts[0] is Wild.MULTI and isinstance(parts[1], str):
        return Text(field, TextOp.ENDSWITH, parts[1], cased=cased)
    if len(parts) == 2 and parts[1] is Wild.MULTI and isinstance(parts[0], str):
        return Text(field, TextOp.STARTSWITH, parts[0], cased=cased)
    del inner
    return Text(field, TextOp.GLOB, parts=parts, cased=cased)


def _flatten(kind: type[And] | type[Or], items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else (item,))
    if not flat:
        return Const(kind is And)
    return flat[0] if len(flat) == 1 else kind(tuple(flat))
