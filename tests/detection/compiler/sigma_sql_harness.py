"""Compile a Sigma rule and run its SQL over a few events in an in-memory DuckDB.

The events table is built the way the engine builds its batches: every field a string column,
missing fields as NULL, ``_keywords`` as every field value joined by newlines, and (when the
dialect is prefolded) a ``Field#lc`` twin holding ``lower(Field)`` for each folded field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
from sigma.rule import SigmaRule

from mamori.detection.rules import load_rule_text
from mamori.detection.sql import (
    FOLDED_SUFFIX,
    KEYWORDS_FIELD,
    CompiledRule,
    DuckDBDialect,
    compile_rule,
    get_dialect,
)

Event = Mapping[str, str | None]
Placeholders = Mapping[str, Sequence[str]]

REPO = Path(__file__).resolve().parents[3]
SIGMA_DATA = REPO.parent / "shared" / "data" / "sigma"


def sigma_rule(text: str) -> SigmaRule:
    """The one rule of a YAML text (title and logsource added when missing)."""
    if "title:" not in text:
        text = "title: test rule\n" + text
    if "logsource:" not in text:
        text = "logsource: {product: test}\n" + text
    ruleset = load_rule_text(text, source="test.yml", strict=True)
    (loaded,) = ruleset.rules
    return loaded.rule


def compile_text(
    text: str,
    dialect: str = "duckdb",
    *,
    prefolded: bool = False,
    placeholders: Placeholders | None = None,
) -> CompiledRule:
    """The compiled form of the rule in ``text``."""
    return compile_rule(
        sigma_rule(text),
        get_dialect(dialect, prefolded=prefolded),
        source="test.yml",
        placeholders=placeholders,
    )


def run(compiled: CompiledRule, events: Sequence[Event], *, prefolded: bool) -> list[int]:
    """Indexes of the events the compiled DuckDB condition matches."""
    table = events_table(events)
    dialect = DuckDBDialect(prefolded=prefolded)
    quote = dialect.quote_identifier
    present = set(table.column_names)
    missing = [
        f"CAST(NULL AS VARCHAR) AS {quote(name)}"
        for name in sorted(compiled.columns - present)
        if name != KEYWORDS_FIELD
    ]
    twins = [
        f"lower({quote(name)}) AS {quote(name + FOLDED_SUFFIX)}"
        for name in sorted(compiled.folded_fields)
    ]
    base = ", ".join(["*", *missing])
    folded = ", ".join(["*", *twins]) if prefolded else "*"
    query = (
        f"WITH base AS (SELECT {base} FROM events), "  # noqa: S608
        f"folded AS (SELECT {folded} FROM base) "
        f"SELECT _row FROM folded WHERE {compiled.condition} ORDER BY _row"
    )
    connection = duckdb.connect()
    try:
        connection.register("events", table)
        return [row[0] for row in connection.execute(query).fetchall()]
    finally:
        connection.close()


def matches(
    text: str, events: Sequence[Event], *, placeholders: Placeholders | None = None
) -> list[int]:
    """Indexes of the events the rule matches; both folding modes must agree."""
    plain = run(compile_text(text, placeholders=placeholders), events, prefolded=False)
    twin = run(
        compile_text(text, prefolded=True, placeholders=placeholders), events, prefolded=True
    )
    assert plain == twin, f"lower() gives {plain}, #lc twins give {twin}"
    return plain


def events_table(events: Sequence[Event]) -> pa.Table:
    """Events as an Arrow table of string columns, plus _row and _keywords."""
    names: list[str] = []
    for event in events:
        names.extend(name for name in event if name not in names)
    columns: dict[str, list[object]] = {"_row": list(range(len(events)))}
    for name in names:
        columns[name] = [event.get(name) for event in events]
    columns[KEYWORDS_FIELD] = [
        "\n".join(value for value in event.values() if value is not None) for event in events
    ]
    schema = pa.schema(
        [("_row", pa.int64())] + [(name, pa.string()) for name in columns if name != "_row"]
    )
    return pa.table(columns, schema=schema)
