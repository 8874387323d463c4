"""Batches: bounded in size, one kind of log each, in read order, with only the fields asked for."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pyarrow as pa
from events_support import EVTX_SAMPLES, MULTI_CHUNK, SYSMON_SMALL, need, rows, write
from hypothesis import given
from hypothesis import strategies as st

from mamori.events import META_COLUMNS, EventStream, LineParser
from mamori.events.batch import BatchBuilder
from mamori.events.flatten import flatten_json, flatten_windows
from mamori.events.readers.jsonlog import GENERIC_JSON


def _jsonl(path: Path, count: int, **extra: object) -> Path:
    lines = (json.dumps({"n": index, "kind": f"k{index % 3}", **extra}) for index in range(count))
    return write(path, "\n".join(lines) + "\n")


def test_no_batch_is_larger_than_asked(tmp_path: Path) -> None:
    stream = EventStream([_jsonl(tmp_path / "a.jsonl", 2500)], batch_size=1000)
    sizes = [batch.num_rows for batch in stream]
    assert sizes == [1000, 1000, 500] and stream.stats.events == 2500


def test_rows_come_in_the_order_they_were_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "m.jsonl",
        "".join(json.dumps({"n": index, f"only{index % 4}": "x"}) + "\n" for index in range(40)),
    )
    (batch,) = list(EventStream([path]))
    assert batch.column("n").to_pylist() == [str(index) for index in range(40)]
    assert batch.column("_record_id").to_pylist() == list(range(1, 41))
    assert batch.column("only2").to_pylist()[:4] == [None, None, "x", None]


def test_each_batch_holds_one_channel(tmp_path: Path) -> None:
    samples = [need(MULTI_CHUNK), need(SYSMON_SMALL)]
    batches = list(EventStream(samples, batch_size=100))
    for batch in batches:
        assert len(set(batch.column("_channel").to_pylist())) == 1
        assert batch.num_rows <= 100
    assert sum(batch.num_rows for batch in batches) == 871


def test_the_metadata_columns_come_first_with_their_types(tmp_path: Path) -> None:
    (batch,) = list(EventStream([_jsonl(tmp_path / "a.jsonl", 3)]))
    assert batch.schema.names[: len(META_COLUMNS)] == list(META_COLUMNS)
    assert batch.schema.field("_timestamp").type == pa.timestamp("us", tz="UTC")
    assert batch.schema.field("_event_id").type == pa.int64()
    assert batch.column("_timestamp").null_count == 3  # these events carry no time


def test_fields_limits_the_columns_made(tmp_path: Path) -> None:
    stream = EventStream([need(SYSMON_SMALL)], fields=["Image", "CommandLine", "Nope"])
    (batch,) = list(stream)
    assert batch.schema.names == [*META_COLUMNS, "Image", "CommandLine"]
    # metadata still comes from fields that were not asked for
    assert batch.column("_host").to_pylist() == ["MSEDGEWIN10", "MSEDGEWIN10"]
    assert batch.column("_event_id").to_pylist() == [1, 1]


def test_a_builder_takes_the_largest_partition_when_full() -> None:
    builder = BatchBuilder(5)
    records = [
        (GENERIC_JSON, i, {"Channel": "a" if i % 3 else "b", "i": i}, "{}") for i in range(5)
    ]
    full = [builder.add("s", record) for record in records]
    assert full == [False, False, False, False, True]
    batch = builder.take_largest()
    assert batch is not None and batch.column("i").to_pylist() == ["1", "2", "4"]
    assert len(builder) == 2
    (rest,) = builder.take_all()
    assert rest.column("i").to_pylist() == ["0", "3"] and len(builder) == 0
    assert builder.take_all() == [] and builder.take_largest() is None


def test_a_line_parser_cuts_batches_too() -> None:
    parser = LineParser("json", "tail", batch_size=2)
    batches = list(parser.feed(json.dumps({"n": index}) for index in range(5)))
    assert [batch.num_rows for batch in batches] == [2, 2, 1]


def _peak(path: Path, batch_size: int) -> tuple[int, int]:
    stream = EventStream([path], batch_size=batch_size)
    tracemalloc.start()
    try:
        for batch in stream:
            del batch
        return tracemalloc.get_traced_memory()[1], stream.stats.events
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_however_long_the_file(tmp_path: Path) -> None:
    _peak(_jsonl(tmp_path / "warm.jsonl", 100), 100)  # first use of Arrow kernels
    short = _jsonl(tmp_path / "short.jsonl", 10_000, pad="p" * 200)
    long = _jsonl(tmp_path / "long.jsonl", 40_000, pad="p" * 200)  # ~10 MB
    short_peak, short_events = _peak(short, 1000)
    long_peak, long_events = _peak(long, 1000)
    assert (short_events, long_events) == (10_000, 40_000)
    assert long_peak < short_peak * 1.25 + 512 * 1024
    assert long_peak < 6 * 1024 * 1024  # a batch's worth of Python objects, not the file


def test_a_directory_of_evtx_gives_every_event_once() -> None:
    root = need(EVTX_SAMPLES) / "Execution"
    expected = sum(len(rows(EventStream([path]))) for path in sorted(root.glob("*.evtx")))
    assert len(rows(EventStream([root], batch_size=50))) == expected


_json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(st.lists(st.dictionaries(st.text(max_size=6), _json_values, max_size=5), max_size=6))
def test_any_json_objects_make_valid_batches(docs: list[dict[str, object]]) -> None:
    builder = BatchBuilder(4)
    for index, doc in enumerate(docs):
        flat = (
            flatten_json(doc) if index % 2 else flatten_windows({"System": doc, "EventData": doc})
        )
        if builder.add("s", (GENERIC_JSON, index, flat, "{}")):
            taken = builder.take_largest()
            assert taken is not None and taken.num_rows <= 4
    for batch in builder.take_all():
        batch.validate(full=True)
        assert batch.schema.names[: len(META_COLUMNS)] == list(META_COLUMNS)
