"""Evaluate a rule's condition on one event, in process.

The engine calls these predicates only for the (event, rule) pairs its literal index could
not rule out, so they favour clarity over cleverness. Regular expressions run on RE2, as in
DuckDB: matching time is linear in the input, so no rule can stall a hunt with
catastrophic backtracking.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import re2

from mamori.detection.ir import (
    And,
    Compare,
    Const,
    Exists,
    FieldRef,
    Node,
    Not,
    Null,
    Or,
    Regex,
    Text,
    TextOp,
    TimePart,
    Wild,
)


class Row:
    """One event of a batch, read lazily from its columns, with case-folded values cached."""

    __slots__ = ("_columns", "_index", "_folded", "_aliases")

    def __init__(
        self, columns: Mapping[str, Sequence[str | None]], index: int, aliases: Mapping[str, str]
    ) -> None:
        self._columns = columns
        self._index = index
        self._aliases = aliases
        self._folded: dict[str, str | None] = {}

    def value(self, field: str) -> str | None:
        """The field's value as the log has it, or None when the event lacks it."""
        column = self._columns.get(self._aliases.get(field, field))
        return None if column is None else column[self._index]

    def folded(self, field: str) -> str | None:
        """The value in lower case (Sigma matches strings case-insensitively by default)."""
        try:
            return self._folded[field]
        except KeyError:
            value = self.value(field)
            folded = None if value is None else value.lower()
            self._folded[field] = folded
            return folded


Predicate = Callable[[Row], bool]


def predicate(node: Node | _AnyOf) -> Predicate:
    """A function that says whether an event satisfies the condition."""
    if isinstance(node, _AnyOf):
        return _any_of(node)
    match node:
        case And(items):
            parts = tuple(predicate(item) for item in items)
            if len(parts) == 2:
                first, second = parts
                return lambda row: first(row) and second(row)
            return lambda row: all(part(row) for part in parts)
        case Or(items):
            parts = tuple(predicate(item) for item in _grouped(items))
            if len(parts) == 2:
                first, second = parts
                return lambda row: first(row) or second(row)
            return lambda row: any(part(row) for part in parts)
        case Not(item):
            inner = predicate(item)
            return lambda row: not inner(row)
        case Const(value):
            return lambda row: value
        case Text():
            return _text(node)
        case Regex():
            return _regex(node)
        case Compare():
            return _compare(node)
        case TimePart():
            return _time_part(node)
        case Null(field):
            return lambda row: not row.value(field)
        case Exists(field):
            return lambda row: row.value(field) is not None
        case FieldRef():
            return _field_ref(node)
    raise TypeError(f"not a condition node: {node!r}")


_SET_OPS = (TextOp.EQ, TextOp.STARTSWITH, TextOp.ENDSWITH, TextOp.CONTAINS)


def _grouped(items: tuple[Node, ...]) -> list[Node | _AnyOf]:
    """Alternatives on one field with one operator become a single test over all values:
    ``Image|endswith: [a, b, ...]`` is then one C-level ``endswith`` call on a tuple."""
    groups: dict[tuple[str, TextOp, bool], list[str]] = {}
    rest: list[Node | _AnyOf] = []
    for item in items:
        if isinstance(item, Text) and item.op in _SET_OPS:
            groups.setdefault((item.field, item.op, item.cased), []).append(item.value)
        else:
            rest.append(item)
    grouped: list[Node | _AnyOf] = [
        _AnyOf(field, op, tuple(values), cased)
        if len(values) > 1
        else Text(field, op, values[0], cased=cased)
        for (field, op, cased), values in groups.items()
    ]
    return grouped + rest


class _AnyOf:
    """One field compared with several values by one operator (an OR of them)."""

    def __init__(self, field: str, op: TextOp, values: tuple[str, ...], cased: bool) -> None:
        self.field, self.op, self.cased = field, op, cased
        self.values = values if cased else tuple(v.lower() for v in values)


def _any_of(node: _AnyOf) -> Predicate:
    values = node.values
    if node.op is TextOp.EQ:
        members = frozenset(values)
        return _on_value(node.field, node.cased, lambda v: v in members)
    if node.op is TextOp.STARTSWITH:
        return _on_value(node.field, node.cased, lambda v: v.startswith(values))
    if node.op is TextOp.ENDSWITH:
        return _on_value(node.field, node.cased, lambda v: v.endswith(values))
    return _on_value(node.field, node.cased, lambda v: any(n in v for n in values))


def _text(node: Text) -> Predicate:
    field, cased = node.field, node.cased
    if node.op is TextOp.GLOB:
        pattern = "".join(
            re.escape(part if cased else part.lower())
            if isinstance(part, str)
            else (".*" if part is Wild.MULTI else ".")
            for part in node.parts
        )
        compiled = re.compile(pattern, re.DOTALL)
        return _on_value(field, cased, lambda v: compiled.fullmatch(v) is not None)
    needle = node.value if cased else node.value.lower()
    test: Callable[[str], bool] = {
        TextOp.EQ: lambda v: v == needle,
        TextOp.CONTAINS: lambda v: needle in v,
        TextOp.STARTSWITH: lambda v: v.startswith(needle),
        TextOp.ENDSWITH: lambda v: v.endswith(needle),
    }[node.op]
    return _on_value(field, cased, test)


def _on_value(field: str, cased: bool, test: Callable[[str], bool]) -> Predicate:
    if cased:
        return lambda row: (v := row.value(field)) is not None and test(v)
    return lambda row: (v := row.folded(field)) is not None and test(v)


def _regex(node: Regex) -> Predicate:
    inline = "".join(sorted(set(node.flags) & set("ims")))
    compiled: Any = re2.compile(f"(?{inline}){node.pattern}" if inline else node.pattern)
    field = node.field
    return lambda row: (v := row.value(field)) is not None and compiled.search(v) is not None


def _compare(node: Compare) -> Predicate:
    field, number = node.field, node.number
    test: Callable[[float], bool] = {
        "<": lambda x: x < number,
        "!=": lambda x: x != number,
        "<=": lambda x: x <= number,
        ">": lambda x: x > number,
        ">=": lambda x: x >= number,
    }[node.op]

    def compare(row: Row) -> bool:
        value = row.value(field)
        if value is None:
            return False
        try:
            return test(float(value))
        except ValueError:
            return False

    return compare


_TIME_PARTS: dict[str, Callable[[datetime], int]] = {
    "minute": lambda t: t.minute,
    "hour": lambda t: t.hour,
    "day": lambda t: t.day,
    "week": lambda t: t.isocalendar().week,
    "month": lambda t: t.month,
    "year": lambda t: t.year,
}


def _time_part(node: TimePart) -> Predicate:
    field, number, part = node.field, node.number, _TIME_PARTS[node.part]

    def compare(row: Row) -> bool:
        value = row.value(field)
        if not value:
            return False
        try:
            stamp = datetime.fromisoformat(value.strip())
        except ValueError:
            return False
        return part(stamp) == number

    return compare


def _field_ref(node: FieldRef) -> Predicate:
    field, other = node.field, node.other
    test: Callable[[str, str], bool] = {
        TextOp.EQ: lambda a, b: a == b,
        TextOp.CONTAINS: lambda a, b: b in a,
        TextOp.STARTSWITH: lambda a, b: a.startswith(b),
        TextOp.ENDSWITH: lambda a, b: a.endswith(b),
    }[node.op]

    def compare(row: Row) -> bool:
        a, b = row.folded(field), row.folded(other)
        return a is not None and b is not None and test(a, b)

    return compare
