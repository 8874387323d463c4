"""A fixed-width table for a terminal: one line per alert as it arrives, then the summary."""

from __future__ import annotations

import unicodedata
from typing import ClassVar, TextIO

from mamori.detection.models import Alert, Level
from mamori.detection.outputs.records import iso_utc, location, printable
from mamori.detection.outputs.summary import HuntSummary, render_summary
from mamori.detection.outputs.writer import AlertWriter

ELLIPSIS = "…"
TIME_WIDTH = 20
LEVEL_WIDTH = 8
HOST_WIDTH = 18
MIN_WIDTH = 100
_SHORT_LEVELS = {Level.INFORMATIONAL: "info"}


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes: wide East Asian characters take two, combining none."""
    if text.isascii():
        return len(text)
    return sum(_cells(char) for char in text)


def _cells(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def fit(text: str, width: int, *, keep_end: bool = False) -> str:
    """``text`` padded or cut to exactly ``width`` cells; a cut is marked with an ellipsis,
    at the end, or at the start when ``keep_end`` (for paths, whose end says most)."""
    room = width - display_width(text)
    if room >= 0:
        return text + " " * room
    if text.isascii():
        kept = width - 1
        return ELLIPSIS + text[len(text) - kept :] if keep_end else text[:kept] + ELLIPSIS
    return _cut_wide(text, width, keep_end)


def _cut_wide(text: str, width: int, keep_end: bool) -> str:
    kept: list[str] = []
    used = 1  # the ellipsis
    for char in reversed(text) if keep_end else text:
        if used + _cells(char) > width:
            break
        kept.append(char)
        used += _cells(char)
    body = "".join(reversed(kept)) if keep_end else "".join(kept)
    cut = ELLIPSIS + body if keep_end else body + ELLIPSIS
    return cut + " " * (width - used)


class TableWriter(AlertWriter):
    """Columns: time (UTC), level, rule title, host, file:record; long cells are cut."""

    suffix: ClassVar[str] = ".txt"
    media_type: ClassVar[str] = "text/plain; charset=utf-8"

    def __init__(self, out: TextIO, *, width: int = 120) -> None:
        super().__init__(out)
        rest = max(width, MIN_WIDTH) - TIME_WIDTH - LEVEL_WIDTH - HOST_WIDTH - 8
        self._title_width = rest * 11 // 20
        self._where_width = rest - self._title_width

    def begin(self) -> None:
        """Write the header and its rule."""
        header = self._line("time (UTC)", "level", "rule", "host", "file:record")
        self.out.write(header + "\n" + "-" * len(header) + "\n")

    def write(self, alert: Alert) -> None:
        """Write the alert's line."""
        stamp = iso_utc(alert.timestamp)
        moment = stamp[:19] + "Z" if stamp else "-"
        level = _SHORT_LEVELS.get(alert.level, alert.level.label)
        where = location(alert)
        line = self._line(moment, level, alert.title, alert.host or "-", where)
        self.out.write(line + "\n")

    def finish(self, summary: HuntSummary) -> None:
        """Write the summary below the table and flush."""
        self.out.write("\n" + render_summary(summary))
        self.out.flush()

    def _line(self, moment: str, level: str, title: str, host: str, where: str) -> str:
        cells = (
            fit(moment, TIME_WIDTH),
            fit(level, LEVEL_WIDTH),
            fit(printable(title), self._title_width),
            fit(printable(host), HOST_WIDTH),
            fit(printable(where), self._where_width, keep_end=True),
        )
        return "  ".join(cells).rstrip()
