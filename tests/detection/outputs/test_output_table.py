"""The terminal table: aligned columns, cut cells, and no escape sequence reaches the terminal."""

from __future__ import annotations

import io

from detection_output_samples import render, run_writer, sample_summary

from mamori.detection.models import Alert, Level
from mamori.detection.outputs import OutputFormat
from mamori.detection.outputs.table import TableWriter, display_width, fit


def _alert(title: str, host: str | None = "h", source: str = "f.evtx") -> Alert:
    return Alert("r", title, Level.INFORMATIONAL, (), source, 42, None, host, {})


def _table(alerts: list[Alert], width: int = 120) -> list[str]:
    out = io.StringIO()
    run_writer(TableWriter(out, width=width), alerts, sample_summary(alerts))
    return out.getvalue().split("\n\nHunt summary")[0].splitlines()


def test_rows_show_time_level_title_host_and_location() -> None:
    lines = render(OutputFormat.TABLE).splitlines()
    assert lines[0].split() == ["time", "(UTC)", "level", "rule", "host", "file:record"]
    assert set(lines[1]) == {"-"}
    assert lines[2].split("  ")[0] == "2024-05-01T10:01:00Z"
    assert "Encoded PowerShell" in lines[2] and lines[2].endswith("logs/Security.evtx:1")
    assert "Hunt summary" in render(OutputFormat.TABLE)


def test_long_cells_are_cut_and_lines_keep_the_width() -> None:
    rows = _table([_alert("T" * 300, "H" * 50, "/very/long/" * 20 + "Security.evtx")])
    assert all(display_width(line) <= 120 for line in rows)
    row = rows[2]
    assert "T…" in row and "H…" in row
    assert row.endswith("Security.evtx:42")


def test_wide_characters_keep_the_columns_aligned() -> None:
    rows = _table([_alert("Ｗｉｄｅ漢字" * 20, "ホスト名"), _alert("narrow", "host")])
    positions = {display_width(row[: row.index("info")]) for row in rows[2:]}
    assert len(positions) == 1
    tails = {display_width(row[: row.rindex("f.evtx")]) for row in rows[2:]}
    assert len(tails) == 1


def test_escape_sequences_in_event_data_are_shown_not_obeyed() -> None:
    rows = _table([_alert("\x1b[2J\x1b]0;pwned\x07", "\x1b[31mred", "a\rb\n.evtx")])
    text = "\n".join(rows)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "\\x1b[2J" in text
    assert len(rows) == 3


def test_fit_pads_cuts_and_keeps_ends() -> None:
    assert fit("abc", 5) == "abc  "
    assert fit("abcdef", 4) == "abc…"
    assert fit("abcdef", 4, keep_end=True) == "…def"
    assert fit("漢字漢字", 5) == "漢字…"
    assert display_width(fit("漢字漢字", 4)) == 4
