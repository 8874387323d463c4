"""JSON Lines: the fields a SIEM reads, pinned by a golden file, streamed in constant memory."""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc
from collections.abc import Collection, Iterator
from pathlib import Path

from detection_output_samples import JSONL_GOLDEN, render, sample_alerts, sample_summary

from mamori.detection.models import Alert, Level
from mamori.detection.outputs import OutputFormat
from mamori.detection.outputs.jsonl import JsonlWriter


def test_output_matches_the_golden_file() -> None:
    # Regenerate with tests/detection/outputs/regenerate_output_goldens.py after a change.
    assert render(OutputFormat.JSONL) == JSONL_GOLDEN.read_text(encoding="utf-8")


def test_one_object_per_alert_with_the_documented_keys() -> None:
    lines = render(OutputFormat.JSONL).splitlines()
    assert len(lines) == len(sample_alerts())
    first = json.loads(lines[0])
    assert {
        "rule_id",
        "title",
        "level",
        "tags",
        "source_file",
        "record_id",
        "timestamp",
        "event",
        "host",
        "tactics",
        "techniques",
        "key",
        "correlation",
    } <= set(first)
    assert first["level"] == "high"
    assert first["techniques"] == ["T1059", "T1059.001"]
    assert first["key"] == sample_alerts()[0].key


def test_times_are_utc_with_z_and_missing_fields_are_left_out() -> None:
    records = [json.loads(line) for line in render(OutputFormat.JSONL).splitlines()]
    by_rule = {record["rule_id"]: record for record in records}
    assert by_rule["r-mimi"]["timestamp"] == "2024-05-01T10:30:00.000000Z"  # 19:30 in Tokyo
    assert by_rule["r-corr"]["timestamp"] is None
    assert by_rule["r-corr"]["correlation"] is True
    assert "Unset" not in by_rule["r-ps"]["event"]
    assert by_rule["r-task"]["source_file"] == "archive.zip!inner/System.evtx"
    assert by_rule["r-task"]["event"]["Broken"] == "bad\\udcffutf16"
    assert by_rule["r-task"]["event"]["Huge"] == str(2**70)


def _many(count: int) -> Iterator[Alert]:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for n in range(count):
        yield Alert(
            f"rule-{n % 50}",
            "Suspicious Thing",
            Level.MEDIUM,
            ("attack.t1059.001",),
            "big.evtx",
            n,
            start + dt.timedelta(seconds=n),
            "host",
            {"CommandLine": "x" * 400, "N": str(n)},
        )


def test_many_alerts_stream_through_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    with path.open("w", encoding="utf-8") as out:
        writer = JsonlWriter(out)
        writer.begin()
        for alert in _many(1_000):
            writer.write(alert)
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for alert in _many(10_000):
            writer.write(alert)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        writer.finish(sample_summary([]))
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # 10,000 kept alerts would be several MB; a streaming writer keeps none.
    assert grown < 200_000, grown
    assert not [value for value in vars(writer).values() if isinstance(value, Collection)]
    with path.open(encoding="utf-8") as written:
        assert sum(1 for _ in written) == 11_000
