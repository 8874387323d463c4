"""The peer of figure 6: Zircolite's method, re-implemented (Zircolite is not on PyPI).

Zircolite (github.com/wagga40/Zircolite) converts Sigma rules to SQLite queries with
pySigma's SQLite backend, reads EVTX with the Rust ``evtx`` parser's Python bindings,
flattens every record into one row of an in-memory SQLite table ``logs`` (every field a
``TEXT COLLATE NOCASE`` column named by its leaf, a few System attributes renamed), and
runs every rule's query over that table. This module does the same steps the same way:
its flattening follows Zircolite's ``JSONFlattener`` and ``config/fieldMappings.json``,
its table and queries follow ``ZircoliteCore``. It leaves out what costs Zircolite time
without changing what matches: the temporary JSON file between parsing and flattening,
optional value transforms, and writing the results out.
"""

from __future__ import annotations

import multiprocessing
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import evtx
import orjson
from sigma.backends.sqlite.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import FieldMappingTransformation
from sigma.rule import SigmaRule

# Zircolite's rule build renames these upstream field aliases to the leaves its table has.
_FIELD_FIXES: dict[str | None, str | list[str]] = {
    "EventXML.Address": "Address",
    "EventXML.Param3": "Param3",
    "New Value": "NewValue",
}
# config/fieldMappings.json: the paths whose column is not simply the leaf's name.
_MAPPINGS = {
    "Event.System.Provider.#attributes.Guid": "Guid",
    "Event.System.Execution.#attributes.ProcessID": "ProcessID",
    "Event.System.Execution.#attributes.ThreadID": "ThreadID",
    "Event.System.EventID.#text": "EventID",
    "Event.System.Correlation.#attributes.ActivityID": "ActivityID",
    "Event.System.EventID.#attributes.Qualifiers": "Qualifiers",
    "Event.System.Provider.#attributes.EventSourceName": "EventSourceName",
    "Event.System.Provider.#attributes.Name": "Provider_Name",
    "Event.System.Security.#attributes.UserID": "UserID",
    "Event.System.TimeCreated.#attributes.SystemTime": "SystemTime",
    "Event.EventData.Data.#text": "Message",
    "Event.EventData.SamAccountName": "SAMAccountName",
    "Event.EventData.TargetFilename": "TargetFileName",
}
_EXCLUSIONS = ("xmlns",)
_USELESS = (None, "")
_SPLIT = frozenset({"Hash", "Hashes", "ConfigurationFileHash"})  # "A=1,B=2" into columns A, B
_SQLITE_INT_MAX = 9223372036854775807
_INSERT_BATCH = 5000


@dataclass(frozen=True)
class PeerRule:
    """One Sigma rule as Zircolite runs it: its SQLite queries."""

    title: str
    path: str
    queries: tuple[str, ...]


@dataclass(frozen=True)
class PeerRules:
    """The converted rule set, and what conversion could not take."""

    rules: tuple[PeerRule, ...]
    failed: int
    other_products: int
    seconds: float

    def to_json(self) -> bytes:
        """The rule set as JSON, as Zircolite saves a converted rule set."""
        rules = [
            {"title": r.title, "filename": r.path, "rule": list(r.queries)} for r in self.rules
        ]
        return orjson.dumps({"rules": rules, "failed": self.failed, "other": self.other_products})

    @classmethod
    def from_json(cls, data: bytes, seconds: float = 0.0) -> PeerRules:
        """The rule set :meth:`to_json` wrote."""
        loaded = orjson.loads(data)
        rules = tuple(
            PeerRule(item["title"], item["filename"], tuple(item["rule"]))
            for item in loaded["rules"]
        )
        return cls(rules, int(loaded["failed"]), int(loaded["other"]), seconds)


@dataclass
class PeerRun:
    """What one pass of the peer read and found."""

    events: int = 0
    matches: int = 0
    failed_queries: int = 0
    files_hit: set[str] = field(default_factory=set)
    seconds: float = 0.0
    parse_s: float = 0.0  # EVTX parsed and flattened
    load_s: float = 0.0  # the table built and filled
    rules_s: float = 0.0  # every query run and its rows fetched

    def merge(self, other: PeerRun) -> None:
        """Add another worker's counts to these."""
        self.events += other.events
        self.matches += other.matches
        self.failed_queries = max(self.failed_queries, other.failed_queries)
        self.files_hit |= other.files_hit
        self.parse_s += other.parse_s
        self.load_s += other.load_s
        self.rules_s += other.rules_s


def convert_rules(rule_dirs: Sequence[Path]) -> PeerRules:
    """Every Windows rule under ``rule_dirs`` converted with pySigma's SQLite backend."""
    started = time.perf_counter()
    fixes = ProcessingItem(FieldMappingTransformation(_FIELD_FIXES), identifier="zircolite_fields")
    backend = sqliteBackend(ProcessingPipeline(items=[fixes]))  # type: ignore[no-untyped-call]
    rules: list[PeerRule] = []
    failed = other = 0
    for path in _rule_files(rule_dirs):
        try:
            collection = SigmaCollection.from_yaml(path.read_text(encoding="utf-8"))
        except (SigmaError, ValueError, OSError):
            failed += 1
            continue
        for rule in collection.rules:
            if not isinstance(rule, SigmaRule) or rule.logsource.product != "windows":
                other += 1
                continue
            try:
                converted = backend.convert_rule(rule)  # type: ignore[no-untyped-call]
                queries = tuple(str(query) for query in converted)
            except (SigmaError, ValueError, NotImplementedError):
                failed += 1
                continue
            rules.append(PeerRule(rule.title, str(path), queries))
    return PeerRules(tuple(rules), failed, other, time.perf_counter() - started)


def _rule_files(rule_dirs: Sequence[Path]) -> Iterator[Path]:
    for folder in rule_dirs:
        yield from sorted(folder.rglob("*.yml")) if folder.is_dir() else [folder]


def hunt(files: Sequence[Path], rules: PeerRules, root: Path) -> PeerRun:
    """Parse and flatten ``files`` into one in-memory table, then run every rule over it."""
    clock = time.perf_counter
    started = clock()
    table = _Table()
    for path in files:
        table.add(_flattened(path, path.relative_to(root).as_posix()))
    parsed = clock()
    connection = table.load()
    loaded = clock()
    try:
        result = _run_rules(connection, rules)
    finally:
        connection.close()
    result.events = table.rows
    result.seconds = clock() - started
    result.parse_s, result.load_s = parsed - started, loaded - parsed
    result.rules_s = clock() - loaded
    return result


def hunt_parallel(files: Sequence[Path], rules: PeerRules, root: Path, workers: int) -> PeerRun:
    """:func:`hunt` in ``workers`` processes, each over its share of the files."""
    if workers <= 1:
        return hunt(files, rules, root)
    started = time.perf_counter()
    shares = [list(files[index::workers]) for index in range(workers)]
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        parts = pool.starmap(hunt, [(share, rules, root) for share in shares if share])
    total = PeerRun()
    for part in parts:
        total.merge(part)
    total.seconds = time.perf_counter() - started
    return total


def _flattened(path: Path, name: str) -> Iterator[dict[str, Any]]:
    """Each record of an EVTX file as Zircolite's flattened row."""
    parser = evtx.PyEvtxParser(str(path))
    for record in parser.records_json():
        if record is None:
            continue
        event = orjson.loads(record["data"])
        event["OriginalLogfile"] = name
        yield _flatten(event)


def _flatten(event: dict[str, Any]) -> dict[str, Any]:
    """Zircolite's ``JSONFlattener.run`` on one event, transforms and aliases left out."""
    row: dict[str, Any] = {}
    stack: list[tuple[Any, tuple[str, ...]]] = [(event, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((child, (*path, key)) for key, child in value.items())
            continue
        raw_name = ".".join(path)
        if any(exclusion in raw_name for exclusion in _EXCLUSIONS):
            continue
        if isinstance(value, list):
            value = str(value)
        if value in _USELESS:
            continue
        key = _MAPPINGS.get(raw_name) or "".join(c for c in path[-1] if c.isalnum())
        if key in _SPLIT and isinstance(value, str):
            _split_into(row, value)
        row[key] = value
    return row


def _split_into(row: dict[str, Any], value: str) -> None:
    for part in value.split(","):
        name, equal, rest = part.partition("=")
        if equal:
            row[name] = rest


class _Table:
    """The rows of one in-memory database, and the columns they need."""

    def __init__(self) -> None:
        self.columns: dict[str, str] = {}  # lower-case name: (name, SQL type)
        self.types: dict[str, str] = {}
        self.data: list[dict[str, Any]] = []
        self.rows = 0

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        """Collect rows, and each new column with the type of its first value."""
        columns, types = self.columns, self.types
        for row in rows:
            for key, value in row.items():
                if key.lower() not in columns:
                    columns[key.lower()] = key
                    types[key] = "INTEGER" if isinstance(value, int) else "TEXT COLLATE NOCASE"
            self.data.append(row)
            self.rows += 1

    def load(self) -> sqlite3.Connection:
        """The in-memory database Zircolite builds: one table, every row, an index."""
        connection = _connect()
        names = sorted(self.types)
        declared = ", ".join(f'"{_quoted(name)}" {self.types[name]}' for name in names)
        connection.execute(
            f"CREATE TABLE logs (row_id INTEGER PRIMARY KEY AUTOINCREMENT, {declared})"
        )
        columns = ", ".join(f'"{_quoted(name)}"' for name in names)
        marks = ", ".join("?" * len(names))
        insert = f"INSERT INTO logs ({columns}) VALUES ({marks})"
        connection.execute("BEGIN TRANSACTION")
        for start in range(0, len(self.data), _INSERT_BATCH):
            batch = self.data[start : start + _INSERT_BATCH]
            connection.executemany(insert, [_values(row, names) for row in batch])
        connection.execute("COMMIT")
        if "eventid" in self.columns:
            connection.execute('CREATE INDEX "idx_eventid" ON "logs" ("eventid")')
        self.data = []
        return connection


def _values(row: dict[str, Any], names: Sequence[str]) -> tuple[Any, ...]:
    values = [row.get(name) for name in names]
    return tuple(
        str(value) if isinstance(value, int) and abs(value) > _SQLITE_INT_MAX else value
        for value in values
    )


def _quoted(name: str) -> str:
    return name.replace('"', '""')


def _connect() -> sqlite3.Connection:
    """An in-memory database with Zircolite's settings and its ``regexp`` function."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    for pragma in (
        "journal_mode = OFF",
        "synchronous = OFF",
        "cache_size = -128000",
        "locking_mode = EXCLUSIVE",
        "temp_store = MEMORY",
    ):
        connection.execute(f"PRAGMA {pragma}")
    connection.row_factory = sqlite3.Row
    connection.create_function("regexp", 2, _regexp)
    return connection


def _regexp(pattern: str, value: Any) -> int:
    return 0 if value is None else int(re.search(pattern, str(value)) is not None)


def _run_rules(connection: sqlite3.Connection, rules: PeerRules) -> PeerRun:
    """Every query of every rule; rows become dicts without their empty fields, as Zircolite's."""
    result = PeerRun()
    cursor = connection.cursor()
    for rule in rules.rules:
        for query in rule.queries:
            try:
                rows = cursor.execute(query).fetchall()
            except sqlite3.Error:  # a column no event has: Zircolite skips the query too
                result.failed_queries += 1
                continue
            for row in rows:
                # A Row iterates over its values, not its keys.
                found = {key: row[key] for key in row.keys() if row[key] is not None}  # noqa: SIM118
                result.matches += 1
                result.files_hit.add(str(found.get("OriginalLogfile", "")))
    return result
