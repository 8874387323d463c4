"""Hunts and alerts as an organization's store keeps them: the types its repository returns."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from mamori.core.ids import OrgId

T = TypeVar("T")

#: How many read problems a hunt keeps word for word; the count is always exact.
KEPT_READ_PROBLEMS = 20


class HuntStatus(enum.Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class HuntSource:
    """One file to hunt through: the name a person knows it by, and where it lies now."""

    name: str
    path: Path


@dataclass(frozen=True)
class RuleSetInfo:
    """Which rules a hunt ran: how many, the SHA-256 of their files, and how many failed."""

    count: int
    content_hash: str
    problems: int


@dataclass(frozen=True)
class ReadProblemInfo:
    """Something in a hunt's input that could not be read, and where."""

    source: str
    location: str
    reason: str


@dataclass(frozen=True)
class HuntRecord:
    """A hunt of one organization: what it read, with which rules, and what it found.

    ``alerts`` counts what the hunt found; ``new_alerts`` how many of them it stored. An
    alert the organization already held (the same key) stays under the hunt that found it
    first.
    """

    id: str
    org_id: OrgId
    status: HuntStatus
    created_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    sources: tuple[str, ...]
    rules: RuleSetInfo
    events: int
    files: int
    alerts: int
    new_alerts: int
    levels: dict[str, int]
    read_problem_count: int
    read_problems: tuple[ReadProblemInfo, ...]
    error: str | None = None


@dataclass(frozen=True)
class StoredAlert:
    """An alert as stored: the JSON object outputs write, with its id and hunt."""

    id: str
    hunt_id: str
    key: str
    record: dict[str, Any]


#: Where a keyset-paged listing stands: the sort time and the id of the last item shown.
Position = tuple[dt.datetime | None, str]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a keyset-paged listing; ``after`` is where the next page starts, if any."""

    items: tuple[T, ...]
    after: Position | None
