"""JSON Lines: one alert per line, written as it arrives, for SIEMs, ``jq`` and the API."""

from __future__ import annotations

from typing import ClassVar

from mamori.detection.models import Alert
from mamori.detection.outputs.records import alert_record, dumps
from mamori.detection.outputs.summary import HuntSummary
from mamori.detection.outputs.writer import AlertWriter


class JsonlWriter(AlertWriter):
    """One JSON object per alert (see :func:`~.records.alert_record`); holds nothing back.

    The summary is not written: every line is an alert, so consumers never have to tell
    lines apart.
    """

    suffix: ClassVar[str] = ".jsonl"
    media_type: ClassVar[str] = "application/x-ndjson"

    def write(self, alert: Alert) -> None:
        """Write the alert's line."""
        self.out.write(dumps(alert_record(alert)).decode("utf-8") + "\n")

    def finish(self, summary: HuntSummary) -> None:
        """Flush the stream."""
        self.out.flush()
