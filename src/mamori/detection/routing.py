"""Route each rule to the events its log source can describe.

Evaluating every rule on every event is what makes naive Sigma engines slow: a
process-creation rule can only ever match a process-creation event. A :class:`Route` is one
place a log source's events come from (a Windows channel and event ids, or a whole product),
with the field names that differ there. Rules that share a route are evaluated together on
just the events of that route.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sigma.pipelines.common import windows_logsource_mapping

from mamori.detection.models import LogSource


@dataclass(frozen=True)
class Route:
    """Where a rule's events come from; ``None`` parts match anything."""

    windows: bool | None = None
    channel: str | None = None
    event_ids: tuple[int, ...] | None = None
    fields: tuple[tuple[str, str], ...] = ()

    def admits(self, channel: str | None, event_id: int | None) -> bool:
        """Whether an event from ``channel`` with ``event_id`` belongs to this route."""
        if self.windows is not None and (channel is not None) != self.windows:
            return False
        if self.channel is not None and channel != self.channel:
            return False
        return self.event_ids is None or event_id in self.event_ids

    @property
    def label(self) -> str:
        """A short human name, for logs and statistics."""
        if self.channel is not None:
            ids = ",".join(map(str, self.event_ids or ()))
            return f"{self.channel}[{ids}]" if ids else self.channel
        return {True: "windows:*", False: "non-windows:*", None: "*"}[self.windows]


EVERYTHING = Route()
WINDOWS = Route(windows=True)
NON_WINDOWS = Route(windows=False)


def routes_for(logsource: LogSource) -> tuple[Route, ...]:
    """The routes whose events a rule with this log source is evaluated on."""
    product = (logsource.product or "").lower()
    if product != "windows":
        return (NON_WINDOWS,) if product else (EVERYTHING,)
    table = _windows_table()
    category = (logsource.category or "").lower()
    if category in table:
        return table[category]
    service = (logsource.service or "").lower()
    return table.get(f"service:{service}", (WINDOWS,)) if service else (WINDOWS,)


@cache
def _windows_table() -> Mapping[str, tuple[Route, ...]]:
    text = resources.files("mamori.detection").joinpath("logsources.yml").read_text("utf-8")
    data = yaml.safe_load(text)["windows"]
    table: dict[str, tuple[Route, ...]] = {}
    for service, channels in windows_logsource_mapping.items():
        names = [channels] if isinstance(channels, str) else list(channels)
        table[f"service:{service}"] = tuple(Route(windows=True, channel=name) for name in names)
    for service, entries in (data.get("services") or {}).items():
        table[f"service:{service}"] = tuple(_route(entry) for entry in entries)
    for category, entries in (data.get("categories") or {}).items():
        table[category] = tuple(_route(entry) for entry in entries)
    return table


def _route(entry: Mapping[str, Any]) -> Route:
    ids = entry.get("event_ids")
    fields = entry.get("fields") or {}
    return Route(
        windows=True,
        channel=str(entry["channel"]),
        event_ids=tuple(sorted(int(i) for i in ids)) if ids else None,
        fields=tuple(sorted((str(k), str(v)) for k, v in fields.items())),
    )
