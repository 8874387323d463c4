"""The canonical form of a log entry: RFC 8785 JSON, the bytes a leaf hash commits to."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import rfc8785

from mamori.audit.errors import EntryInvalidError
from mamori.audit.models import NewEntry

BODY_FIELDS = ("index", "kind", "action", "actor", "org_id", "at", "details")


def format_time(value: dt.datetime) -> str:
    """RFC 3339 in UTC with microseconds and a ``Z``: ``2026-01-01T00:00:00.000000Z``."""
    if value.tzinfo is None:
        raise EntryInvalidError(
            "the entry's time has no time zone",
            where="at",
            hint="pass an aware datetime, e.g. clock.now()",
        )
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> dt.datetime:
    """The inverse of :func:`format_time`."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def entry_body(index: int, entry: NewEntry) -> dict[str, Any]:
    """The JSON object recorded for ``entry`` at ``index``."""
    return {
        "index": index,
        "kind": entry.kind.value,
        "action": entry.action,
        "actor": entry.actor,
        "org_id": entry.org_id,
        "at": format_time(entry.at),
        "details": dict(entry.details),
    }


def canonical_bytes(body: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of ``body``; refuses floats and anything not plain JSON."""
    if _plain(body, ""):
        # For plain values (no floats, keys inside the BMP, safe integers) RFC 8785 is exactly
        # sorted-key compact JSON; the stdlib encoder writes that several times faster, and a
        # property test holds the two byte for byte equal.
        try:
            return json.dumps(
                body, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference implementation report it
    try:
        data: bytes = rfc8785.dumps(body)
    except rfc8785.CanonicalizationError as exc:
        raise EntryInvalidError(
            f"the entry cannot be written as canonical JSON: {exc}",
            where="details",
            hint="use only str, int (|n| < 2^53), bool, None, lists and str-keyed dicts",
        ) from exc
    return data


def _plain(value: Any, where: str) -> bool:
    """Whether ``value`` is JSON that sorted-key compact encoding writes canonically.

    Raises on floats wherever they are: their decimal form is where two
    canonicalizers most often disagree.
    """
    kind = type(value)
    if value is None or kind is str or kind is bool:
        return True
    if kind is int:
        return bool(-_SAFE_INT <= value <= _SAFE_INT)
    if isinstance(value, float):
        raise EntryInvalidError(
            "floats are not allowed in log entries",
            where=where.lstrip("."),
            hint="record the number as an int (e.g. in basis points) or a string",
        )
    plain = kind is list or kind is tuple or kind is dict
    if isinstance(value, list | tuple):
        for at, item in enumerate(value):
            plain = _plain(item, f"{where}[{at}]") and plain
    elif isinstance(value, Mapping):
        for key, item in value.items():
            plain = _plain(item, f"{where}.{key}") and _plain_key(key) and plain
    return plain


def _plain_key(key: object) -> bool:
    # RFC 8785 orders keys by UTF-16 code units; that is code point order below U+10000.
    return isinstance(key, str) and (key.isascii() or all(ord(c) < 0x10000 for c in key))


_SAFE_INT = 2**53 - 1
