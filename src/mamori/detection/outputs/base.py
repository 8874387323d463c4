"""The extension point for hunt outputs: an exhaustive enum of formats, a literal registry.

:class:`AlertWriter` itself lives in :mod:`.writer` because every writer subclasses it and
this module imports every writer; it is re-exported here with the registry.
"""

from __future__ import annotations

import enum
from typing import TextIO

from mamori.detection.outputs.csv import CsvWriter
from mamori.detection.outputs.html import HtmlWriter
from mamori.detection.outputs.jsonl import JsonlWriter
from mamori.detection.outputs.navigator import NavigatorWriter
from mamori.detection.outputs.table import TableWriter
from mamori.detection.outputs.writer import AlertWriter

__all__ = ["WRITERS", "AlertWriter", "OutputFormat", "writer_for"]


class OutputFormat(enum.StrEnum):
    """Every output ``mamori hunt --format`` offers."""

    TABLE = "table"
    JSONL = "jsonl"
    CSV = "csv"
    NAVIGATOR = "navigator"
    HTML = "html"


WRITERS: dict[OutputFormat, type[AlertWriter]] = {
    OutputFormat.TABLE: TableWriter,
    OutputFormat.JSONL: JsonlWriter,
    OutputFormat.CSV: CsvWriter,
    OutputFormat.NAVIGATOR: NavigatorWriter,
    OutputFormat.HTML: HtmlWriter,
}


def writer_for(fmt: OutputFormat, out: TextIO) -> AlertWriter:
    """A new writer of format ``fmt`` onto ``out``, with its default settings."""
    return WRITERS[fmt](out)
