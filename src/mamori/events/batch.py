"""Building Arrow record batches from flat events.

Events are split into partitions by spec and by the spec's partition field (the
channel, for Windows events), so that a batch holds one kind of log and its
columns are that log's fields rather than the union of everything read. Within
a partition, events with the same field names form a group whose columns come
out of one transposition in C; the groups' columns are laid end to end, and the
rows are put back in the order they were read. Field values become text in
Arrow, a column at a time, never one value at a time in Python where avoidable.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mamori.events.flatten import render
from mamori.events.models import META_COLUMNS, MetaSpec, Record
from mamori.events.timestamps import timestamp_array

_INTEGERS = frozenset((int, type(None)))
_TEXT = frozenset((str, type(None)))
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError)
_META = frozenset(META_COLUMNS)


class _Partition:
    """The buffered events of one spec and partition value."""

    __slots__ = ("spec", "groups", "count")

    def __init__(self, spec: MetaSpec) -> None:
        self.spec = spec
        self.groups: list[_Group] = []
        self.count = 0


class _Group:
    """Buffered events that share their field names: (position, source, record) each."""

    __slots__ = ("names", "partition", "entries")

    def __init__(self, names: tuple[str, ...], partition: _Partition) -> None:
        self.names = names
        self.partition = partition
        self.entries: list[tuple[int, str, Record]] = []


class BatchBuilder:
    """Collects records and cuts them into batches of at most ``batch_size`` rows in all."""

    def __init__(self, batch_size: int, fields: Collection[str] | None = None) -> None:
        self.batch_size = batch_size
        self._wanted = None if fields is None else frozenset(fields)
        self._groups: dict[tuple[Any, ...], _Group] = {}
        self._partitions: dict[tuple[MetaSpec, Any], _Partition] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, source: str, record: Record) -> bool:
        """Buffer one record; ``True`` when the buffer is full and a batch should be taken."""
        spec, _, fields, _ = record
        part = fields.get(spec.partition)
        key = (spec, part if part.__class__ is str else None, *fields)
        group = self._groups.get(key)
        if group is None:
            group = self._new_group(key)
        partition = group.partition
        group.entries.append((partition.count, source, record))
        partition.count += 1
        self._count += 1
        return self._count >= self.batch_size

    def _new_group(self, key: tuple[Any, ...]) -> _Group:
        spec = key[0]
        partition = self._partitions.get((spec, key[1]))
        if partition is None:
            partition = self._partitions[(spec, key[1])] = _Partition(spec)
        group = self._groups[key] = _Group(key[2:], partition)
        partition.groups.append(group)
        return group

    def take_largest(self) -> pa.RecordBatch | None:
        """The biggest partition as a batch, removed from the buffer (``None`` when empty)."""
        if not self._partitions:
            return None
        key = max(self._partitions, key=lambda k: self._partitions[k].count)
        return self._take(key)

    def take_all(self) -> list[pa.RecordBatch]:
        """Every partition as a batch, in the order they were first seen; the buffer empties."""
        return [self._take(key) for key in list(self._partitions)]

    def _take(self, key: tuple[MetaSpec, Any]) -> pa.RecordBatch:
        partition = self._partitions.pop(key)
        for group in partition.groups:
            del self._groups[(key[0], key[1], *group.names)]
        self._count -= partition.count
        batch = _build(partition, self._wanted)
        partition.groups.clear()  # groups point back at their partition: free them now, not at GC
        return batch


class _Gathered:
    """A partition's groups laid end to end: row metadata, and each group's columns."""

    def __init__(self, groups: list[_Group]) -> None:
        self.positions: list[int] = []
        self.sources: list[str] = []
        self.record_ids: list[int] = []
        self.raws: list[str] = []
        self.columns: list[dict[str, Sequence[Any]]] = []
        self.kinds: dict[str, set[type]] = {}
        for group in groups:
            position, source, records = zip(*group.entries, strict=True)
            _, record_id, events, raw = zip(*records, strict=True)
            self.positions.extend(position)
            self.sources.extend(source)
            self.record_ids.extend(record_id)
            self.raws.extend(raw)
            values = zip(*[event.values() for event in events], strict=True)
            self.columns.append(dict(zip(group.names, values, strict=True)))
            for name, value in events[0].items():
                self.kinds.setdefault(name, set()).add(value.__class__)


def _build(partition: _Partition, wanted: frozenset[str] | None) -> pa.RecordBatch:
    groups = partition.groups
    gathered = _Gathered(groups)
    sizes = [len(group.entries) for group in groups]
    for group in groups:
        group.entries = []  # the events' dicts are no longer needed: their values are gathered
    order = None
    if len(groups) > 1:
        order = pc.sort_indices(pa.array(gathered.positions, pa.int64()))
    columns = {name: _dense(name, sizes, gathered.columns) for name in gathered.kinds}
    arrays = [_in_order(array, order) for array in _meta_arrays(partition.spec, columns, gathered)]
    del gathered.raws[:]
    labels = list(META_COLUMNS)
    for name in list(columns):
        # one column at a time, each Python list freed once it is in Arrow
        column = columns.pop(name)
        if wanted is None or name in wanted:
            array = text_array(column, gathered.kinds[name])
            if partition.spec.trim:
                array = pc.utf8_rtrim_whitespace(array)
            arrays.append(_in_order(array, order))
            labels.append(name + "_field" if name in _META else name)
    return pa.RecordBatch.from_arrays(arrays, names=labels)


def _in_order(array: pa.Array, order: pa.Array | None) -> pa.Array:
    """``array`` with its rows put back in the order they were read."""
    return array if order is None else array.take(order)


def _dense(name: str, sizes: list[int], transposed: list[dict[str, Sequence[Any]]]) -> list[Any]:
    """One column over all groups, in group order, NULL where a group lacks the field."""
    column: list[Any] = []
    for size, values in zip(sizes, transposed, strict=True):
        part = values.get(name)
        column.extend(repeat(None, size) if part is None else part)
    return column


def _meta_arrays(
    spec: MetaSpec, columns: dict[str, list[Any]], gathered: _Gathered
) -> list[pa.Array]:
    size = len(gathered.raws)
    constants = dict(spec.constants)

    def pick(column: str, candidates: tuple[str, ...]) -> list[Sequence[Any]]:
        if column in constants:
            return [[constants[column]] * size]
        return [columns[name] for name in candidates if name in columns]

    return [
        pa.array(gathered.sources, pa.string()),
        pa.array(gathered.record_ids, pa.int64()),
        _first(
            pick("_timestamp", spec.timestamp), timestamp_array, size, pa.timestamp("us", "UTC")
        ),
        _first(pick("_host", spec.host), text_array, size, pa.string()),
        _first(pick("_channel", spec.channel), text_array, size, pa.string()),
        _first(pick("_event_id", spec.event_id), integer_array, size, pa.int64()),
        _first(pick("_provider", spec.provider), text_array, size, pa.string()),
        pa.array([spec.format] * size, pa.string()),
        pa.array(gathered.raws, pa.string()),
    ]


def _first(columns: list[Sequence[Any]], convert: Any, size: int, kind: pa.DataType) -> pa.Array:
    """The first non-null value across candidate columns, converted; all NULL when none."""
    if not columns:
        return pa.nulls(size, kind)
    arrays = [convert(column) for column in columns]
    return arrays[0] if len(arrays) == 1 else pc.coalesce(*arrays)


def text_array(values: Sequence[Any], kinds: set[type] | None = None) -> pa.Array:
    """Field values as a string array: text as is, numbers and booleans rendered, lists as JSON.

    ``kinds``, the value types seen in a sample, picks the likely path first.
    """
    if kinds is None or kinds <= _TEXT:
        try:
            return pa.array(values, pa.string())
        except _ARROW_ERRORS:
            pass
    if _INTEGERS.issuperset(kinds or ()) and _INTEGERS.issuperset(map(type, values)):
        try:
            return pa.array(values, pa.int64()).cast(pa.string())
        except _ARROW_ERRORS:
            pass
    return pa.array([None if value is None else render(value) for value in values], pa.string())


def integer_array(values: Sequence[Any]) -> pa.Array:
    """Event ids as int64; a value that is not a whole number is NULL."""
    if _INTEGERS.issuperset(map(type, values)):
        try:
            return pa.array(values, pa.int64())
        except _ARROW_ERRORS:
            pass
    return pa.array([_integer(value) for value in values], pa.int64())


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and len(text) < 19:
            return int(text)
    return None
