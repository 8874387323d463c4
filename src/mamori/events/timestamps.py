"""Event times to UTC: whole columns through Arrow's parser, odd values one by one.

Accepted: ISO 8601 (with or without a zone; none means UTC), epoch numbers in
seconds, milliseconds, microseconds or nanoseconds (told apart by size), RFC 3164
syslog times (``Oct  1 22:14:15``, the year inferred) and CEF's
``Oct 01 2024 22:14:15[.123] [zone]``. A value that is none of these is NULL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

UTC_MICROS = pa.timestamp("us", tz="UTC")
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError)
_NUMBERS = frozenset((int, float))
_TEXT = frozenset((str,))
_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_SYSLOG = re.compile(r"^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6})\d*)?$")
_CEF = re.compile(
    r"^([A-Z][a-z]{2}) (\d{1,2}) (\d{4}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6})\d*)?(?: (\S+))?$"
)
_ZONE = re.compile(r"^([+-])(\d\d):?(\d\d)$")


def timestamp_array(values: Sequence[Any]) -> pa.Array:
    """``values`` (text or epoch numbers) as a ``timestamp[us, UTC]`` array."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds and kinds <= _NUMBERS:
        try:
            return _epoch(pa.array(values, pa.float64()))
        except _ARROW_ERRORS:
            pass
    elif kinds <= _TEXT:
        text = pa.array(values, pa.string())
        for attempt in (_iso_zoned, _iso_naive, _epoch_text):
            try:
                return attempt(text)
            except _ARROW_ERRORS:
                continue
    return pa.array([parse_timestamp(value) for value in values], type=UTC_MICROS)


def _iso_zoned(text: pa.Array) -> pa.Array:
    return pc.cast(pc.cast(text, pa.timestamp("ns", tz="UTC")), UTC_MICROS, safe=False)


def _iso_naive(text: pa.Array) -> pa.Array:
    return pc.cast(pc.cast(text, pa.timestamp("ns")), UTC_MICROS, safe=False)


def _epoch_text(text: pa.Array) -> pa.Array:
    return _epoch(pc.cast(text, pa.float64()))


def _epoch(numbers: pa.Array) -> pa.Array:
    size = pc.abs(numbers)
    scale = pc.if_else(
        pc.greater_equal(size, 1e17),
        1e-3,
        pc.if_else(
            pc.greater_equal(size, 1e14), 1.0, pc.if_else(pc.greater_equal(size, 1e11), 1e3, 1e6)
        ),
    )
    micros = pc.cast(pc.round(pc.multiply(numbers, scale)), pa.int64())
    return pc.cast(micros, UTC_MICROS)


def parse_timestamp(value: Any, now: datetime | None = None) -> datetime | None:
    """One value as an aware UTC time, or ``None`` when it is not a time mamori knows."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _NUMBER.match(text):
        return _from_epoch(float(text))
    match = _SYSLOG.match(text)
    if match:
        return _syslog_time(match, now or datetime.now(UTC))
    match = _CEF.match(text)
    if match:
        return _cef_time(match)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return _utc(moment)


def _from_epoch(number: float) -> datetime | None:
    size = abs(number)
    micros = number * (
        1e-3 if size >= 1e17 else 1 if size >= 1e14 else 1e3 if size >= 1e11 else 1e6
    )
    try:
        return _EPOCH_START + timedelta(microseconds=round(micros))
    except (OverflowError, ValueError):  # infinity, NaN, or past year 9999
        return None


def _syslog_time(match: re.Match[str], now: datetime) -> datetime | None:
    """RFC 3164 times carry no year: the latest year that does not put them in the future."""
    month, day, hour, minute, second, fraction = match.groups()
    try:
        moment = datetime(
            now.year,
            _MONTHS[month],
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=UTC,
        )
    except (KeyError, ValueError):
        return None
    if moment > now + timedelta(days=1):
        moment = moment.replace(year=now.year - 1)
    return moment


def _cef_time(match: re.Match[str]) -> datetime | None:
    month, day, year, hour, minute, second, fraction, zone = match.groups()
    offset = _offset(zone)
    if month not in _MONTHS or offset is None:
        return None
    try:
        moment = datetime(
            int(year),
            _MONTHS[month],
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    return moment - offset


def _offset(zone: str | None) -> timedelta | None:
    if zone is None or zone in ("UTC", "GMT", "Z"):
        return timedelta(0)
    match = _ZONE.match(zone)
    if not match:
        return None  # a named zone (EST, CET) is ambiguous; better no time than a wrong one
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return -delta if sign == "-" else delta


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
