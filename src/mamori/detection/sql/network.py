"""CIDR networks as exact tests on the textual address, with no engine extension.

IPv4: a network aligned to whole octets is a prefix of the dotted quad, so pySigma's
expansion into ``10.*``-style patterns is exact. IPv6: the text may compress zero groups
(``::``), drop leading zeros and use either case, so prefix patterns are not exact. Instead a
regular expression is built whose alternatives name every place the ``::`` can stand, with
each constrained group spelled as the hex digits it may hold. It is exact for any valid
textual IPv6 address (optionally with a ``%zone``), except the embedded-IPv4 form.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from sigma.types import SigmaCIDRExpression

from mamori.detection.sql.expr import AnyOf, Expr, Leaf, equality
from mamori.detection.sql.scope import Scope

_HEX = "0123456789abcdef"
_GROUP = "[0-9a-f]{1,4}"
_ZONE = "(?:%.+)?"


def cidr_test(scope: Scope, field: str, value: SigmaCIDRExpression) -> Expr:
    """The test that ``field`` holds an address inside the network ``value``."""
    network = value.network
    column = scope.plain(field)
    dialect = scope.dialect
    if isinstance(network, IPv4Network):
        tests: list[Expr] = []
        for pattern in value.expand("*"):
            if pattern == "*":
                tests.append(Leaf(dialect.is_not_null(column)))
            elif pattern.endswith("*"):
                tests.append(
                    Leaf(dialect.starts_with(column, dialect.string_literal(pattern[:-1])))
                )
            else:
                tests.append(equality(dialect, column, pattern))
        return tests[0] if len(tests) == 1 else AnyOf(tuple(tests))
    return Leaf(dialect.regex_match(column, dialect.check_regex(ipv6_regex(network))))


def ipv6_regex(network: IPv6Network) -> str:
    """A case-insensitive, anchored regex matching the text of every address in ``network``."""
    groups = [int(group, 16) for group in network.network_address.exploded.split(":")]
    fixed = [max(0, min(16, network.prefixlen - 16 * index)) for index in range(8)]
    tokens = [_group_regex(value, bits) for value, bits in zip(groups, fixed, strict=True)]
    may_be_zero = [
        (value >> (16 - bits)) == 0 if bits else True
        for value, bits in zip(groups, fixed, strict=True)
    ]
    constrained = -(-network.prefixlen // 16)
    alternatives = [_uncompressed(tokens, constrained)]
    for start in range(constrained):
        alternatives.extend(_compressed(tokens, may_be_zero, constrained, start))
    body = "|".join(dict.fromkeys(alternatives))
    return f"(?i)^(?:{body}){_ZONE}$"


def _uncompressed(tokens: list[str], constrained: int) -> str:
    # No "::" among the constrained groups: they are the first groups, in order.
    if constrained == 8:
        return ":".join(tokens)
    head = ":".join(tokens[:constrained])
    return f"{head}:[0-9a-f:.]*" if head else "[0-9a-f:.]*:[0-9a-f:.]*"


def _compressed(
    tokens: list[str], may_be_zero: list[bool], constrained: int, start: int
) -> list[str]:
    # "::" replaces the zero groups start .. start+run-1; groups after it are right-aligned.
    left = ":".join(tokens[:start])
    alternatives: list[str] = []
    for run in range(1, 9 - start):
        if not all(may_be_zero[start : min(start + run, constrained)]):
            break
        right = [
            tokens[index] if index < constrained else _GROUP for index in range(start + run, 8)
        ]
        alternatives.append(f"{left}::{':'.join(right)}")
    return alternatives


def _group_regex(value: int, bits: int) -> str:
    """Every text (1-4 hex digits, leading zeros optional) of a group whose top ``bits`` are
    those of ``value``."""
    if bits == 0:
        return _GROUP
    free = 16 - bits
    low = value >> free << free
    digits = [_digit_set(low, free, position) for position in range(4)]
    forms: list[str] = []
    for dropped in range(4):
        if dropped and "0" not in digits[dropped - 1]:
            break
        forms.append("".join(_char_class(digit) for digit in digits[dropped:]))
    return forms[0] if len(forms) == 1 else "(?:" + "|".join(forms) + ")"


def _digit_set(low: int, free: int, position: int) -> str:
    shift = 4 * (3 - position)
    base = (low >> shift) & 0xF
    free_here = max(0, min(4, free - shift))
    return _HEX[base : base + (1 << free_here)]


def _char_class(digits: str) -> str:
    if len(digits) == 1:
        return digits
    if digits == _HEX:
        return "[0-9a-f]"
    # Listed, not a range: an ASCII range such as 8-b would also take ":" and "A".."Z".
    return f"[{digits}]"
