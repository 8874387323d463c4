"""How an alert becomes plain data that any output can carry without failing.

Event data is whatever a log held: lone surrogates from broken UTF-16, integers wider
than 64 bits, bytes, control characters. Every writer goes through these helpers so that
no value can crash an output, and no value can steer a terminal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson

from mamori.detection.models import Alert

# Datetimes pass through to ``plain`` so that every time reads the same: UTC with a Z.
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_MAX_DEPTH = 64
_INT_RANGE = range(-(2**63), 2**64)

# C0, DEL and C1 controls, and the bidirectional overrides that can reorder what a reader
# sees ("Trojan Source"), are shown escaped rather than passed to a terminal.
_INVISIBLE = [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F)]
_INVISIBLE += [*range(0x2066, 0x206A), 0x2028, 0x2029]
_ESCAPES = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _INVISIBLE}
_ESCAPES_MULTILINE = {code: text for code, text in _ESCAPES.items() if code not in (9, 10)}


def clean_text(text: str) -> str:
    """``text`` as valid UTF-8: lone surrogates become visible ``\\udcxx`` escapes."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def printable(text: str, *, multiline: bool = False) -> str:
    """``text`` safe to show a person: control and bidi characters escaped, valid UTF-8."""
    return clean_text(text).translate(_ESCAPES_MULTILINE if multiline else _ESCAPES)


def iso_utc(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, always to the microsecond so that text order is time
    order; a naive time is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` made of JSON types only, with every string valid UTF-8; never raises."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if value in _INT_RANGE else str(value)
    if isinstance(value, str):
        return clean_text(value)
    if depth >= _MAX_DEPTH:
        return "<nested too deep>"
    if isinstance(value, Mapping):
        return {_key(key): plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item, depth + 1) for item in value]
    return _scalar(value)


def _key(key: Any) -> str:
    return clean_text(key) if isinstance(key, str) else _scalar(key)


def _scalar(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, dt.datetime):
        return iso_utc(value) or ""
    try:
        return clean_text(str(value))
    except Exception:  # a value whose __str__ fails must not take the output down with it
        return f"<unprintable {type(value).__name__}>"


def dumps(value: Any) -> bytes:
    """Compact JSON for ``value``; odd values (surrogates, huge ints, bytes) are made plain."""
    try:
        return orjson.dumps(value, default=plain, option=_JSON_OPTIONS)
    except orjson.JSONEncodeError:
        return orjson.dumps(plain(value), option=_JSON_OPTIONS)


def display(value: Any) -> str:
    """``value`` as text for a person: strings as they are, anything else as compact JSON."""
    shown = plain(value)
    return shown if isinstance(shown, str) else dumps(shown).decode("utf-8")


def event_fields(alert: Alert) -> dict[str, Any]:
    """The alert's event fields, leaving out those the event lacks (null)."""
    return {key: value for key, value in alert.event.items() if value is not None}


def location(alert: Alert) -> str:
    """Where the alert's event is: ``file:record`` (or the file alone)."""
    if alert.record_id is None:
        return alert.source_file
    return f"{alert.source_file}:{alert.record_id}"


def alert_record(alert: Alert) -> dict[str, Any]:
    """The alert as one flat JSON-ready object: the jsonl line, the API's alert body."""
    return {
        "timestamp": iso_utc(alert.timestamp),
        "rule_id": alert.rule_id,
        "title": alert.title,
        "level": alert.level.label,
        "host": alert.host,
        "source_file": alert.source_file,
        "record_id": alert.record_id,
        "tags": list(alert.tags),
        "tactics": list(alert.attack.tactics),
        "techniques": list(alert.attack.techniques),
        "correlation": alert.correlation,
        "rule_source": alert.rule_source,
        "key": alert.key,
        "event": event_fields(alert),
    }
