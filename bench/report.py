"""The figures' shape and their rendering as the Markdown of ``docs/benchmarks.md``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    """A Markdown table, with an optional caption above it."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class TargetCheck:
    """A target the issue sets, and whether this run met it."""

    measure: str
    value: str
    target: str
    met: bool


@dataclass(frozen=True)
class Figure:
    """One benchmark's results: tables, the data it ran on, and how it was measured."""

    title: str
    summary: str
    tables: tuple[Table, ...]
    dataset: tuple[str, ...]
    method: tuple[str, ...]
    targets: tuple[TargetCheck, ...] = field(default=())


def met(flag: bool) -> str:
    """How a target check reads in a table."""
    return "met" if flag else "**not met**"


def ratio(ours: float, peer: float) -> str:
    """``ours / peer`` as ``1.23×``; a dash when the peer value is missing."""
    if not peer or ours != ours or peer != peer:  # zero or NaN
        return "—"
    return f"{ours / peer:.2f}×"


def rate(value: float, unit: str = "/s") -> str:
    """A throughput with thousands separators."""
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:,.1f}{unit}"


def micros(seconds: float) -> str:
    """A latency in µs or ms, whichever reads better."""
    if seconds != seconds:
        return "—"
    if seconds < 1e-5:
        return f"{seconds * 1e6:.2f} µs"
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"


def render(
    figures: Sequence[Figure], setting: Sequence[tuple[str, str]], intro: Sequence[str]
) -> str:
    """The whole report: the intro, the machine and run, the targets, then each figure."""
    lines = ["# mamori benchmarks", "", *intro, ""]
    lines += ["## Machine and run", ""]
    lines += _table(Table(("", ""), tuple(setting)))
    lines += ["## Targets at a glance", ""]
    lines += _table(_targets(figures))
    for number, figure in enumerate(figures, start=1):
        lines += _figure(number, figure)
    return "\n".join(lines).rstrip() + "\n"


def _targets(figures: Sequence[Figure]) -> Table:
    rows = tuple(
        (check.measure, check.value, check.target, met(check.met))
        for figure in figures
        for check in figure.targets
    )
    return Table(("what", "this run", "target", "status"), rows)


def _figure(number: int, figure: Figure) -> list[str]:
    lines = [f"## {number}. {figure.title}", "", figure.summary, ""]
    for table in figure.tables:
        if table.caption:
            lines += [table.caption, ""]
        lines += _table(table)
    lines += ["**Dataset.**", ""] + [f"- {item}" for item in figure.dataset] + [""]
    lines += ["**Method.**", ""] + [f"- {item}" for item in figure.method] + [""]
    return lines


def _table(table: Table) -> list[str]:
    lines = ["| " + " | ".join(table.headers) + " |"]
    lines.append("|" + "|".join(" --- " for _ in table.headers) + "|")
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in table.rows]
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
