"""What a hunt found, counted as alerts stream past, and how it reads on a terminal."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mamori.detection.models import Alert, Level
from mamori.detection.outputs.records import printable

# Kill-chain order, so that the tactics read as the story of an intrusion.
TACTIC_ORDER = (
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
)
LEVELS_BY_SEVERITY = tuple(sorted(Level, reverse=True))


@dataclass(frozen=True)
class RuleCount:
    """How many alerts one rule raised."""

    rule_id: str
    title: str
    level: Level
    count: int


@dataclass(frozen=True)
class HuntSummary:
    """The counts of one hunt: alerts, where they point in ATT&CK, and what was read."""

    alerts: int
    by_level: tuple[tuple[Level, int], ...]
    top_rules: tuple[RuleCount, ...]
    rules_with_alerts: int
    correlation_alerts: int
    tactics: tuple[tuple[str, int], ...]
    techniques: tuple[tuple[str, int], ...]
    files_with_alerts: int
    top_files: tuple[tuple[str, int], ...]
    events_read: int
    elapsed_s: float
    rules_loaded: int
    rule_problems: int
    read_problems: int

    @property
    def events_per_s(self) -> float:
        """Events read per second of the hunt (0 when no time was measured)."""
        return self.events_read / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def level_count(self, level: Level) -> int:
        """Alerts at ``level``."""
        return dict(self.by_level).get(level, 0)

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (levels and rules by their labels)."""
        return {
            "alerts": self.alerts,
            "by_level": {level.label: count for level, count in self.by_level},
            "top_rules": [
                {"rule_id": r.rule_id, "title": r.title, "level": r.level.label, "count": r.count}
                for r in self.top_rules
            ],
            "rules_with_alerts": self.rules_with_alerts,
            "correlation_alerts": self.correlation_alerts,
            "tactics": dict(self.tactics),
            "techniques": dict(self.techniques),
            "files_with_alerts": self.files_with_alerts,
            "top_files": dict(self.top_files),
            "events_read": self.events_read,
            "elapsed_s": round(self.elapsed_s, 3),
            "events_per_s": round(self.events_per_s, 1),
            "rules_loaded": self.rules_loaded,
            "rule_problems": self.rule_problems,
            "read_problems": self.read_problems,
        }


class SummaryBuilder:
    """Counts alerts one at a time; memory grows with rules, techniques and files, never
    with alerts."""

    def __init__(
        self,
        *,
        rules_loaded: int = 0,
        rule_problems: int = 0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.rules_loaded = rules_loaded
        self.rule_problems = rule_problems
        self._clock = clock
        self._started = clock()
        self._levels: Counter[Level] = Counter()
        self._rules: Counter[str] = Counter()
        self._rule_info: dict[str, tuple[str, Level]] = {}
        self._tactics: Counter[str] = Counter()
        self._techniques: Counter[str] = Counter()
        self._files: Counter[str] = Counter()
        self._correlation = 0
        self._events = 0
        self._read_problems = 0

    def add(self, alert: Alert) -> None:
        """Count one alert."""
        self._levels[alert.level] += 1
        self._rules[alert.rule_id] += 1
        self._rule_info.setdefault(alert.rule_id, (alert.title, alert.level))
        self._tactics.update(set(alert.attack.tactics))
        self._techniques.update(set(alert.attack.techniques))
        self._files[alert.source_file] += 1
        self._correlation += alert.correlation

    def add_events(self, count: int) -> None:
        """Count ``count`` more events read."""
        self._events += count

    def add_read_problems(self, count: int = 1) -> None:
        """Count inputs (or records) that could not be read."""
        self._read_problems += count

    def build(self, *, top: int = 10, elapsed_s: float | None = None) -> HuntSummary:
        """The summary so far; ``elapsed_s`` defaults to the time since the builder began."""
        elapsed = self._clock() - self._started if elapsed_s is None else elapsed_s
        return HuntSummary(
            alerts=sum(self._levels.values()),
            by_level=tuple((level, self._levels[level]) for level in LEVELS_BY_SEVERITY),
            top_rules=self._top_rules(top),
            rules_with_alerts=len(self._rules),
            correlation_alerts=self._correlation,
            tactics=tuple(sorted(self._tactics.items(), key=_tactic_order)),
            techniques=_by_count(self._techniques),
            files_with_alerts=len(self._files),
            top_files=_by_count(self._files)[:top],
            events_read=self._events,
            elapsed_s=elapsed,
            rules_loaded=self.rules_loaded,
            rule_problems=self.rule_problems,
            read_problems=self._read_problems,
        )

    def _top_rules(self, top: int) -> tuple[RuleCount, ...]:
        counts = [
            RuleCount(rule_id, *self._rule_info[rule_id], count)
            for rule_id, count in self._rules.items()
        ]
        counts.sort(key=lambda r: (-r.count, -r.level, r.title, r.rule_id))
        return tuple(counts[:top])


def _by_count(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def _tactic_order(item: tuple[str, int]) -> tuple[int, str]:
    name = item[0]
    return (TACTIC_ORDER.index(name) if name in TACTIC_ORDER else len(TACTIC_ORDER), name)


def render_summary(summary: HuntSummary) -> str:
    """The summary as a SOC analyst reads it at the end of a hunt, ending in a newline."""
    lines = [
        "Hunt summary",
        f"  events   {summary.events_read:,} read in {summary.elapsed_s:,.1f} s"
        f" ({summary.events_per_s:,.0f} events/s); read problems: {summary.read_problems:,}",
        f"  rules    {summary.rules_loaded:,} loaded; with problems: {summary.rule_problems:,}",
        _alerts_line(summary),
    ]
    if summary.alerts:
        lines.append("  levels   " + "  ".join(f"{lv.label} {n:,}" for lv, n in summary.by_level))
        lines += _section("Top rules", [_rule_line(r) for r in summary.top_rules])
        lines += _section("ATT&CK tactics", _pairs(summary.tactics))
        lines += _section("ATT&CK techniques", _pairs(summary.techniques))
        files = [f"{count:>9,}  {printable(path)}" for path, count in summary.top_files]
        lines += _section("Files with alerts", files)
        if summary.files_with_alerts > len(summary.top_files):
            lines.append(f"  … and {summary.files_with_alerts - len(summary.top_files):,} more")
    return "\n".join(lines) + "\n"


def _alerts_line(summary: HuntSummary) -> str:
    if not summary.alerts:
        return "  alerts   none"
    line = (
        f"  alerts   {summary.alerts:,} from {summary.rules_with_alerts:,} rules"
        f" in {summary.files_with_alerts:,} files"
    )
    if summary.correlation_alerts:
        line += f" ({summary.correlation_alerts:,} from correlation rules)"
    return line


def _rule_line(rule: RuleCount) -> str:
    title, rule_id = printable(rule.title), printable(rule.rule_id)
    return f"{rule.count:>9,}  {rule.level.label:<13}  {title}  [{rule_id}]"


def _pairs(items: tuple[tuple[str, int], ...], per_line: int = 4) -> list[str]:
    cells = [f"{printable(name)} {count:,}" for name, count in items]
    return ["  ".join(cells[i : i + per_line]) for i in range(0, len(cells), per_line)]


def _section(title: str, body: list[str]) -> list[str]:
    if not body:
        return []
    return ["", title, *(f"  {line}" for line in body)]
