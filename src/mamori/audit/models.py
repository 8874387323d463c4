"""Domain types of the transparency log."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class EntryKind(enum.Enum):
    """An authorization decision, or an action of the program (a tier change, a stop…)."""

    DECISION = "decision"
    PROGRAM = "program"


@dataclass(frozen=True)
class NewEntry:
    """What a caller asks the log to record; the log gives it its index and hashes it.

    ``details`` must be JSON-ready (str, int, bool, None, lists and dicts of them;
    no floats, so that its canonical form is exact).
    """

    kind: EntryKind
    action: str
    actor: str
    org_id: str | None
    at: dt.datetime
    details: Mapping[str, Any] = field(default_factory=dict)
