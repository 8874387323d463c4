"""Syslog lines: RFC 5424 (with structured data), RFC 3164, and the bare file form.

``parse_syslog`` never fails: a line it cannot take apart is kept whole as
``message``. Fields: ``pri``, ``facility``, ``severity`` (names), ``version``,
``timestamp`` (as written), ``hostname``, ``app_name``, ``procid``, ``msgid``,
``structured_data``, one ``<sd-id>.<param>`` per structured-data parameter, and
``message``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from mamori.events.lines import read_lines
from mamori.events.models import MetaSpec, ReadContext, Record, Source

SYSLOG = MetaSpec("syslog", timestamp=("timestamp",), host=("hostname",), provider=("app_name",))

FACILITIES = (
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
)
SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")

_RFC5424 = re.compile(r"<(\d{1,3})>([1-9]\d{0,2}) (\S+) (\S+) (\S+) (\S+) (\S+)(?: |$)")
_RFC3164 = re.compile(
    r"(?:<(\d{1,3})>)?"
    r"([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?"
    r"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) +"
)
_PRI_ONLY = re.compile(r"<(\d{1,3})>")
_HOST_TAG = re.compile(r"(?:(\S+) +)?([^\s\[\]:]{1,64})(?:\[([^\]\s]{0,32})\])?: ?")
_SD_ID = re.compile(r'\[([^\s\]="]{1,64})')
_SD_PARAM = re.compile(r' +([^\s\]="]{1,64})="((?:[^"\\]|\\.)*)"', re.S)
_SD_ESCAPE = re.compile(r'\\(["\\\]])')
_NIL = "-"


class SyslogReader:
    """Syslog files and lines."""

    format = "syslog"

    def decoder(self, source: str) -> SyslogDecoder:
        """A decoder for syslog lines."""
        return SyslogDecoder()

    def read(self, source: Source, ctx: ReadContext) -> Iterator[Record]:
        """One event per non-blank line."""
        return read_lines(SyslogDecoder(), source, ctx)


class SyslogDecoder:
    """One syslog message per line."""

    def decode(self, line: str, lineno: int) -> Sequence[Record]:
        """The line's event; a blank line gives none."""
        if not line.strip():
            return ()
        return ((SYSLOG, lineno, parse_syslog(line), line),)


def parse_syslog(line: str) -> dict[str, str]:
    """A syslog line's fields; never raises, and keeps an unparsable line as ``message``."""
    match = _RFC5424.match(line)
    if match:
        return _rfc5424(match, line)
    match = _RFC3164.match(line)
    if match:
        return _rfc3164(match, line)
    fields: dict[str, str] = {}
    match = _PRI_ONLY.match(line)
    if match:
        _priority(match.group(1), fields)
        line = line[match.end() :]
    fields["message"] = line
    return fields


def _priority(text: str, fields: dict[str, str]) -> None:
    fields["pri"] = text
    value = int(text)
    if value < 192:
        fields["facility"] = FACILITIES[value >> 3]
        fields["severity"] = SEVERITIES[value & 7]


def _rfc5424(match: re.Match[str], line: str) -> dict[str, str]:
    pri, version, timestamp, hostname, app_name, procid, msgid = match.groups()
    fields: dict[str, str] = {}
    _priority(pri, fields)
    fields["version"] = version
    for name, value in (
        ("timestamp", timestamp),
        ("hostname", hostname),
        ("app_name", app_name),
        ("procid", procid),
        ("msgid", msgid),
    ):
        if value != _NIL:
            fields[name] = value
    rest = line[match.end() :]
    if rest.startswith(_NIL) and rest[1:2] in ("", " "):
        message = rest[2:]
    else:
        end = _structured_data(rest, fields)
        if end:
            fields["structured_data"] = rest[:end]
        message = rest[end + 1 :] if rest[end : end + 1] == " " else rest[end:]
    fields["message"] = message.removeprefix("\ufeff")
    return fields


def _structured_data(text: str, fields: dict[str, str]) -> int:
    """Read SD-ELEMENTs from the start of ``text`` into ``fields``; where they end."""
    pos, found = 0, 0
    while True:
        head = _SD_ID.match(text, pos)
        if head is None:
            return found
        sd_id, cursor, params = head.group(1), head.end(), {}
        while (param := _SD_PARAM.match(text, cursor)) is not None:
            params[f"{sd_id}.{param.group(1)}"] = _SD_ESCAPE.sub(r"\1", param.group(2))
            cursor = param.end()
        if text[cursor : cursor + 1] != "]":
            return found  # a malformed element: it stays in the message
        for name, value in params.items():
            fields.setdefault(name, value)
        pos = found = cursor + 1


def _rfc3164(match: re.Match[str], line: str) -> dict[str, str]:
    pri, timestamp = match.groups()
    fields: dict[str, str] = {}
    if pri is not None:
        _priority(pri, fields)
    fields["timestamp"] = timestamp
    rest = line[match.end() :]
    head = _HOST_TAG.match(rest)
    if head is None:
        hostname, _, message = rest.partition(" ")
        if hostname:
            fields["hostname"] = hostname
        fields["message"] = message
        return fields
    hostname, tag, procid = head.groups()
    if hostname is not None:
        fields["hostname"] = hostname
    fields["app_name"] = tag
    if procid:
        fields["procid"] = procid
    fields["message"] = rest[head.end() :]
    return fields
