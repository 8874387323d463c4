"""The condition of a compiled rule, independent of where it runs.

A Sigma rule is turned into this small tree once; from it mamori renders SQL (DuckDB,
Spark), evaluates events directly, and derives the literal strings that any matching event
must contain, which is how the engine skips the rules an event cannot match.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, TypeAlias


class Wild(enum.Enum):
    """A wildcard inside a string value: ``*`` (any run) or ``?`` (one character)."""

    MULTI = "*"
    SINGLE = "?"


Part: TypeAlias = "str | Wild"


class TextOp(enum.Enum):
    """How a string value is compared with a field."""

    EQ = "eq"
    CONTAINS = "contains"
    STARTSWITH = "startswith"
    ENDSWITH = "endswith"
    GLOB = "glob"


@dataclass(frozen=True)
class Text:
    """A string comparison. For ``GLOB`` the value is in ``parts``; otherwise in ``value``.

    ``cased`` is False for Sigma's default case-insensitive matching.
    """

    field: str
    op: TextOp
    value: str = ""
    parts: tuple[Part, ...] = ()
    cased: bool = False


@dataclass(frozen=True)
class Regex:
    """A regular expression (RE2 syntax) searched in a field; ``flags`` is a subset of "ims"."""

    field: str
    pattern: str
    flags: str = ""


@dataclass(frozen=True)
class Compare:
    """A numeric comparison; a value that is not a number does not match."""

    field: str
    op: str  # one of "<", "<=", ">", ">="
    number: float


@dataclass(frozen=True)
class TimePart:
    """A part of a timestamp field (minute, hour, day, week, month, year) equals a number."""

    field: str
    part: str
    number: int


@dataclass(frozen=True)
class Null:
    """The field is absent or empty."""

    field: str


@dataclass(frozen=True)
class Exists:
    """The field is present (``Not(Exists(...))`` for ``exists: false``)."""

    field: str


@dataclass(frozen=True)
class FieldRef:
    """The field's value compared with another field's value of the same event."""

    field: str
    other: str
    op: TextOp = TextOp.EQ


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Const:
    value: bool


Node: TypeAlias = (
    "Text | Regex | Compare | TimePart | Null | Exists | FieldRef | And | Or | Not | Const"
)

KEYWORDS = "_keywords"
"""The pseudo-field keyword (full-text) searches look in: every field value of the event."""


def fields_of(node: Node) -> set[str]:
    """Every event field the condition reads."""
    match node:
        case And(items) | Or(items):
            return set().union(*(fields_of(item) for item in items))
        case Not(item):
            return fields_of(item)
        case Const():
            return set()
        case FieldRef(field, other, _):
            return {field, other}
        case _:
            return {node.field}


def to_data(node: Node) -> Any:
    """The tree as plain JSON-ready data, for the compiled-rule cache."""
    match node:
        case And(items):
            return ["and", [to_data(item) for item in items]]
        case Or(items):
            return ["or", [to_data(item) for item in items]]
        case Not(item):
            return ["not", to_data(item)]
        case Const(value):
            return ["const", value]
        case Text(field, op, value, parts, cased):
            encoded = [part if isinstance(part, str) else {"w": part.value} for part in parts]
            return ["text", field, op.value, value, encoded, cased]
        case Regex(field, pattern, flags):
            return ["re", field, pattern, flags]
        case Compare(field, op, number):
            return ["cmp", field, op, number]
        case TimePart(field, part, number):
            return ["time", field, part, number]
        case Null(field):
            return ["null", field]
        case Exists(field):
            return ["exists", field]
        case FieldRef(field, other, op):
            return ["ref", field, other, op.value]
    raise TypeError(f"not a condition node: {node!r}")


def from_data(data: Any) -> Node:
    """The inverse of :func:`to_data`."""
    kind = data[0]
    if kind in ("and", "or"):
        items = tuple(from_data(item) for item in data[1])
        return And(items) if kind == "and" else Or(items)
    if kind == "not":
        return Not(from_data(data[1]))
    if kind == "const":
        return Const(bool(data[1]))
    if kind == "text":
        parts = tuple(p if isinstance(p, str) else Wild(p["w"]) for p in data[4])
        return Text(data[1], TextOp(data[2]), data[3], parts, bool(data[5]))
    if kind == "re":
        return Regex(data[1], data[2], data[3])
    if kind == "cmp":
        return Compare(data[1], data[2], float(data[3]))
    if kind == "time":
        return TimePart(data[1], data[2], int(data[3]))
    if kind == "null":
        return Null(data[1])
    if kind == "exists":
        return Exists(data[1])
    if kind == "ref":
        return FieldRef(data[1], data[2], TextOp(data[3]))
    raise ValueError(f"unknown condition node {kind!r}")
