"""Event times: the forms mamori reads, all to UTC microseconds; anything else is NULL."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from mamori.events.timestamps import parse_timestamp, timestamp_array

T = datetime(2024, 3, 5, 9, 12, 2, 123456, tzinfo=UTC)


def test_whole_columns_parse_in_each_form() -> None:
    cases = {
        "zoned": ["2024-03-05T09:12:02.123456Z", "2024-03-05T10:12:02.123456+01:00"],
        "naive": ["2024-03-05 09:12:02.123456", "2024-03-05T09:12:02.1234567"],
        "epoch text": ["1709629922.123456", "1709629922123.456"],
        "epoch numbers": [1709629922.123456, 1709629922123456],
    }
    for name, values in cases.items():
        array = timestamp_array([*values, None])
        assert array.type == pa.timestamp("us", tz="UTC"), name
        assert array.to_pylist() == [T, T, None], name


def test_a_mixed_column_falls_back_value_by_value() -> None:
    values = ["2024-03-05T09:12:02.123456Z", 1709629922.123456, "not a time", True, "", None]
    assert timestamp_array(values).to_pylist() == [T, T, None, None, None, None]


def test_syslog_times_take_the_latest_year_not_in_the_future() -> None:
    now = datetime(2024, 1, 2, tzinfo=UTC)
    assert parse_timestamp("Jan  1 23:59:59", now) == datetime(2024, 1, 1, 23, 59, 59, tzinfo=UTC)
    assert parse_timestamp("Dec 31 10:00:00", now) == datetime(2023, 12, 31, 10, tzinfo=UTC)
    assert parse_timestamp("Feb 30 10:00:00", now) is None


def test_cef_times_with_and_without_zones() -> None:
    assert parse_timestamp("Mar 05 2024 09:12:02.123456") == T
    assert parse_timestamp("Mar 05 2024 10:12:02.123456 +0100") == T
    assert parse_timestamp("Mar 05 2024 09:12:02.123456 UTC") == T
    assert parse_timestamp("Mar 05 2024 09:12:02 EST") is None  # ambiguous, so no time


def test_epoch_units_are_told_apart_by_size() -> None:
    second = datetime(2024, 3, 5, 9, 12, 2, tzinfo=UTC)
    for value in (1709629922, 1709629922_000, 1709629922_000_000, 1709629922_000_000_000):
        assert parse_timestamp(value) == second


@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(allow_nan=True), st.none()))
def test_any_value_parses_or_gives_none(value: object) -> None:
    moment = parse_timestamp(value)
    assert moment is None or moment.tzinfo is not None
    timestamp_array([value])
