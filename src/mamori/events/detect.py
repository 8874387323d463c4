"""Telling a source's format from its first bytes and, failing that, its name."""

from __future__ import annotations

import re
from pathlib import PurePath

_EVTX_SIGNATURE = b"ElfFile\x00"
_BY_EXTENSION = {
    ".evtx": "evtx",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".cef": "cef",
    ".syslog": "syslog",
}
_CEF = re.compile(r"(?:^|[\s>:])CEF: ?\d+\|")
_SYSLOG = re.compile(
    r"^(?:<\d{1,3}>"
    r"|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d"
    r"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S* \S+ )"
)
_ZEEK_KEYS = ('"id.orig_h"', '"_path"', '"uid"')
SNIFF_BYTES = 1 << 16


def detect_format(head: bytes, name: str) -> str | None:
    """The format of a source that starts with ``head``, or ``None`` if it is not one mamori reads.

    ``name`` is the name that carries the extension (``x.log`` for ``x.log.gz``).
    """
    if head.startswith(_EVTX_SIGNATURE):
        return "evtx"
    extension = PurePath(name).suffix.lower()
    if extension == ".evtx":
        return "evtx"
    lines = [line.strip() for line in head.decode("utf-8", "replace").splitlines()]
    lines = [line.removeprefix("\ufeff") for line in lines if line][:20]
    found = _from_lines(lines) if lines else None
    return found or _BY_EXTENSION.get(extension)


def _from_lines(lines: list[str]) -> str | None:
    first = lines[0]
    if first.startswith(("#separator", "#fields")):
        return "zeek"
    if first.startswith(("{", "[")):
        return "zeek" if _looks_like_zeek(first) else "json"
    if any(_CEF.search(line) for line in lines[:5]):
        return "cef"
    if _SYSLOG.match(first):
        return "syslog"
    return None


def _looks_like_zeek(line: str) -> bool:
    return '"ts"' in line and any(key in line for key in _ZEEK_KEYS)
