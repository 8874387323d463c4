"""Match compiled rules against batches of events.

Each rule is evaluated only on the events of its log source (:mod:`routing`), and within
those only on the events that contain one of the literals it needs (:mod:`guards`): one
Aho-Corasick pass over each guarded field of a batch replaces thousands of separate string
comparisons. The pairs that survive are decided exactly by the rule's condition
(:mod:`evaluate`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import Any, Protocol

import ahocorasick
import pyarrow as pa
import pyarrow.compute as pc

from mamori.detection.evaluate import Predicate, Row, predicate
from mamori.detection.guards import guard, guards, required_field
from mamori.detection.ir import KEYWORDS, Node, fields_of
from mamori.detection.models import Level, LogSource
from mamori.detection.routing import Route, routes_for

META_PREFIX = "_"


class RuleLike(Protocol):
    """What the engine needs of a compiled rule."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def level(self) -> Level: ...
    @property
    def logsource(self) -> LogSource: ...
    @property
    def tree(self) -> Node: ...


@dataclass(frozen=True)
class Match:
    """Rule number ``rule`` (an index into the engine's rules) matched row ``row``."""

    row: int
    rule: int


@dataclass
class EngineStats:
    """What the engine did, for the hunt summary and the benchmarks."""

    events: int = 0
    candidates: int = 0
    matches: int = 0
    unguarded_rules: int = 0
    by_route: dict[str, int] = field(default_factory=dict)
    rule_budget_ns: int = 2_000_000_000
    """How long one rule may spend on one batch before it is disabled for the run."""
    disabled: dict[int, float] = field(default_factory=dict)
    """Rules (by number) disabled for exceeding the budget, with the seconds they took."""


class _Index:
    """One guarded column of a partition: an automaton and, per literal, the rules it guards.

    A rule has up to two guards that must both hold; the literals of its first guard set its
    bit in the first plane, those of its second guard in the second plane (a rule with one
    guard sets both), and a rule is a candidate where both planes have its bit.
    """

    def __init__(self, literals: dict[str, tuple[int, int]]) -> None:
        self.automaton: Any = ahocorasick.Automaton()
        self.masks: list[tuple[int, int]] = []
        for number, (literal, masks) in enumerate(sorted(literals.items())):
            self.automaton.add_word(literal, number)
            self.masks.append(masks)
        self.automaton.make_automaton()

    def masks_for(self, values: Sequence[str | None], first: list[int], second: list[int]) -> None:
        """OR into ``first[i]`` and ``second[i]`` the planes of the literals in ``values[i]``."""
        seen: dict[str, tuple[int, int]] = {}
        automaton, masks = self.automaton, self.masks
        for i, value in enumerate(values):
            if value is None:
                continue
            found = seen.get(value)
            if found is None:
                one = two = 0
                for _, number in automaton.iter(value.lower()):
                    a, b = masks[number]
                    one |= a
                    two |= b
                found = seen[value] = (one, two)
            if found[0]:
                first[i] |= found[0]
            if found[1]:
                second[i] |= found[1]


class Partition:
    """The rules that share one route, with the literal index over their guards."""

    def __init__(self, route: Route, rules: Sequence[tuple[int, RuleLike]]) -> None:
        self.route = route
        self.aliases = dict(route.fields)
        self.rule_numbers = [number for number, _ in rules]
        self.predicates: list[Predicate] = [predicate(rule.tree) for _, rule in rules]
        self.fields = set().union(*(fields_of(rule.tree) for _, rule in rules))
        self.always = 0
        self.disabled = 0
        self.presence: dict[str, int] = defaultdict(int)
        literals: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        for bit, (_, rule) in enumerate(rules):
            needed = guards(rule.tree)
            if not needed and guard(rule.tree) is None:
                field = required_field(rule.tree)
                if field is None or field == KEYWORDS:
                    self.always |= 1 << bit
                else:
                    self.presence[self.aliases.get(field, field)] |= 1 << bit
            planes = [(needed[0], 0), (needed[-1], 1)] if needed else []
            for plane_guard, plane in planes:
                for name, literal in plane_guard:
                    column = literals[self.aliases.get(name, name)]
                    a, b = column.get(literal, (0, 0))
                    column[literal] = (a | 1 << bit, b) if plane == 0 else (a, b | 1 << bit)
        self.indexes = {column: _Index(found) for column, found in literals.items()}

    def columns(self) -> set[str]:
        """The batch columns this partition reads."""
        return {self.aliases.get(name, name) for name in self.fields} - {KEYWORDS}

    @property
    def unguarded(self) -> int:
        """Rules evaluated on every event of the route (no literal or field to look for)."""
        return self.always.bit_count()

    def match(self, batch: pa.RecordBatch, rows: list[int], stats: EngineStats) -> Iterator[Match]:
        """The matches among ``rows`` of ``batch``."""
        indices = pa.array(rows, type=pa.int64())
        wanted = sorted(self.columns() & set(batch.schema.names))
        subset = batch.select(wanted).take(indices)
        columns = {name: subset.column(name).to_pylist() for name in wanted}
        if KEYWORDS in self.fields:
            columns[KEYWORDS] = _keywords(batch.take(indices)).to_pylist()
        spent = [0] * len(self.predicates)
        for i, mask in enumerate(self._candidates(columns, len(rows))):
            row = Row(columns, i, self.aliases)
            while mask:
                low = mask & -mask
                bit = low.bit_length() - 1
                mask ^= low
                stats.candidates += 1
                started = perf_counter_ns()
                matched = self.predicates[bit](row)
                spent[bit] += perf_counter_ns() - started
                if matched:
                    yield Match(rows[i], self.rule_numbers[bit])
        self._enforce_budget(spent, stats)

    def _candidates(self, columns: dict[str, list[Any]], count: int) -> list[int]:
        """Per row, the rules whose guards all hold (a rule's bit in both planes)."""
        first = [self.always] * count
        second = [self.always] * count
        for column, index in self.indexes.items():
            if column in columns:
                index.masks_for(columns[column], first, second)
        for column, mask in self.presence.items():
            for i, value in enumerate(columns.get(column, ())):
                if value is not None:
                    first[i] |= mask
                    second[i] |= mask
        enabled = ~self.disabled
        return [one & two & enabled for one, two in zip(first, second, strict=True)]

    def _enforce_budget(self, spent: list[int], stats: EngineStats) -> None:
        """Disable, for the rest of the run, a rule that took longer than its budget."""
        for bit, nanoseconds in enumerate(spent):
            if nanoseconds > stats.rule_budget_ns:
                self.disabled |= 1 << bit
                stats.disabled[self.rule_numbers[bit]] = nanoseconds / 1e9


class Engine:
    """All rules of a rule set, partitioned by route, ready to match batches."""

    def __init__(self, rules: Sequence[RuleLike]) -> None:
        self.rules = tuple(rules)
        by_route: dict[Route, list[tuple[int, RuleLike]]] = defaultdict(list)
        for number, rule in enumerate(self.rules):
            for route in routes_for(rule.logsource):
                by_route[route].append((number, rule))
        self.partitions = [
            Partition(route, members)
            for route, members in sorted(by_route.items(), key=lambda kv: kv[0].label)
        ]
        self.stats = EngineStats(unguarded_rules=sum(p.unguarded for p in self.partitions))
        self._routing: dict[tuple[str | None, int | None], list[Partition]] = {}

    def fields(self) -> set[str]:
        """Every event field some rule reads (the columns a reader needs to materialize)."""
        return set().union(*(p.columns() for p in self.partitions)) if self.partitions else set()

    def uses_keywords(self) -> bool:
        """Whether a rule searches full text, which needs every field of every event."""
        return any(KEYWORDS in p.fields for p in self.partitions)

    def match(self, batch: pa.RecordBatch) -> list[Match]:
        """Every (row, rule) match in the batch, ordered by row then rule."""
        groups: dict[Partition, list[int]] = defaultdict(list)
        channels = batch.column("_channel").to_pylist()
        event_ids = batch.column("_event_id").to_pylist()
        for i, key in enumerate(zip(channels, event_ids, strict=True)):
            for partition in self._partitions_for(key):
                groups[partition].append(i)
        found: list[Match] = []
        for partition, rows in groups.items():
            label = partition.route.label
            self.stats.by_route[label] = self.stats.by_route.get(label, 0) + len(rows)
            found.extend(partition.match(batch, rows, self.stats))
        self.stats.events += batch.num_rows
        self.stats.matches += len(found)
        found.sort(key=lambda m: (m.row, m.rule))
        return found

    def _partitions_for(self, key: tuple[str | None, int | None]) -> list[Partition]:
        partitions = self._routing.get(key)
        if partitions is None:
            partitions = [p for p in self.partitions if p.route.admits(*key)]
            self._routing[key] = partitions
        return partitions


def _keywords(batch: pa.RecordBatch) -> pa.Array:
    """Every field value of each event, one per line: what keyword searches look in."""
    fields = [
        batch.column(i)
        for i, name in enumerate(batch.schema.names)
        if not name.startswith(META_PREFIX) and pa.types.is_string(batch.schema.field(i).type)
    ]
    if not fields:
        return pa.array([""] * batch.num_rows, type=pa.string())
    return pc.binary_join_element_wise(*fields, "\n", null_handling="skip")
