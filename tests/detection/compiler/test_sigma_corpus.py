"""The whole SigmaHQ corpus: how much compiles, that the SQL runs, and that the rules fire on
SigmaHQ's own regression samples."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import yaml
from sigma_sql_harness import SIGMA_DATA, run

from mamori.detection.cache import CompiledRuleSet, compile_files
from mamori.detection.rules import read_rule_files
from mamori.detection.sql import FOLDED_SUFFIX, KEYWORDS_FIELD, CompiledRule, get_dialect

CORPUS = ("rules", "rules-emerging-threats", "rules-threat-hunting")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (SIGMA_DATA / "rules").is_dir(),
        reason=f"the SigmaHQ corpus is not at {SIGMA_DATA} (shared data not mounted)",
    ),
]


@pytest.fixture(scope="module")
def corpus() -> CompiledRuleSet:
    files = read_rule_files([SIGMA_DATA / name for name in CORPUS])
    return compile_files(files, get_dialect("duckdb", prefolded=True))


def test_nearly_all_of_the_corpus_compiles(corpus: CompiledRuleSet) -> None:
    total = len(corpus.rules) + len(corpus.problems)
    by_reason = Counter(
        f"{problem.code}: {problem.construct or problem.reason}" for problem in corpus.problems
    )
    print(f"\nSigmaHQ corpus: {len(corpus.rules)} of {total} rules compile")
    for reason, count in by_reason.most_common():
        print(f"  {count:4d}  {reason}")
    assert total > 3000
    assert len(corpus.rules) / total >= 0.97
    for problem in corpus.problems:
        assert problem.path.endswith((".yml", ".yaml")) and Path(problem.path).is_file()
        assert problem.reason


def test_the_spark_dialect_compiles_the_same_rules(corpus: CompiledRuleSet) -> None:
    files = read_rule_files([SIGMA_DATA / name for name in CORPUS])
    spark = compile_files(files, get_dialect("spark"))
    assert [rule.id for rule in spark.rules] == [rule.id for rule in corpus.rules]


def test_every_condition_runs_in_duckdb(corpus: CompiledRuleSet) -> None:
    rules = list(corpus.rules)
    with duckdb.connect() as connection:
        for start in range(0, len(rules), 200):
            chunk = rules[start : start + 200]
            connection.register("events", _one_event_of(chunk))
            selects = ", ".join(f"count(*) FILTER (WHERE {rule.condition})" for rule in chunk)
            assert connection.execute(f"SELECT {selects} FROM events").fetchall()  # noqa: S608
            connection.unregister("events")


def test_rules_fire_on_sigmahq_regression_samples(corpus: CompiledRuleSet) -> None:
    by_id = {rule.id: rule for rule in corpus.rules}
    checked, missed, counts_differ = 0, [], []
    for info, sample, expected in _regression_samples():
        rule = by_id.get(info["rule_metadata"][0]["id"])
        if rule is None:
            continue
        matched = run(rule, [_flatten(event) for event in _json_events(sample)], prefolded=True)
        checked += 1
        if not matched:
            missed.append(sample.name)
        elif expected is not None and len(matched) != expected:
            counts_differ.append((sample.parent.name, len(matched), expected))
    print(f"\nregression samples: {checked} checked, counts differing: {counts_differ}")
    assert checked > 150
    assert missed == []


def test_placeholder_rules_are_refused_until_every_placeholder_has_values() -> None:
    files = read_rule_files([SIGMA_DATA / "rules-placeholder"])
    dialect = get_dialect("duckdb")
    values: dict[str, list[str]] = {}
    first = result = compile_files(files, dialect)
    for _ in range(10):
        missing = {problem.construct for problem in result.problems if problem.construct}
        if not missing:
            break
        for construct in missing:
            assert construct.startswith("placeholder %")
            values[construct.removeprefix("placeholder %").removesuffix("%")] = ["value", "x*"]
        result = compile_files(files, dialect, placeholders=values)
    assert len(first.problems) >= 15
    assert all(problem.code == "detection.unsupported" for problem in first.problems)
    assert result.problems == ()
    assert len(result.rules) == len(first.rules) + len(first.problems)


def _one_event_of(rules: list[CompiledRule]) -> pa.Table:
    names = sorted({name for rule in rules for name in rule.columns} | {KEYWORDS_FIELD})
    columns: dict[str, list[str]] = {name: ["x"] for name in names}
    columns.update({name + FOLDED_SUFFIX: ["x"] for name in names})
    return pa.table(columns)


def _regression_samples() -> Iterator[tuple[dict[str, Any], Path, int | None]]:
    for info_path in sorted((SIGMA_DATA / "regression_data").rglob("info.yml")):
        info = yaml.safe_load(info_path.read_text(encoding="utf-8"))
        for test in info.get("regression_tests_info") or []:
            sample = info_path.parent / (Path(test["path"]).stem + ".json")
            if test.get("type") == "evtx" and sample.is_file():
                yield info, sample, test.get("match_count")


def _json_events(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    decoder, index, events = json.JSONDecoder(), 0, []
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return events
        event, index = decoder.raw_decode(text, index)
        events.append(event)


def _flatten(record: dict[str, Any]) -> dict[str, str | None]:
    """An EVTX record (SigmaHQ's JSON) flattened the way the event batch contract says."""
    event = record["Event"]
    fields: dict[str, str | None] = {}
    for name, value in (event.get("System") or {}).items():
        if isinstance(value, dict):
            for attribute, inner in (value.get("#attributes") or {}).items():
                fields[f"{name}_{attribute}"] = _text(inner)
            if "#text" in value:
                fields[name] = _text(value["#text"])
        else:
            fields[name] = _text(value)
    for section in ("EventData", "UserData"):
        if isinstance(event.get(section), dict):
            _leaves(event[section], fields)
    return fields


def _leaves(data: dict[str, Any], fields: dict[str, str | None]) -> None:
    for name, value in data.items():
        if name == "#attributes" and isinstance(value, dict):
            for attribute, inner in value.items():
                fields.setdefault(attribute, _text(inner))
        elif isinstance(value, dict):
            _leaves(value, fields)
        else:
            # Sigma names fields as the log shows them with spaces removed ("Source Name").
            fields[name.replace(" ", "")] = _text(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value)
