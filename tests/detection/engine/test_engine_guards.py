"""Guards are only ever necessary conditions: an event a rule matches always passes them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.detection.evaluate import Row, predicate
from mamori.detection.guards import guards, regex_literal, required_field
from mamori.detection.ir import And, Node, Not, Null, Or, Regex, Text, TextOp, Wild

FIELDS = ("Image", "CommandLine")
ALPHABET = "abAB\\.-x "

texts = st.text(alphabet=ALPHABET, max_size=6)


@st.composite
def atoms(draw: st.DrawFn) -> Node:
    field = draw(st.sampled_from(FIELDS))
    kind = draw(st.sampled_from(["eq", "contains", "startswith", "endswith", "glob", "re", "null"]))
    if kind == "glob":
        parts = draw(
            st.lists(st.one_of(texts, st.sampled_from(list(Wild))), min_size=1, max_size=4)
        )
        return Text(field, TextOp.GLOB, parts=tuple(parts), cased=draw(st.booleans()))
    if kind == "re":
        return Regex(
            field, re.escape(draw(texts)) + draw(st.sampled_from(["", ".*", "x?", "(a|b)"]))
        )
    if kind == "null":
        return Null(field)
    return Text(field, TextOp(kind), draw(texts), cased=draw(st.booleans()))


trees = st.recursive(
    atoms(),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda items: And(tuple(items))),
        st.lists(children, min_size=2, max_size=3).map(lambda items: Or(tuple(items))),
        children.map(Not),
    ),
    max_leaves=6,
)
events = st.fixed_dictionaries(
    {field: st.one_of(st.none(), st.text(ALPHABET, max_size=12)) for field in FIELDS}
)


@settings(max_examples=600, deadline=None)
@given(trees, events)
def test_a_matching_event_satisfies_every_guard(tree: Node, event: dict[str, str | None]) -> None:
    columns = {name: [value] for name, value in event.items()}
    if not predicate(tree)(Row(columns, 0, {})):
        return
    for needed in guards(tree):
        assert any(
            (event[field] or "").lower().find(literal) >= 0 and event[field] is not None
            for field, literal in needed
        ), (tree, event, needed)
    field = required_field(tree)
    if field is not None:
        assert event[field] is not None


def test_regex_literals_are_conservative() -> None:
    assert regex_literal(r"foo.*bar") == "foo"
    assert regex_literal(r"a|bcd") == ""
    assert regex_literal(r"ab{2}cdef") == "cdef"
    assert regex_literal(r".{1000,}") == ""
    assert regex_literal(r"\\windows\\sys+tem32") == "\\windows\\sys"
    assert regex_literal(r"x(abc|def)yzw") == "yzw"
    assert regex_literal(r"[a-z]+hello?") == "hell"


@pytest.mark.filterwarnings("ignore::FutureWarning")
@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="ab.*+?|()[]{}\\^$0123", max_size=10), st.text("ab.\\(){}0123", max_size=12)
)
def test_a_regex_match_contains_its_literal(pattern: str, value: str) -> None:
    try:
        compiled = re.compile(pattern)
    except (re.error, OverflowError):
        return
    if compiled.search(value):
        assert regex_literal(pattern) in value
