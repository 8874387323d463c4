"""Alerts and a summary that every output test renders, and the golden files they prove."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

from mamori.detection.models import Alert, Level
from mamori.detection.outputs import HuntSummary, OutputFormat, SummaryBuilder, writer_for
from mamori.detection.outputs.writer import AlertWriter

GOLDEN = Path(__file__).parent / "golden"
NAVIGATOR_GOLDEN = GOLDEN / "navigator_layer_scores_subtechniques_by_alert_count.json"
JSONL_GOLDEN = GOLDEN / "jsonl_alert_fields_utc_z_and_odd_values.jsonl"

JST = dt.timezone(dt.timedelta(hours=9))
WHEN = dt.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)

POWERSHELL_TAGS = ("attack.execution", "attack.t1059", "attack.t1059.001")
MIMIKATZ_TAGS = ("attack.credential_access", "attack.t1003.001", "attack.s0002")
SCHTASK_TAGS = ("attack.persistence", "attack.execution", "attack.t1053.005")


def _alert(
    rule: str, title: str, level: Level, tags: tuple[str, ...], record: int | None, **kw: Any
) -> Alert:
    base = Alert(
        rule_id=rule,
        title=title,
        level=level,
        tags=tags,
        source_file="logs/Security.evtx",
        record_id=record,
        timestamp=WHEN + dt.timedelta(minutes=record or 0),
        host="ws01.bank.example",
        event={"EventID": "4688", "CommandLine": "powershell -enc AAAA", "Unset": None},
    )
    return dataclasses.replace(base, **kw)


def sample_alerts() -> list[Alert]:
    """Eight alerts: rules sharing techniques, a correlation, odd values, a time in JST, none."""
    return [
        _alert("r-ps", "Encoded PowerShell", Level.HIGH, POWERSHELL_TAGS, 1),
        _alert("r-ps", "Encoded PowerShell", Level.HIGH, POWERSHELL_TAGS, 2),
        _alert("r-ps", "Encoded PowerShell", Level.HIGH, POWERSHELL_TAGS, 3, host="ＷＳ０２"),
        _alert("r-cradle", "PowerShell Download Cradle", Level.MEDIUM, ("attack.t1059.001",), 5),
        _alert(
            "r-mimi",
            "Mimikatz LSASS Access",
            Level.CRITICAL,
            MIMIKATZ_TAGS,
            7,
            timestamp=dt.datetime(2024, 5, 1, 19, 30, tzinfo=JST),
        ),
        _alert(
            "r-task",
            "Scheduled Task Created",
            Level.MEDIUM,
            SCHTASK_TAGS,
            9,
            source_file="archive.zip!inner/System.evtx",
            event={
                "TaskName": "\\Updater",
                "Huge": 2**70,
                "Bytes": b"\xff\x00ok",
                "Broken": "bad\udcffutf16",
                "Nested": {"a": [1, "二"]},
            },
        ),
        _alert(
            "r-corr",
            "Many Failed Logons",
            Level.LOW,
            ("attack.t1110",),
            None,
            correlation=True,
            timestamp=None,
            host=None,
            event={"count": 12},
        ),
        _alert("r-info", "Service Installed", Level.INFORMATIONAL, (), 11),
    ]


def sample_summary(alerts: list[Alert] | None = None) -> HuntSummary:
    """The summary of ``alerts`` (the samples by default) with fixed timing and counts."""
    builder = SummaryBuilder(rules_loaded=120, rule_problems=2)
    for alert in sample_alerts() if alerts is None else alerts:
        builder.add(alert)
    builder.add_events(1_000)
    builder.add_read_problems(1)
    return builder.build(elapsed_s=0.5)


def run_writer(writer: AlertWriter, alerts: list[Alert], summary: HuntSummary) -> None:
    """Drive ``writer`` through one hunt."""
    writer.begin()
    for alert in alerts:
        writer.write(alert)
    writer.finish(summary)


def render(fmt: OutputFormat, alerts: list[Alert] | None = None) -> str:
    """What format ``fmt`` writes for ``alerts`` (the samples by default)."""
    chosen = sample_alerts() if alerts is None else alerts
    out = io.StringIO()
    run_writer(writer_for(fmt, out), chosen, sample_summary(chosen))
    return out.getvalue()
