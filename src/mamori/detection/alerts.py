"""Turn the engine's matches into alerts that carry the event they fired on."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from mamori.detection.engine import META_PREFIX, Match
from mamori.detection.models import Alert, Level


class AlertRule:
    """The parts of a rule an alert repeats."""

    id: str
    title: str
    level: Level
    tags: tuple[str, ...]
    source: str


def alerts_for(
    batch: pa.RecordBatch, matches: Sequence[Match], rules: Sequence[Any]
) -> Iterator[Alert]:
    """One alert per match, with the event's fields, raw record, file, record id and time."""
    rows: dict[int, dict[str, Any]] = {}
    for match in matches:
        event = rows.get(match.row)
        if event is None:
            event = rows[match.row] = batch.slice(match.row, 1).to_pylist()[0]
        rule = rules[match.rule]
        yield Alert(
            rule_id=rule.id,
            title=rule.title,
            level=rule.level,
            tags=tuple(rule.tags),
            source_file=str(event.get("_source") or ""),
            record_id=event.get("_record_id"),
            timestamp=_time(event.get("_timestamp")),
            host=event.get("_host"),
            event={
                k: v for k, v in event.items() if v is not None and not k.startswith(META_PREFIX)
            },
            raw=event.get("_raw"),
            rule_source=getattr(rule, "source", None),
        )


def _time(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None
