"""The hunt summary: counted alert by alert, ordered for an analyst, rendered for a terminal."""

from __future__ import annotations

import json

from detection_output_samples import sample_alerts, sample_summary

from mamori.detection.models import Alert, Level
from mamori.detection.outputs import SummaryBuilder, render_summary


def test_counts_alerts_by_level_from_critical_down() -> None:
    summary = sample_summary()
    assert summary.alerts == 8
    assert summary.by_level == (
        (Level.CRITICAL, 1),
        (Level.HIGH, 3),
        (Level.MEDIUM, 2),
        (Level.LOW, 1),
        (Level.INFORMATIONAL, 1),
    )
    assert summary.level_count(Level.MEDIUM) == 2
    assert summary.correlation_alerts == 1


def test_top_rules_rank_by_count_then_level() -> None:
    summary = sample_summary()
    ranked = [(rule.rule_id, rule.level, rule.count) for rule in summary.top_rules]
    assert ranked[:3] == [
        ("r-ps", Level.HIGH, 3),
        ("r-mimi", Level.CRITICAL, 1),
        ("r-cradle", Level.MEDIUM, 1),
    ]
    assert summary.top_rules[0].title == "Encoded PowerShell"
    assert summary.rules_with_alerts == 6
    builder = SummaryBuilder()
    for alert in sample_alerts():
        builder.add(alert)
    assert len(builder.build(top=2).top_rules) == 2


def test_attack_counts_follow_the_kill_chain_and_count_each_alert_once() -> None:
    summary = sample_summary()
    assert summary.tactics == (("execution", 4), ("persistence", 1), ("credential-access", 1))
    assert dict(summary.techniques) == {
        "T1059.001": 4,
        "T1059": 3,
        "T1003.001": 1,
        "T1053.005": 1,
        "T1110": 1,
    }
    assert summary.techniques[0] == ("T1059.001", 4)
    duplicated = Alert(
        "r",
        "t",
        Level.LOW,
        ("attack.execution", "attack.t1059", "attack.T1059", "attack.execution"),
        "f",
        1,
        None,
        None,
        {},
    )
    builder = SummaryBuilder()
    builder.add(duplicated)
    assert builder.build().tactics == (("execution", 1),)
    assert builder.build().techniques == (("T1059", 1),)


def test_files_with_alerts_are_counted_and_ranked() -> None:
    summary = sample_summary()
    assert summary.files_with_alerts == 2
    assert summary.top_files == (("logs/Security.evtx", 7), ("archive.zip!inner/System.evtx", 1))


def test_events_rules_and_problems_are_carried() -> None:
    summary = sample_summary()
    assert (summary.events_read, summary.elapsed_s, summary.events_per_s) == (1000, 0.5, 2000.0)
    assert (summary.rules_loaded, summary.rule_problems, summary.read_problems) == (120, 2, 1)
    assert SummaryBuilder().build(elapsed_s=0).events_per_s == 0.0


def test_elapsed_time_comes_from_the_clock_by_default() -> None:
    ticks = iter([100.0, 102.5])
    builder = SummaryBuilder(clock=lambda: next(ticks))
    builder.add_events(10)
    summary = builder.build()
    assert summary.elapsed_s == 2.5
    assert summary.events_per_s == 4.0


def test_summary_as_data_is_json() -> None:
    data = json.loads(json.dumps(sample_summary().to_dict()))
    assert data["by_level"] == {"critical": 1, "high": 3, "medium": 2, "low": 1, "informational": 1}
    assert data["top_rules"][0] == {
        "rule_id": "r-ps",
        "title": "Encoded PowerShell",
        "level": "high",
        "count": 3,
    }
    assert data["events_per_s"] == 2000.0


def test_terminal_rendering_reads_as_a_report() -> None:
    text = render_summary(sample_summary())
    assert "1,000 read in 0.5 s (2,000 events/s); read problems: 1" in text
    assert "120 loaded; with problems: 2" in text
    assert "alerts   8 from 6 rules in 2 files (1 from correlation rules)" in text
    assert "critical 1  high 3  medium 2  low 1  informational 1" in text
    assert "        3  high           Encoded PowerShell  [r-ps]" in text
    assert "execution 4  persistence 1  credential-access 1" in text
    assert text.endswith("\n")


def test_terminal_rendering_of_a_quiet_hunt_says_none() -> None:
    text = render_summary(SummaryBuilder(rules_loaded=3).build(elapsed_s=1))
    assert "alerts   none" in text
    assert "Top rules" not in text


def test_terminal_rendering_cannot_be_steered_by_names() -> None:
    hostile = Alert(
        "r\x1b]0;x\x07",
        "\x1b[2Jcleared",
        Level.HIGH,
        ("attack.\x1b[31m",),
        "/tmp/\x1b[1Afile",
        1,
        None,
        None,
        {},
    )
    builder = SummaryBuilder()
    builder.add(hostile)
    text = render_summary(builder.build(elapsed_s=1))
    assert "\x1b" not in text
    assert "\\x1b[2Jcleared" in text
