"""A tiny boolean expression tree, so that the SQL a rule compiles to is flat and tidy.

Nested ANDs and ORs are flattened, equality tests on one column inside an OR become a single
``IN`` list, and parentheses appear only where precedence needs them. Rendering is a pure
function of the tree, so the same rule always gives the same SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from mamori.detection.errors import DetectionError
from mamori.detection.sql.dialects import Dialect


@dataclass(frozen=True)
class Leaf:
    """One test. ``column`` and ``text`` are set for an equality test (``column = text``)."""

    sql: str
    column: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class AllOf:
    """Every part must hold."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one part must hold."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    """The part must not hold (a NULL test counts as not holding)."""

    part: Expr


Expr = Leaf | AllOf | AnyOf | Not


def equality(dialect: Dialect, column: str, text: str) -> Leaf:
    """``column = text``, kept recognisable so that an OR of them can become an IN list."""
    return Leaf(dialect.equals(column, text), column=column, text=text)


def render(expr: Expr, dialect: Dialect) -> str:
    """The SQL boolean expression for ``expr``."""
    if isinstance(expr, Leaf):
        return expr.sql
    if isinstance(expr, Not):
        return dialect.negate(render(expr.part, dialect))
    parts = _flatten(expr)
    if not parts:
        raise DetectionError("an empty AND/OR cannot be rendered: it would match nothing")
    if isinstance(expr, AnyOf):
        parts = _merge_equalities(parts, dialect)
    if len(parts) == 1:
        return render(parts[0], dialect)
    joiner = " AND " if isinstance(expr, AllOf) else " OR "
    return joiner.join(_operand(part, dialect) for part in parts)


def _operand(part: Expr, dialect: Dialect) -> str:
    text = render(part, dialect)
    if isinstance(part, AllOf | AnyOf) and _arity(part) > 1:
        return f"({text})"
    return text


def _arity(expr: AllOf | AnyOf) -> int:
    parts = _flatten(expr)
    return len(parts) if isinstance(expr, AllOf) else len(_equality_groups(parts))


def _flatten(expr: AllOf | AnyOf) -> list[Expr]:
    flat: list[Expr] = []
    for part in expr.parts:
        if isinstance(part, AllOf | AnyOf) and type(part) is type(expr):
            flat.extend(_flatten(part))
        else:
            flat.append(part)
    return flat


def _equality_groups(parts: list[Expr]) -> list[list[Expr]]:
    groups: list[list[Expr]] = []
    by_column: dict[str, list[Expr]] = {}
    for part in parts:
        if isinstance(part, Leaf) and part.column is not None:
            group = by_column.get(part.column)
            if group is not None:
                group.append(part)
                continue
            by_column[part.column] = group = [part]
            groups.append(group)
        else:
            groups.append([part])
    return groups


def _merge_equalities(parts: list[Expr], dialect: Dialect) -> list[Expr]:
    merged: list[Expr] = []
    for group in _equality_groups(parts):
        first = group[0]
        if len(group) == 1 or not isinstance(first, Leaf) or first.column is None:
            merged.extend(group)
            continue
        texts = list(dict.fromkeys(part.text for part in group if isinstance(part, Leaf)))
        texts_clean = [text for text in texts if text is not None]
        sql = (
            dialect.equals(first.column, texts_clean[0])
            if len(texts_clean) == 1
            else dialect.in_list(first.column, texts_clean)
        )
        merged.append(Leaf(sql))
    return merged
