"""An independent check of which starter rules match which demo events.

pySigma's SQLite backend (a dev dependency) turns each rule into SQL; the demo events are
flattened into one SQLite table the way the event batch contract names fields; a few lines
route rules to events by log source. The correlations are counted here in Python over the
base rule's matches. None of mamori's own detection code is used, so a mismatch between these
results and the README's expected alerts points at the rules or the generator.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sigma.backends.sqlite import sqliteBackend
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

SYSMON = "Microsoft-Windows-Sysmon/Operational"
_CATEGORIES = {
    "process_creation": (SYSMON, 1),
    "network_connection": (SYSMON, 3),
    "image_load": (SYSMON, 7),
    "process_access": (SYSMON, 10),
    "file_event": (SYSMON, 11),
    "registry_set": (SYSMON, 13),
    "ps_script": ("Microsoft-Windows-PowerShell/Operational", 4104),
}
_SERVICES = {"security": "Security", "system": "System"}
_MISSING_COLUMN = re.compile(r"no such column: (\S+)")


@dataclass(frozen=True)
class Match:
    """One rule matching one event."""

    rule_id: str
    file: str
    line: int
    timestamp: str | None
    fields: Mapping[str, str | None]


def flatten(record: Mapping[str, Any]) -> dict[str, str]:
    """An EVTX-JSON record's fields as Sigma names them: System leaves and the event data."""
    event = record["Event"]
    system = event["System"]
    fields = {key: _text(value) for key, value in system.items() if not isinstance(value, dict)}
    fields["Provider_Name"] = system["Provider"]["#attributes"]["Name"]
    fields["_timestamp"] = system["TimeCreated"]["#attributes"]["SystemTime"]
    for key, value in (event.get("EventData") or {}).items():
        fields[key] = _text(value)
    for element in (event.get("UserData") or {}).values():
        fields.update({k: _text(v) for k, v in element.items() if k != "#attributes"})
    return fields


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


class Oracle:
    """The demo files loaded into SQLite, ready to be asked which rules match."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.create_function("REGEXP", 2, _regexp, deterministic=True)
        self.columns: set[str] = set()
        rows = list(_rows(files))
        for row in rows:
            self.columns.update(row)
        defs = ", ".join(f'"{name}" TEXT COLLATE NOCASE' for name in sorted(self.columns))
        self.db.execute(f"CREATE TABLE logs ({defs})")
        for row in rows:
            names = ", ".join(f'"{k}"' for k in row)
            marks = ", ".join("?" for _ in row)
            self.db.execute(f"INSERT INTO logs ({names}) VALUES ({marks})", list(row.values()))

    def matches(self, rule: SigmaRule) -> list[Match]:
        """The events ``rule`` matches, in file order."""
        backend = sqliteBackend(fulltext_field="_raw", collate_nocase=True)
        (query,) = backend.convert_rule(rule)
        route, params = _route(rule)
        sql = f"SELECT * FROM ({query}) WHERE {route} ORDER BY _file, CAST(_line AS INTEGER)"
        cursor = self._run(sql, params)
        names = [column[0] for column in cursor.description]
        found = []
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            found.append(
                Match(str(rule.id), row["_file"], int(row["_line"]), row["_timestamp"], row)
            )
        return found

    def _run(self, sql: str, params: list[Any]) -> sqlite3.Cursor:
        while True:
            try:
                return self.db.execute(sql, params)
            except sqlite3.OperationalError as error:
                missing = _MISSING_COLUMN.search(str(error))
                if not missing:
                    raise
                self.db.execute(f'ALTER TABLE logs ADD COLUMN "{missing.group(1)}" TEXT')


def _rows(files: Mapping[str, bytes]) -> Iterator[dict[str, str]]:
    for name, content in files.items():
        if not name.endswith((".jsonl", ".log")):
            continue
        for number, line in enumerate(content.decode("utf-8").splitlines(), 1):
            row = {"_file": name, "_line": str(number), "_raw": line}
            if name.endswith(".jsonl"):
                row.update(flatten(json.loads(line)))
                row["_windows"] = "1"
            else:
                row["_windows"] = "0"
            yield row


def _regexp(pattern: str, value: str | None) -> bool:
    return value is not None and re.search(pattern, value) is not None


def _route(rule: SigmaRule) -> tuple[str, list[Any]]:
    source = rule.logsource
    if source.product != "windows":
        return "_windows = '0'", []
    if source.category:
        channel, event_id = _CATEGORIES[source.category]
        return "_windows = '1' AND Channel = ? AND EventID = ?", [channel, str(event_id)]
    return "_windows = '1' AND Channel = ?", [_SERVICES[str(source.service)]]


def evaluate(rule_files: Iterable[Path], files: Mapping[str, bytes]) -> dict[str, list[Match]]:
    """Rule id → matches, for every detection rule among ``rule_files``.

    Each rule is loaded on its own, so that a rule whose output a correlation switches off
    (``generate: false``) is still evaluated: the correlations count its matches.
    """
    oracle = Oracle(files)
    results: dict[str, list[Match]] = {}
    for path in rule_files:
        text = path.read_text(encoding="utf-8")
        if "\ncorrelation:" in text:
            continue
        rule = SigmaRule.from_yaml(text)
        results[str(rule.id)] = oracle.matches(rule)
    return results


def correlate(rule: SigmaCorrelationRule, base: Iterable[Match]) -> list[list[Match]]:
    """The groups of ``base`` matches that satisfy an event_count or value_count rule.

    Each group's events are those within ``timespan`` of the group's first event; one group is
    reported once however many windows it satisfies.
    """
    span = timedelta(seconds=rule.timespan.seconds)
    keys = [str(field) for field in rule.group_by or []]
    by_group: dict[tuple[str | None, ...], list[Match]] = {}
    for match in base:
        by_group.setdefault(tuple(match.fields.get(k) for k in keys), []).append(match)
    hits = []
    for items in by_group.values():
        items.sort(key=lambda m: m.timestamp or "")
        for index, first in enumerate(items):
            window = [m for m in items[index:] if _time(m) - _time(first) <= span]
            if _satisfies(rule, window):
                hits.append(window)
                break
    return hits


def _satisfies(rule: SigmaCorrelationRule, window: list[Match]) -> bool:
    condition = rule.condition
    if condition.fieldref:
        count = len({m.fields.get(str(condition.fieldref)) for m in window})
    else:
        count = len(window)
    return bool(condition.op.name in ("GTE",) and count >= condition.count)


def _time(match: Match) -> datetime:
    return datetime.fromisoformat(str(match.timestamp).replace("Z", "+00:00"))
