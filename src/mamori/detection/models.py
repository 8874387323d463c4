"""The detection domain's types: rules as loaded, and the alerts they raise."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any


class Level(enum.IntEnum):
    """Sigma rule levels, ordered so that ``--fail-on``-style comparisons read naturally."""

    INFORMATIONAL = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str | None) -> Level:
        """A level from its Sigma name; a rule without one is informational."""
        if not text:
            return cls.INFORMATIONAL
        return cls[text.strip().upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class LogSource:
    """A rule's ``logsource`` block; empty parts are ``None``."""

    product: str | None = None
    category: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class Attack:
    """The MITRE ATT&CK tactics and techniques a rule's tags name."""

    tactics: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()

    @classmethod
    def from_tags(cls, tags: tuple[str, ...]) -> Attack:
        """Split ``attack.*`` tags into tactics (names) and techniques (``T1234[.001]``)."""
        return _attack(tuple(tags))

    @classmethod
    def _parse(cls, tags: tuple[str, ...]) -> Attack:
        tactics: list[str] = []
        techniques: list[str] = []
        for tag in tags:
            namespace, _, name = tag.partition(".")
            if namespace.lower() != "attack" or not name:
                continue
            if name[:1].lower() == "t" and name[1:2].isdigit():
                techniques.append(name.upper())
            elif not (name[:1].lower() in "gs" and name[1:2].isdigit()):
                tactics.append(name.lower().replace("_", "-"))
        return cls(tuple(tactics), tuple(techniques))


@dataclass(frozen=True)
class Alert:
    """One rule firing on one event (or, for a correlation rule, on a group of events)."""

    rule_id: str
    title: str
    level: Level
    tags: tuple[str, ...]
    source_file: str
    record_id: int | None
    timestamp: datetime | None
    host: str | None
    event: dict[str, Any]
    raw: str | None = None
    rule_source: str | None = None
    correlation: bool = False
    attack: Attack = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attack", Attack.from_tags(self.tags))

    @property
    def key(self) -> str:
        """A stable identity: the same rule on the same event gives the same key, so a re-run
        or a redelivered batch de-duplicates instead of alerting twice."""
        basis = "\x1f".join(
            (self.rule_id, self.source_file, str(self.record_id), self.raw or repr(self.event))
        )
        return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@cache
def _attack(tags: tuple[str, ...]) -> Attack:
    """Tags repeat with every alert of a rule: parse each rule's tags once."""
    return Attack._parse(tags)
