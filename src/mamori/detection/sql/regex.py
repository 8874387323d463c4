"""Regular expressions: refuse what RE2 (DuckDB's engine) cannot run, naming the construct.

RE2 guarantees linear-time matching, so it has no lookaround, backreferences, atomic groups
or possessive quantifiers. A rule that uses one is refused with the construct named; a
pattern RE2 still rejects after that is refused with RE2's own message.
"""

from __future__ import annotations

import re2

_GROUP_CONSTRUCTS = (
    ("(?<=", "lookbehind (?<=...)"),
    ("(?<!", "negative lookbehind (?<!...)"),
    ("(?=", "lookahead (?=...)"),
    ("(?!", "negative lookahead (?!...)"),
    ("(?>", "atomic group (?>...)"),
    ("(?P=", "named backreference (?P=name)"),
    ("(?(", "conditional group (?(...)...)"),
    ("(?R", "recursion (?R)"),
    ("(?&", "subroutine call (?&name)"),
)
_ESCAPE_CONSTRUCTS = {
    "k": "named backreference \\k<name>",
    "g": "backreference \\g{n}",
    "G": "\\G (end of previous match) anchor",
    "Z": "\\Z anchor (RE2 spells end of text \\z)",
    "K": "\\K (reset match start)",
    "R": "\\R (any line break)",
    "X": "\\X (extended grapheme cluster)",
}
_QUANTIFIERS = "*+?}"
#: Characters escaped when literal text is written into a regular expression.
_SPECIAL = set("\\.+*?()|[]{}^$-#&~/")


def unsupported_construct(pattern: str) -> str | None:
    """The first construct in ``pattern`` that RE2 cannot run, described; None if none."""
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            found = _escape_construct(pattern[index + 1 : index + 2], in_class)
            if found:
                return found
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += _class_opening_length(pattern, index)
            continue
        elif char == "(":
            found = _group_construct(pattern, index)
            if found:
                return found
        elif _possessive(pattern, index):
            return f"possessive quantifier {pattern[index - 1]}+"
        index += 1
    return None


def re2_error(pattern: str) -> str | None:
    """RE2's complaint about ``pattern``, or None when RE2 compiles it."""
    try:
        re2.compile(pattern)
    except re2.error as error:
        return str(error)
    return None


def escape_literal(text: str) -> str:
    """``text`` as a regular expression that matches exactly that text."""
    out: list[str] = []
    for char in text:
        if char in _SPECIAL:
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{{{ord(char):x}}}")
        else:
            out.append(char)
    return "".join(out)


def _escape_construct(follower: str, in_class: bool) -> str | None:
    if follower.isdigit() and follower != "0" and not in_class:
        return f"backreference \\{follower}"
    if in_class:
        return None
    return _ESCAPE_CONSTRUCTS.get(follower)


def _group_construct(pattern: str, index: int) -> str | None:
    for opening, description in _GROUP_CONSTRUCTS:
        if pattern.startswith(opening, index):
            return description
    if pattern.startswith("(?", index) and pattern[index + 2 : index + 3].isdigit():
        return "recursion (?n)"
    return None


def _class_opening_length(pattern: str, index: int) -> int:
    # "[]" and "[^]" take a leading "]" literally, so it must not close the class.
    length = 1
    if pattern[index + length : index + length + 1] == "^":
        length += 1
    if pattern[index + length : index + length + 1] == "]":
        length += 1
    return length


def _possessive(pattern: str, index: int) -> bool:
    return (
        pattern[index] == "+"
        and index > 0
        and pattern[index - 1] in _QUANTIFIERS
        and not _escaped(pattern, index - 1)
    )


def _escaped(pattern: str, index: int) -> bool:
    backslashes = len(pattern[:index]) - len(pattern[:index].rstrip("\\"))
    return backslashes % 2 == 1
