"""The simulated events, before they are rendered, and the alerts they are expected to raise."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Ids:
    """Seeded identifiers (GUIDs, process ids, logon ids): the same seed gives the same ids."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def guid(self) -> str:
        """A GUID in the upper-case form Windows logs print."""
        digits = f"{self.rng.getrandbits(128):032X}"
        return "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]))

    def pid(self) -> int:
        """A plausible Windows process id (a multiple of four)."""
        return self.rng.randrange(250, 4000) * 4

    def logon_id(self) -> str:
        """A logon session id as the Security log prints it."""
        return f"0x{self.rng.randrange(0x100000, 0x9FFFFFF):x}"


@dataclass(frozen=True)
class WinEvent:
    """One Windows event: its System header is derived from ``source`` and ``event_id``."""

    at: datetime
    host: str
    source: str
    event_id: int
    data: dict[str, Any]
    user_sid: str | None = None
    user_data: str | None = None
    alerts: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class SysLine:
    """One syslog line (RFC 3164) from a Linux host."""

    at: datetime
    host: str
    program: str
    pid: int | None
    pri: int
    message: str
    alerts: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class ExpectedAlert:
    """An alert a starter rule should raise on the demo logs.

    ``lines`` are 1-based line numbers in ``file``; ``record_ids`` the events' EventRecordID
    (Windows files only). A correlation alert lists every event of its group and the group-by
    values in ``group``.
    """

    rule_id: str
    file: str
    host: str
    lines: tuple[int, ...]
    record_ids: tuple[int, ...] = ()
    event_id: int | None = None
    group: tuple[tuple[str, str], ...] = field(default=())
    note: str = ""
