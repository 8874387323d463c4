"""The engine against public ground truth: SigmaHQ's regression suite, real attack logs, and
the SQL the same rules compile to.

These read ../shared/data; they are skipped, with the reason, only where it is absent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import yaml

from mamori.detection.cache import CompiledRuleSet
from mamori.detection.engine import Engine
from mamori.detection.ruleset import open_hunt
from mamori.detection.service import Hunt
from mamori.events.service import EventStream

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
SIGMA = DATA / "sigma"
SAMPLES = DATA / "evtx-attack-samples"
CORPUS = [SIGMA / "rules", SIGMA / "rules-emerging-threats", SIGMA / "rules-threat-hunting"]

pytestmark = pytest.mark.skipif(
    not SIGMA.is_dir() or not SAMPLES.is_dir(), reason="../shared/data (SigmaHQ, EVTX) is absent"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Hunt, CompiledRuleSet]:
    hunt, compiled, _ = open_hunt(CORPUS, cache_dir=tmp_path_factory.mktemp("rules"))
    return hunt, compiled


def _regression_cases() -> Iterator[tuple[str, str, Path]]:
    if not SIGMA.is_dir():
        return
    for info_path in sorted((SIGMA / "regression_data").rglob("info.yml")):
        info = yaml.safe_load(info_path.read_text("utf-8"))
        rule_id = str(info["rule_metadata"][0]["id"])
        for test in info.get("regression_tests_info") or []:
            if test.get("type") == "evtx":
                yield rule_id, info_path.parent.name, SIGMA / test["path"]


CASES = list(_regression_cases())


def test_the_regression_suite_is_all_there() -> None:
    assert len(CASES) >= 200


@pytest.mark.parametrize(("rule_id", "name", "sample"), CASES, ids=[c[1] for c in CASES])
def test_each_regression_rule_fires_on_its_own_sample(
    corpus: tuple[Hunt, CompiledRuleSet], rule_id: str, name: str, sample: Path
) -> None:
    hunt, compiled = corpus
    assert compiled.find(rule_id) is not None, f"{name}: rule {rule_id} did not compile"
    fired: set[str] = set()
    report = hunt.run([sample], lambda alert: fired.add(alert.rule_id))
    assert report.events > 0 and report.read_problem_count == 0
    assert rule_id in fired, f"{name} ({rule_id}) did not fire on {sample.name}"


def test_attack_samples_coverage_beats_zircolite(corpus: tuple[Hunt, CompiledRuleSet]) -> None:
    """Files with at least one alert, full corpus: Zircolite reaches 76% on these logs."""
    hunt, _ = corpus
    files_with_alerts: set[str] = set()
    report = hunt.run([SAMPLES], lambda alert: files_with_alerts.add(alert.source_file))
    total = len(list(SAMPLES.rglob("*.evtx")))
    share = len(files_with_alerts) / total
    print(f"\nfiles with alerts: {len(files_with_alerts)}/{total} = {share:.1%}")
    assert report.events >= 4_000
    assert share >= 0.76


def test_engine_and_compiled_sql_agree_on_every_rule(corpus: tuple[Hunt, CompiledRuleSet]) -> None:
    """The in-process engine and the DuckDB SQL of the same rules find the same matches."""
    hunt, compiled = corpus
    engine: Engine = hunt.engine
    tables = [pa.Table.from_batches([batch]) for batch in EventStream([SAMPLES])]
    table = pa.concat_tables(tables, promote_options="default").combine_chunks()
    table = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    by_engine: dict[int, set[int]] = defaultdict(set)
    for batch in table.to_batches(max_chunksize=table.num_rows):
        for match in engine.match(batch):
            by_engine[match.rule].add(match.row)
    connection = duckdb.connect()
    connection.register("events", _with_folded_twins(table, compiled))
    disagreements: list[str] = []
    for number, rule in enumerate(engine.rules):
        sql = " UNION ".join(
            f'SELECT "_row" FROM {_source(route)} WHERE {_route_sql(route)} AND ({rule.condition})'
            for route in _routes(engine, number)
        )
        by_sql = {row for (row,) in connection.execute(sql).fetchall()}
        if by_sql != by_engine.get(number, set()):
            disagreements.append(
                f"{rule.source}: sql {len(by_sql)} engine {len(by_engine[number])}"
            )
    assert not disagreements, "\n".join(disagreements[:20])
    assert sum(len(rows) for rows in by_engine.values()) > 500


def _routes(engine: Engine, number: int) -> list[Any]:
    return [p.route for p in engine.partitions if number in p.rule_numbers]


def _source(route: Any) -> str:
    """The events as the route's rules see them: its log's field names under Sigma's."""
    if not route.fields:
        return "events"
    renamed = ", ".join(
        f'"{log}" AS "{sigma}", "{log}#lc" AS "{sigma}#lc"' for sigma, log in route.fields
    )
    return f"(SELECT * REPLACE ({renamed}) FROM events)"


def _route_sql(route: Any) -> str:
    parts = ["TRUE"]
    if route.windows is not None:
        parts.append('"_channel" IS NOT NULL' if route.windows else '"_channel" IS NULL')
    if route.channel is not None:
        parts.append('"_channel" = \'' + route.channel.replace("'", "''") + "'")
    if route.event_ids is not None:
        parts.append('"_event_id" IN (' + ", ".join(map(str, route.event_ids)) + ")")
    aliased = " AND ".join(parts)
    return f"({aliased})"


def _with_folded_twins(table: pa.Table, compiled: CompiledRuleSet) -> pa.Table:
    names = set(table.schema.names)
    for rule in compiled.rules:
        for name in rule.fields | rule.folded_fields:
            if name not in names and name != "_keywords":
                table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
                names.add(name)
    keyword_fields = [
        table.column(n)
        for n in table.schema.names
        if not n.startswith("_") and pa.types.is_string(table.schema.field(n).type)
    ]
    import pyarrow.compute as pc

    table = table.append_column(
        "_keywords", pc.binary_join_element_wise(*keyword_fields, "\n", null_handling="skip")
    )
    for name in list(table.schema.names):
        if name != "_raw" and pa.types.is_string(table.schema.field(name).type):
            table = table.append_column(f"{name}#lc", pc.utf8_lower(table.column(name)))
    return table
