"""One self-contained HTML report: the summary on top, then a timeline of alerts that can
be filtered by level and searched, each alert's event fields a click away.

Every piece of alert data is escaped as markup is written; the only script is the page's
own, admitted by hash in a Content-Security-Policy. Memory is bounded: the report keeps
at most ``max_alerts`` alerts (5,000 by default) and ``max_chars`` of rendered markup
(32 Mi characters); past either cap it keeps the most severe, earliest first within a
level, and counts the rest by level on the page.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import Counter
from html import escape
from typing import Any, ClassVar, TextIO

from mamori.detection.models import Alert, Level
from mamori.detection.outputs.html_assets import CONTENT_SECURITY_POLICY, SCRIPT, STYLE
from mamori.detection.outputs.records import (
    display,
    dumps,
    event_fields,
    iso_utc,
    location,
    printable,
)
from mamori.detection.outputs.summary import LEVELS_BY_SEVERITY, HuntSummary
from mamori.detection.outputs.writer import AlertWriter

MAX_ALERTS = 5_000
MAX_CHARS = 32 * 1024 * 1024
MAX_FIELDS = 300
MAX_VALUE_CHARS = 4_000

# Kept alerts: (importance, time order, level, markup). The heap's head is the least
# important alert, the first to go when a cap is reached.
_Kept = tuple[tuple[int, float, int], tuple[float, int], Level, str]


def text(value: Any) -> str:
    """``value`` as escaped markup text (quotes too, so it is safe in an attribute)."""
    return escape(printable(display(value), multiline=True), quote=True)


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element: no ``</script>``,
    ``<!--`` or line separator can end or bend it."""
    encoded = dumps(value).decode("utf-8")
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        encoded = encoded.replace(char, code)
    return encoded.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class HtmlWriter(AlertWriter):
    """Keeps rendered alerts (bounded, see the module) and writes the page at the end."""

    suffix: ClassVar[str] = ".html"
    media_type: ClassVar[str] = "text/html; charset=utf-8"

    def __init__(
        self,
        out: TextIO,
        *,
        title: str = "mamori hunt report",
        max_alerts: int = MAX_ALERTS,
        max_chars: int = MAX_CHARS,
    ) -> None:
        super().__init__(out)
        self.title = title
        self.max_alerts = max_alerts
        self.max_chars = max_chars
        self._kept: list[_Kept] = []
        self._chars = 0
        self._seen = 0
        self.dropped: Counter[Level] = Counter()

    def write(self, alert: Alert) -> None:
        """Render the alert and keep it, letting the least important go past a cap."""
        self._seen += 1
        moment = _epoch(alert.timestamp)
        importance = (int(alert.level), -moment if moment is not None else -math.inf, -self._seen)
        if len(self._kept) >= self.max_alerts and importance < self._kept[0][0]:
            self.dropped[alert.level] += 1  # would be the first to go: not worth rendering
            return
        markup = alert_markup(alert)
        order = (moment if moment is not None else math.inf, self._seen)
        heapq.heappush(self._kept, (importance, order, alert.level, markup))
        self._chars += len(markup)
        while self._kept and (len(self._kept) > self.max_alerts or self._chars > self.max_chars):
            _, _, level, gone = heapq.heappop(self._kept)
            self._chars -= len(gone)
            self.dropped[level] += 1

    def finish(self, summary: HuntSummary) -> None:
        """Write the whole page and flush."""
        rows = [markup for _, _, _, markup in sorted(self._kept, key=lambda kept: kept[1])]
        self.out.write(self._head())
        self.out.write(summary_markup(summary))
        self.out.write(self._timeline_start(summary))
        for row in rows:
            self.out.write(row)
        self.out.write("</ol>\n</section>\n")
        self.out.write(
            f'<script type="application/json" id="mamori-summary">'
            f"{script_json(summary.to_dict())}</script>\n"
        )
        self.out.write(f"<script>{SCRIPT}</script>\n</body>\n</html>\n")
        self.out.flush()

    def _head(self) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{text(self.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<header><h1>{text(self.title)}</h1></header>\n"
        )

    def _timeline_start(self, summary: HuntSummary) -> str:
        boxes = "".join(
            f'<label><input type="checkbox" data-level-filter value="{level.label}" checked> '
            f"{level.label} ({count:,})</label>"
            for level, count in summary.by_level
        )
        search = '<input type="search" id="search" placeholder="Search alerts and fields">'
        return (
            '<section class="timeline-section">\n<h2>Timeline</h2>\n'
            f'<div class="controls">{boxes}{search}<span id="shown"></span></div>\n'
            f'{self._dropped_note()}<ol class="timeline">\n'
        )

    def _dropped_note(self) -> str:
        total = sum(self.dropped.values())
        if not total:
            return ""
        by_level = ", ".join(
            f"{level.label} {self.dropped[level]:,}"
            for level in LEVELS_BY_SEVERITY
            if self.dropped[level]
        )
        return (
            f'<p class="note">Showing the {len(self._kept):,} most severe alerts (the earliest'
            f" within a level); {total:,} more are not shown ({by_level}). The jsonl and csv"
            " outputs hold every alert.</p>\n"
        )


def _epoch(moment: dt.datetime | None) -> float | None:
    if moment is None:
        return None
    # A naive time is UTC, as everywhere in the outputs, not the local time of this machine.
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


def alert_markup(alert: Alert) -> str:
    """One alert as a timeline item: a heading line, its ATT&CK names, its event fields."""
    stamp = iso_utc(alert.timestamp)
    moment = (
        f'<time datetime="{stamp}">{stamp.replace("T", " ")}</time>'
        if stamp
        else "<time>no time</time>"
    )
    where = location(alert)
    level = alert.level.label
    attack = " ".join((*alert.attack.tactics, *alert.attack.techniques))
    return (
        f'<li class="alert" data-level="{level}"><div class="head">{moment}'
        f'<span class="lvl {level}">{level}</span><span class="title">{text(alert.title)}</span>'
        f'<span class="host">{text(alert.host or "")}</span>'
        f'<span class="where">{text(where)}</span></div>'
        f'<div class="attack">{text(attack)}</div>{_fields(alert)}</li>\n'
    )


def _fields(alert: Alert) -> str:
    fields = list(event_fields(alert).items())
    rows = "".join(
        f"<tr><th>{text(name)}</th><td>{text(_cut(value))}</td></tr>"
        for name, value in fields[:MAX_FIELDS]
    )
    if len(fields) > MAX_FIELDS:
        rows += f"<tr><th>…</th><td>{len(fields) - MAX_FIELDS:,} more fields</td></tr>"
    about = f"rule {alert.rule_id} · alert key {alert.key}"
    return (
        f"<details><summary>{_plural(len(fields), 'event field')} · {text(about)}</summary>"
        f"<table>{rows}</table></details>"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' * (count != 1)}"


def _cut(value: Any) -> str:
    shown = display(value)
    if len(shown) <= MAX_VALUE_CHARS:
        return shown
    return f"{shown[:MAX_VALUE_CHARS]}… ({len(shown) - MAX_VALUE_CHARS:,} more characters)"


def summary_markup(summary: HuntSummary) -> str:
    """The summary as the top of the page."""
    meta = (
        f"{summary.alerts:,} alerts from {summary.rules_with_alerts:,} rules in"
        f" {summary.files_with_alerts:,} files · {summary.events_read:,} events read in"
        f" {summary.elapsed_s:,.1f} s ({summary.events_per_s:,.0f} events/s) ·"
        f" {summary.rules_loaded:,} rules loaded ({summary.rule_problems:,} with problems) ·"
        f" read problems: {summary.read_problems:,}"
    )
    levels = " ".join(
        f'<span class="lvl {level.label}">{level.label} {count:,}</span>'
        for level, count in summary.by_level
    )
    rules = "".join(
        f'<tr><td>{rule.count:,}</td><td><span class="lvl {rule.level.label}">'
        f"{rule.level.label}</span></td><td>{text(rule.title)}</td></tr>"
        for rule in summary.top_rules
    )
    return (
        f'<section class="summary">\n<p class="meta">{meta}</p>\n<p>{levels}</p>\n'
        '<div class="cols">'
        f"<div><h2>Top rules</h2><table><tr><th>alerts</th><th>level</th><th>rule</th></tr>"
        f"{rules}</table></div>"
        f"{_counts('ATT&amp;CK tactics', summary.tactics)}"
        f"{_counts('ATT&amp;CK techniques', summary.techniques)}"
        f"{_counts('Files with alerts', summary.top_files)}"
        "</div>\n</section>\n"
    )


def _counts(heading: str, items: tuple[tuple[str, int], ...]) -> str:
    entries = "".join(f"<li>{count:,} · {text(name)}</li>" for name, count in items)
    return f"<div><h2>{heading}</h2><ul>{entries or '<li>none</li>'}</ul></div>"
