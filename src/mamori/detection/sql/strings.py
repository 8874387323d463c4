"""Sigma strings (with ``*`` and ``?`` wildcards) as the cheapest exact SQL test.

A value without wildcards is an equality, ``x*``/``*x``/``*x*`` are prefix, suffix and
substring tests, anything else a LIKE pattern with ``%`` and ``_`` escaped. Matching is
case-insensitive unless the value is cased: the needle is lowercased here and compared with
the field's lowercased column. A needle with no cased letter in it (``4688``, ``C:\\``) is
compared with the plain column, which is the same test without the lowercasing.
"""

from __future__ import annotations

from sigma.types import SigmaString, SpecialChars

from mamori.detection.sql.dialects import LIKE_ESCAPE, Dialect
from mamori.detection.sql.expr import Leaf, equality
from mamori.detection.sql.regex import escape_literal
from mamori.detection.sql.scope import KEYWORDS_FIELD, Scope

Part = str | SpecialChars
ANY = SpecialChars.WILDCARD_MULTI
ONE = SpecialChars.WILDCARD_SINGLE


def string_test(scope: Scope, field: str, value: SigmaString, *, cased: bool) -> Leaf:
    """The test that ``field`` matches the Sigma string ``value``."""
    parts = normalize(value)
    column, parts = _column_and_needle(scope, field, parts, cased)
    return pattern_test(scope.dialect, column, parts)


def keyword_test(scope: Scope, value: SigmaString, *, cased: bool) -> Leaf:
    """The test that the event's text holds the keyword ``value`` inside one field value."""
    parts = normalize(value)
    while parts and parts[0] is ANY:
        parts.pop(0)
    while parts and parts[-1] is ANY:
        parts.pop()
    column, parts = _column_and_needle(scope, KEYWORDS_FIELD, parts, cased)
    dialect = scope.dialect
    if not parts:
        return Leaf(dialect.is_not_null(column))
    if len(parts) == 1 and isinstance(parts[0], str):
        return Leaf(dialect.contains(column, dialect.string_literal(parts[0])))
    # Field values are joined by newlines, so a wildcard must not reach into the next value.
    regex = "".join(
        escape_literal(part) if isinstance(part, str) else "[^\\n]*" if part is ANY else "[^\\n]"
        for part in parts
    )
    return Leaf(dialect.regex_match(column, dialect.check_regex(regex)))


def normalize(value: SigmaString) -> list[Part]:
    """The parts of ``value`` with adjacent text joined and runs of ``*`` collapsed."""
    parts: list[Part] = []
    for part in value.s:
        if not isinstance(part, str | SpecialChars):
            raise TypeError(f"unexpanded placeholder in {value!r}")
        if isinstance(part, str) and parts and isinstance(parts[-1], str):
            parts[-1] += part
        elif not (part is ANY and parts and parts[-1] is ANY) and part != "":
            parts.append(part)
    return parts


def pattern_test(dialect: Dialect, column: str, parts: list[Part]) -> Leaf:
    """The cheapest test that ``column`` matches the wildcard pattern ``parts`` exactly."""
    if not parts:
        return equality(dialect, column, "")
    if all(part is ANY for part in parts):
        return Leaf(dialect.is_not_null(column))
    texts = [part for part in parts if isinstance(part, str)]
    if len(texts) == len(parts):
        return equality(dialect, column, texts[0])
    inner = parts[1:-1] if parts[0] is ANY and parts[-1] is ANY else None
    if inner is not None and len(inner) == 1 and isinstance(inner[0], str):
        return Leaf(dialect.contains(column, dialect.string_literal(inner[0])))
    if len(parts) == 2 and parts[0] is ANY and isinstance(parts[1], str):
        return Leaf(dialect.ends_with(column, dialect.string_literal(parts[1])))
    if len(parts) == 2 and parts[1] is ANY and isinstance(parts[0], str):
        return Leaf(dialect.starts_with(column, dialect.string_literal(parts[0])))
    return Leaf(dialect.like(column, like_pattern(parts)))


def like_pattern(parts: list[Part]) -> str:
    """A LIKE pattern for ``parts``, escaping ``%``, ``_`` and the escape character."""
    out: list[str] = []
    for part in parts:
        if part is ANY:
            out.append("%")
        elif part is ONE:
            out.append("_")
        else:
            for char in str(part):
                out.append(LIKE_ESCAPE + char if char in "%_" + LIKE_ESCAPE else char)
    return "".join(out)


def caseless(text: str) -> bool:
    """True when no character of ``text`` has an upper and a lower case form."""
    return text.lower() == text == text.upper()


def _column_and_needle(
    scope: Scope, field: str, parts: list[Part], cased: bool
) -> tuple[str, list[Part]]:
    needle = "".join(part for part in parts if isinstance(part, str))
    if cased or caseless(needle):
        return scope.plain(field), parts
    fold = scope.dialect.fold_text
    return scope.folded(field), [fold(part) if isinstance(part, str) else part for part in parts]
