"""One detection value (a pySigma type) as a test on one field, or on the event's keywords."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import product
from typing import Any

from sigma.exceptions import SigmaError
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
    SigmaString,
    SigmaTimestampPart,
    SigmaType,
    SpecialChars,
)

from mamori.detection.sql.expr import AnyOf, Expr, Leaf, equality
from mamori.detection.sql.network import cidr_test
from mamori.detection.sql.regex import re2_error, unsupported_construct
from mamori.detection.sql.scope import Scope
from mamori.detection.sql.strings import keyword_test, string_test

_OPERATORS = {
    CompareOperators.LT: "<",
    CompareOperators.LTE: "<=",
    CompareOperators.GT: ">",
    CompareOperators.GTE: ">=",
    CompareOperators.NEQ: "<>",
}
_WILDCARD_TEXT = {SpecialChars.WILDCARD_MULTI: "*", SpecialChars.WILDCARD_SINGLE: "?"}
_PLACEHOLDER_HINT = (
    "give it a list of values in the placeholders mapping, "
    "e.g. placeholders={{'{name}': ['value', 'prefix*']}}"
)


def field_test(scope: Scope, field: str, value: SigmaType) -> Expr:
    """The test that the event's ``field`` matches ``value``."""
    for kind, handler in _FIELD_TESTS:
        if isinstance(value, kind):
            return handler(scope, field, value)
    raise _unsupported_type(scope, value)


def _expansion(scope: Scope, field: str, value: SigmaExpansion) -> Expr:
    return _any(field_test(scope, field, item) for item in value.values)


def _string(scope: Scope, field: str, value: SigmaString) -> Expr:
    cased = isinstance(value, SigmaCasedString)
    return _any(string_test(scope, field, item, cased=cased) for item in _expand(scope, value))


def _timestamp_part(scope: Scope, field: str, value: SigmaTimestampPart) -> Expr:
    part = scope.dialect.timestamp_part(scope.plain(field), value.timestamp_part.name.lower())
    return Leaf(f"{part} = {value.number}")


def _boolean(scope: Scope, field: str, value: SigmaBool) -> Expr:
    return equality(scope.dialect, scope.folded(field), "true" if value.boolean else "false")


def _number(scope: Scope, field: str, value: SigmaNumber) -> Expr:
    # Events carry every field as text, so a number matches the text it is written as.
    return equality(scope.dialect, scope.plain(field), str(value.number))


def _null(scope: Scope, field: str, value: SigmaNull) -> Expr:
    return Leaf(scope.dialect.is_null(scope.plain(field)))


def _exists(scope: Scope, field: str, value: SigmaExists) -> Expr:
    column = scope.plain(field)
    dialect = scope.dialect
    return Leaf(dialect.is_not_null(column) if value.exists else dialect.is_null(column))


def _regex(scope: Scope, field: str, value: SigmaRegularExpression) -> Expr:
    flags = "".join(SigmaRegularExpression.sigma_to_re_flag[flag] for flag in value.flags)
    patterns = _regex_patterns(scope, value)
    return _any(_regex_test(scope, field, pattern, flags) for pattern in patterns)


def _compare(scope: Scope, field: str, value: SigmaCompareExpression) -> Expr:
    column = scope.plain(field)
    return Leaf(scope.dialect.compare(column, _OPERATORS[value.op], value.number.number))


def keyword_value_test(scope: Scope, value: SigmaType) -> Expr:
    """The test that the event's text holds the keyword ``value``."""
    if isinstance(value, SigmaExpansion):
        return _any(keyword_value_test(scope, item) for item in value.values)
    if isinstance(value, SigmaString):
        cased = isinstance(value, SigmaCasedString)
        return _any(keyword_test(scope, item, cased=cased) for item in _expand(scope, value))
    if isinstance(value, SigmaNumber) and not isinstance(value, SigmaTimestampPart):
        return keyword_test(scope, SigmaString.from_str(str(value.number)), cased=False)
    raise scope.unsupported(
        f"a keyword (a value with no field) of type {_type_name(value)} has no exact meaning",
        hint="bind the value to a field, or search a plain string",
        construct=f"keyword {_type_name(value)}",
    )


def _field_reference(scope: Scope, field: str, value: SigmaFieldReference) -> Expr:
    dialect = scope.dialect
    this, other = scope.folded(field), scope.folded(value.field)
    if value.starts_with and value.ends_with:
        return Leaf(dialect.contains(this, other))
    if value.starts_with:
        return Leaf(dialect.starts_with(this, other))
    if value.ends_with:
        return Leaf(dialect.ends_with(this, other))
    return Leaf(f"{this} = {other}")


def _regex_test(scope: Scope, field: str, pattern: str, flags: str) -> Expr:
    construct = unsupported_construct(pattern)
    if construct is not None:
        raise scope.unsupported(
            f"regular expression {pattern!r} uses {construct}, which RE2 cannot run",
            hint="rewrite the pattern without it, e.g. split it into several conditions",
            construct=construct,
        )
    problem = re2_error(f"(?{flags}){pattern}" if flags else pattern)
    if problem is not None:
        raise scope.unsupported(
            f"regular expression {pattern!r} is not valid for RE2: {problem}",
            hint="use the RE2 syntax (https://github.com/google/re2/wiki/Syntax)",
            construct="regular expression syntax",
        )
    dialect = scope.dialect
    full = dialect.regex_flags(flags) + dialect.check_regex(pattern)
    return Leaf(dialect.regex_match(scope.plain(field), full))


def _regex_patterns(scope: Scope, value: SigmaRegularExpression) -> list[str]:
    choices: list[list[str]] = []
    for part in value.regexp.s:
        if isinstance(part, Placeholder):
            choices.append(_placeholder_values(scope, part.name))
        elif isinstance(part, SpecialChars):
            # pySigma reads "*" and "?" of a pattern as wildcards; in a regex they are themselves.
            choices.append([_WILDCARD_TEXT[part]])
        else:
            choices.append([part])
    count = 1
    for choice in choices:
        count *= len(choice)
    if count > SigmaString.max_placeholder_expansions:
        raise scope.invalid(
            f"placeholders expand this pattern into {count} patterns",
            hint=f"keep it to {SigmaString.max_placeholder_expansions} or fewer",
        )
    return ["".join(combination) for combination in product(*choices)]


def _expand(scope: Scope, value: SigmaString) -> list[SigmaString]:
    if not value.contains_placeholder():
        return [value]

    def values(placeholder: Placeholder) -> Iterator[SigmaString]:
        for text in _placeholder_values(scope, placeholder.name):
            yield SigmaString(text)

    try:
        expanded = value.replace_placeholders(values)
    except SigmaError as error:
        raise scope.invalid(str(error), hint="use fewer placeholder values") from None
    if isinstance(value, SigmaCasedString):
        return [SigmaCasedString.from_sigma_string(item) for item in expanded]
    return expanded


def _placeholder_values(scope: Scope, name: str) -> list[str]:
    values = scope.placeholders.get(name)
    if values is None:
        raise scope.unsupported(
            f"placeholder %{name}% has no value",
            hint=_PLACEHOLDER_HINT.format(name=name),
            construct=f"placeholder %{name}%",
        )
    if not values:
        raise scope.invalid(
            f"placeholder %{name}% has an empty list of values, so the rule could never match",
            hint=_PLACEHOLDER_HINT.format(name=name),
        )
    return [str(text) for text in values]


def _any(tests: Iterator[Expr] | list[Expr]) -> Expr:
    parts = tuple(tests)
    return parts[0] if len(parts) == 1 else AnyOf(parts)


# Checked in order: a subclass (cased string, timestamp part) comes before its base class.
_FIELD_TESTS: tuple[tuple[type[Any], Callable[[Scope, str, Any], Expr]], ...] = (
    (SigmaExpansion, _expansion),
    (SigmaString, _string),
    (SigmaTimestampPart, _timestamp_part),
    (SigmaBool, _boolean),
    (SigmaNumber, _number),
    (SigmaNull, _null),
    (SigmaExists, _exists),
    (SigmaRegularExpression, _regex),
    (SigmaCIDRExpression, cidr_test),
    (SigmaCompareExpression, _compare),
    (SigmaFieldReference, _field_reference),
)


def _unsupported_type(scope: Scope, value: SigmaType) -> Exception:
    return scope.unsupported(
        f"values of type {_type_name(value)} cannot be compiled to SQL",
        hint="remove the modifier or processing that produces them",
        construct=_type_name(value),
    )


def _type_name(value: SigmaType) -> str:
    return type(value).__name__
