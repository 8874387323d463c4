"""Dialects quote and escape so the engine reads back exactly what the rule said."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.detection.errors import DetectionError, UnsupportedFeatureError
from mamori.detection.sql import DIALECTS, DuckDBDialect, SparkDialect, get_dialect
from mamori.detection.sql.expr import AllOf, AnyOf, Leaf, Not, equality, render


def test_registry_and_unknown_names() -> None:
    assert set(DIALECTS) == {"duckdb", "spark"}
    assert isinstance(get_dialect("spark"), SparkDialect)
    with pytest.raises(DetectionError) as caught:
        get_dialect("oracle")
    assert caught.value.hint is not None and "duckdb" in caught.value.hint


def test_identifier_quoting() -> None:
    assert DuckDBDialect().quote_identifier('a"b') == '"a""b"'
    assert SparkDialect().quote_identifier("a`b") == "`a``b`"


def test_folded_column_is_a_twin_or_lower() -> None:
    assert DuckDBDialect(prefolded=True).folded("CommandLine") == '"CommandLine#lc"'
    assert DuckDBDialect().folded("CommandLine") == 'lower("CommandLine")'
    assert SparkDialect().folded("x") == "lower(`x`)"
    assert DuckDBDialect(prefolded=True).options() == {"dialect": "duckdb", "prefolded": True}


def test_spark_literals_escape_backslashes_quotes_and_controls() -> None:
    spark = SparkDialect()
    assert spark.string_literal("C:\\Windows\\") == "'C:\\\\Windows\\\\'"
    assert spark.string_literal("it's") == "'it\\'s'"
    assert spark.string_literal("a\nb\x00") == "'a\\nb\\u0000'"


_TEXTS = st.lists(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40),
    min_size=1,
    max_size=30,
)


@settings(max_examples=40, deadline=None)
@given(_TEXTS)
def test_duckdb_reads_every_literal_back_and_lowers_it_as_fold_text(texts: list[str]) -> None:
    dialect = DuckDBDialect()
    selects = [
        f"{dialect.string_literal(text)}, lower({dialect.string_literal(text)})" for text in texts
    ]
    with duckdb.connect() as connection:
        row = connection.execute("SELECT " + ", ".join(selects)).fetchone()
    assert row is not None
    assert list(row[0::2]) == texts
    assert list(row[1::2]) == [dialect.fold_text(text) for text in texts]


def test_spark_regex_translation() -> None:
    spark = SparkDialect()
    assert spark.check_regex("(?P<name>a)") == "(?<name>a)"
    with pytest.raises(UnsupportedFeatureError):
        spark.check_regex("[[:alpha:]]")


def test_equalities_in_an_or_become_one_in_list() -> None:
    dialect = DuckDBDialect()
    expr = AnyOf(
        (
            equality(dialect, '"A"', "1"),
            Leaf("x"),
            equality(dialect, '"A"', "2"),
            equality(dialect, '"A"', "1"),
        )
    )
    assert render(expr, dialect) == "\"A\" IN ('1', '2') OR x"


def test_parentheses_only_where_needed() -> None:
    dialect = DuckDBDialect()
    expr = AllOf((Leaf("a"), AnyOf((Leaf("b"), Leaf("c"))), AllOf((Leaf("d"), Leaf("e")))))
    assert render(expr, dialect) == "a AND (b OR c) AND d AND e"
    assert render(Not(AnyOf((Leaf("a"), Leaf("b")))), dialect) == "NOT coalesce(a OR b, FALSE)"
    one = AnyOf((equality(dialect, '"A"', "1"), equality(dialect, '"A"', "2")))
    assert render(AllOf((Leaf("z"), one)), dialect) == "z AND \"A\" IN ('1', '2')"


def test_an_empty_group_is_refused() -> None:
    with pytest.raises(DetectionError):
        render(AnyOf(()), DuckDBDialect())


def test_spark_case_insensitive_regexes_fold_unicode() -> None:
    from sigma_sql_harness import compile_text

    compiled = compile_text("detection:\n  s:\n    A|re|i: 'é+'\n  condition: s", "spark")
    assert compiled.condition == "`A` RLIKE '(?iu)é+'"
