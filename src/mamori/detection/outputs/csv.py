"""CSV for spreadsheets: fixed columns, the event as compact JSON, formulas defused."""

from __future__ import annotations

import csv
from typing import ClassVar, TextIO

from mamori.detection.models import Alert
from mamori.detection.outputs.records import clean_text, dumps, event_fields, iso_utc
from mamori.detection.outputs.summary import HuntSummary
from mamori.detection.outputs.writer import AlertWriter

COLUMNS = (
    "timestamp",
    "level",
    "rule_id",
    "title",
    "host",
    "source_file",
    "record_id",
    "tactics",
    "techniques",
    "key",
    "event",
)
LIST_SEPARATOR = ";"

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# Injection"; the full-width forms are read as formulas by some locales), and event data
# is the attacker's to choose.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def defuse(cell: str) -> str:
    """``cell`` prefixed with ``'`` when a spreadsheet would read it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


class CsvWriter(AlertWriter):
    """A header row, then one row per alert as it arrives; holds nothing back.

    Rows end in CRLF (RFC 4180), which also makes the writer quote a lone CR inside a cell;
    open a file for it with ``newline=""``, as for any CSV writer.
    """

    suffix: ClassVar[str] = ".csv"
    media_type: ClassVar[str] = "text/csv; charset=utf-8"

    def __init__(self, out: TextIO) -> None:
        super().__init__(out)
        self._csv = csv.writer(out)

    def begin(self) -> None:
        """Write the header row."""
        self._csv.writerow(COLUMNS)

    def write(self, alert: Alert) -> None:
        """Write the alert's row."""
        self._csv.writerow([defuse(cell) for cell in _cells(alert)])

    def finish(self, summary: HuntSummary) -> None:
        """Flush the stream."""
        self.out.flush()


def _cells(alert: Alert) -> list[str]:
    return [
        iso_utc(alert.timestamp) or "",
        alert.level.label,
        clean_text(alert.rule_id),
        clean_text(alert.title),
        clean_text(alert.host or ""),
        clean_text(alert.source_file),
        "" if alert.record_id is None else str(alert.record_id),
        clean_text(LIST_SEPARATOR.join(alert.attack.tactics)),
        clean_text(LIST_SEPARATOR.join(alert.attack.techniques)),
        alert.key,
        dumps(event_fields(alert)).decode("utf-8"),
    ]
