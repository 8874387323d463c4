"""The literal strings an event must contain for a rule to have any chance of matching.

Most Sigma conditions are built from string comparisons: ``Image|endswith: \\cmd.exe``
can only hold for an event whose (case-folded) Image contains ``\\cmd.exe``. For each rule
we derive a *guard*: a set of (field, literal) pairs of which at least one must occur in
the event. One Aho-Corasick pass per field then finds, for a whole batch, which rules are
worth evaluating — whatever the number of rules. A guard is only ever a necessary
condition; the rule itself still decides.
"""

from __future__ import annotations

from mamori.detection.ir import (
    And,
    Compare,
    Const,
    Exists,
    FieldRef,
    Node,
    Not,
    Or,
    Regex,
    Text,
    TextOp,
    TimePart,
    Wild,
)

Guard = frozenset[tuple[str, str]]


def guards(node: Node, limit: int = 2) -> list[Guard]:
    """Up to ``limit`` independent guards that must *all* hold, best first.

    Requiring two literals from different parts of a condition (the image name *and* a
    command-line fragment) rules out far more events than either alone.
    """
    if isinstance(node, And):
        found = [g for item in node.items for g in guards(item, limit)]
        return sorted(set(found), key=_cost)[:limit]
    if isinstance(node, Or):
        # Whichever branch matches brings its own first and last guard: the unions of the
        # branches' first guards and of their last guards are both necessary.
        branches = [guards(item, limit) for item in node.items]
        if not branches or any(not branch for branch in branches):
            return []
        first = frozenset().union(*(branch[0] for branch in branches))
        last = frozenset().union(*(branch[-1] for branch in branches))
        return [first] if first == last else sorted({first, last}, key=_cost)
    single = guard(node)
    return [] if single is None else [single]


def required_field(node: Node) -> str | None:
    """A field the event must have for the condition to hold, when there is one."""
    match node:
        case Text() | Regex() | Compare() | TimePart() | Exists():
            return node.field
        case FieldRef(field, _, _):
            return field
        case And(items):
            return next((f for f in map(required_field, items) if f is not None), None)
        case Or(items):
            found = {required_field(item) for item in items}
            return found.pop() if len(found) == 1 else None
    return None


def guard(node: Node) -> Guard | None:
    """The rule's guard, or None when no literal is necessary (the rule is always checked).

    An empty guard means the condition can never hold.
    """
    match node:
        case Text():
            literal = _literal(node)
            return frozenset({(node.field, literal)}) if literal else None
        case Or(items):
            alternatives = [guard(item) for item in items]
            if any(alternative is None for alternative in alternatives):
                return None
            return frozenset().union(*(a for a in alternatives if a is not None))
        case And(items):
            candidates = [g for g in (guard(item) for item in items) if g is not None]
            return min(candidates, key=_cost) if candidates else None
        case Regex(field, pattern, _):
            literal = regex_literal(pattern)
            return frozenset({(field, literal.lower())}) if len(literal) >= 3 else None
        case Const(value):
            return None if value else frozenset()
        case Not():
            return None
    return None


def _literal(node: Text) -> str:
    """The longest literal piece the value must contain, folded to lower case."""
    if node.op is not TextOp.GLOB:
        return node.value.lower()
    pieces: list[str] = []
    current = ""
    for part in node.parts:
        if isinstance(part, Wild):
            pieces.append(current)
            current = ""
        else:
            current += part
    pieces.append(current)
    return max(pieces, key=len).lower()


def _cost(candidate: Guard) -> tuple[float, int]:
    """Lower is better: short literals occur everywhere, and every alternative costs."""
    if not candidate:
        return (0.0, 0)
    shortest = min(len(literal) for _, literal in candidate)
    return (1.0 / shortest, len(candidate))


_META = set(".^$*+?{}[]()|")
_OPTIONAL = set("*?{")


def regex_literal(pattern: str) -> str:
    """The longest run of plain characters every match of ``pattern`` must contain.

    Conservative: a pattern with a top-level alternative gives no literal, and only
    characters outside groups and classes, not made optional by a quantifier, count.
    """
    runs: list[str] = []
    current: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            i += 2
            if depth == 0 and not escaped.isalnum():
                current.append(escaped)
                current = _quantified(pattern, i, current, runs)
            else:
                runs.append("".join(current))
                current = []
            continue
        i += 1
        if char == "[":
            i = _class_end(pattern, i)
            runs.append("".join(current))
            current = []
        elif char == "(":
            depth += 1
            runs.append("".join(current))
            current = []
        elif char == ")":
            depth -= 1
        elif char == "|":
            if depth == 0:
                return ""
        elif char == "{":
            i = pattern.find("}", i) + 1 or len(pattern)
            runs.append("".join(current))
            current = []
        elif char in _META:
            runs.append("".join(current))
            current = []
        elif depth == 0:
            current.append(char)
            current = _quantified(pattern, i, current, runs)
    runs.append("".join(current))
    return max(runs, key=len)


def _quantified(pattern: str, i: int, current: list[str], runs: list[str]) -> list[str]:
    """Handle a quantifier right after a literal character at ``pattern[i]``."""
    if i < len(pattern) and pattern[i] in _OPTIONAL:
        runs.append("".join(current[:-1]))
        if pattern[i] == "{":
            # the quantifier's digits are not literals: leave them to the caller's skip
            return []
        return []
    if i < len(pattern) and pattern[i] == "+":
        runs.append("".join(current))
        return []
    return current


def _class_end(pattern: str, i: int) -> int:
    """The index just past the character class that starts before ``i``."""
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1
