"""Turning alert values into plain data: times in UTC with a Z, odd values never raise."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mamori.detection.outputs.records import clean_text, dumps, iso_utc, plain, printable

# Hypothesis leaves surrogates out of text; logs from broken UTF-16 have them.
ANY_TEXT = st.lists(st.characters() | st.integers(0xD800, 0xDFFF).map(chr), max_size=12).map(
    "".join
)
ODD_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | ANY_TEXT
    | st.binary()
    | st.datetimes()
    | st.datetimes(timezones=st.just(dt.UTC))
)
ODD_VALUES = st.recursive(
    ODD_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)


def test_times_are_utc_with_z_to_the_microsecond() -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    assert iso_utc(dt.datetime(2024, 5, 1, 9, 0, tzinfo=tokyo)) == "2024-05-01T00:00:00.000000Z"
    assert iso_utc(dt.datetime(2024, 5, 1, 0, 0, 0, 5)) == "2024-05-01T00:00:00.000005Z"
    assert iso_utc(None) is None


def test_text_order_of_times_is_time_order() -> None:
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    moments = [base + dt.timedelta(microseconds=n) for n in (0, 1, 500_000, 1_000_000)]
    stamps = [iso_utc(moment) or "" for moment in moments]
    assert stamps == sorted(stamps)


def test_lone_surrogates_become_visible_escapes() -> None:
    assert clean_text("a\udcffb") == "a\\udcffb"
    assert clean_text("二") == "二"


def test_terminal_escapes_and_bidi_overrides_are_shown_not_obeyed() -> None:
    shown = printable("\x1b[2J\x07evil\u202egnp.exe\r\n")
    assert shown == "\\x1b[2J\\x07evil\\u202egnp.exe\\x0d\\x0a"
    assert printable("a\nb\tc", multiline=True) == "a\nb\tc"


@given(ODD_VALUES)
def test_any_value_becomes_json_that_parses(value: Any) -> None:
    parsed = json.loads(dumps({"event": value}))
    assert set(parsed) == {"event"}
    assert json.loads(dumps(plain(value))) == parsed["event"]


def test_values_json_cannot_hold_are_kept_as_text() -> None:
    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no")

    class Undecodable:
        def __str__(self) -> str:
            return "x\udcff"

    value = {"big": 2**80, "bytes": b"\xffA", 3: {1, 2}, "obj": Broken(), "u": Undecodable()}
    assert json.loads(dumps(value)) == {
        "big": str(2**80),
        "bytes": "\\xffA",
        "3": [1, 2],
        "obj": "<unprintable Broken>",
        "u": "x\\udcff",
    }
