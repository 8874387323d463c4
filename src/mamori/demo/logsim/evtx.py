"""Render Windows events in the JSON shape the ``evtx`` parser gives EVTX records."""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass
from typing import Any

from mamori.demo.logsim.model import WinEvent

SYSMON = "Microsoft-Windows-Sysmon/Operational"
POWERSHELL = "Microsoft-Windows-PowerShell/Operational"
FILES = {
    SYSMON: "workstation-sysmon.jsonl",
    "Security": "windows-security.jsonl",
    "System": "windows-system.jsonl",
    POWERSHELL: "windows-powershell.jsonl",
}
_EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"
_EVENTLOG_NS = "http://manifests.microsoft.com/win/2004/08/windows/eventlog"
_SYSMON_VERSIONS = {1: 5, 3: 5, 7: 3, 10: 3, 11: 2, 13: 2}
# Security-Auditing events: (version, task).
_SECURITY = {
    4624: (2, 12544),
    4625: (0, 12544),
    4634: (0, 12545),
    4672: (0, 12548),
    4698: (1, 12804),
    4720: (0, 13824),
    4728: (0, 13826),
    4732: (0, 13826),
    4740: (0, 13824),
}


@dataclass(frozen=True)
class Placed:
    """Where a rendered event landed: its file, 1-based line and EventRecordID."""

    event: WinEvent
    file: str
    line: int
    record_id: int


def channel_of(event: WinEvent) -> str:
    """The event log channel an event is written to."""
    if event.source == "eventlog":
        return "Security" if event.event_id == 1102 else "System"
    return {"sysmon": SYSMON, "security": "Security", "scm": "System", "powershell": POWERSHELL}[
        event.source
    ]


def render(events: list[WinEvent], rng: random.Random) -> tuple[dict[str, bytes], list[Placed]]:
    """Every file's bytes (one JSON record a line, in time order) and where each event went."""
    ordered = sorted(enumerate(events), key=lambda pair: (pair[1].at, pair[0]))
    counters: dict[tuple[str, str], int] = {}
    lines: dict[str, list[str]] = {name: [] for name in FILES.values()}
    placed: list[Placed] = []
    for _, event in ordered:
        channel = channel_of(event)
        key = (event.host, channel)
        if key not in counters:
            counters[key] = rng.randrange(20_000, 900_000)
        counters[key] += 1
        name = FILES[channel]
        record = _record(event, channel, counters[key])
        lines[name].append(json.dumps(record, separators=(",", ":")))
        placed.append(Placed(event, name, len(lines[name]), counters[key]))
    files = {name: "".join(row + "\n" for row in rows).encode() for name, rows in lines.items()}
    return files, placed


def _record(event: WinEvent, channel: str, record_id: int) -> dict[str, Any]:
    body: dict[str, Any] = {"#attributes": {"xmlns": _EVENT_NS}}
    body["System"] = _system(event, channel, record_id)
    if event.user_data:
        attributes = {"#attributes": {"xmlns": _EVENTLOG_NS}}
        body["UserData"] = {event.user_data: {**attributes, **event.data}}
    else:
        body["EventData"] = event.data
    return {"Event": body}


def _system(event: WinEvent, channel: str, record_id: int) -> dict[str, Any]:
    version, level, task, opcode, keywords = _header(event)
    return {
        "Provider": {"#attributes": _provider(event.source)},
        "EventID": event.event_id,
        "Version": version,
        "Level": level,
        "Task": task,
        "Opcode": opcode,
        "Keywords": keywords,
        "TimeCreated": {"#attributes": {"SystemTime": _system_time(event)}},
        "EventRecordID": record_id,
        "Correlation": None,
        "Execution": {"#attributes": _execution(event, record_id)},
        "Channel": channel,
        "Computer": event.host,
        "Security": {"#attributes": {"UserID": event.user_sid}} if event.user_sid else None,
    }


def _header(event: WinEvent) -> tuple[int, int, int, int, str]:
    """Version, level, task, opcode and keywords, as each provider writes them."""
    eid = event.event_id
    if event.source == "sysmon":
        return _SYSMON_VERSIONS.get(eid, 2), 4, eid, 0, "0x8000000000000000"
    if event.source == "security":
        version, task = _SECURITY[eid]
        keywords = "0x8010000000000000" if eid == 4625 else "0x8020000000000000"
        return version, 0, task, 0, keywords
    if event.source == "eventlog":
        keywords = "0x4020000000000000" if eid == 1102 else "0x8000000000000000"
        return 0, 4, 104, 0, keywords
    if event.source == "scm":
        return 0, 4, 0, 0, "0x8080000000000000"
    return 1, 5, 2, 15, "0x0"


def _provider(source: str) -> dict[str, str]:
    return {
        "sysmon": {
            "Name": "Microsoft-Windows-Sysmon",
            "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9",
        },
        "security": {
            "Name": "Microsoft-Windows-Security-Auditing",
            "Guid": "54849625-5478-4994-A5BA-3E3B0328C30D",
        },
        "eventlog": {
            "Name": "Microsoft-Windows-Eventlog",
            "Guid": "FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148",
        },
        "scm": {
            "Name": "Service Control Manager",
            "Guid": "555908D1-A6D7-4695-8E1E-26931D2012F4",
            "EventSourceName": "Service Control Manager",
        },
        "powershell": {
            "Name": "Microsoft-Windows-PowerShell",
            "Guid": "A0C1853B-5C40-4B15-8766-3CF1C58F985A",
        },
    }[source]


def _execution(event: WinEvent, record_id: int) -> dict[str, int]:
    """The logging process: fixed per host and provider, as on a real machine."""
    seed = zlib.crc32(f"{event.host}/{event.source}".encode())
    thread = 1000 + (zlib.crc32(f"{seed}/{record_id}".encode()) % 3000) * 4 % 12000
    return {"ProcessID": 600 + seed % 3000 * 4 % 9000, "ThreadID": thread}


def _system_time(event: WinEvent) -> str:
    return event.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
