"""Turn the engine's matches into alerts that carry the event they fired on."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from mamori.detection.engine import META_PREFIX, Match
from mamori.detection.models import Alert


def alerts_for(
    batch: pa.RecordBatch, matches: Sequence[Match], rules: Sequence[Any]
) -> Iterator[Alert]:
    """One alert per match, with the event's fields, raw record, file, record id and time."""
    if not matches:
        return
    rows = sorted({match.row for match in matches})
    events = _events(batch.take(pa.array(rows, type=pa.int64())))
    by_row = dict(zip(rows, events, strict=True))
    for match in matches:
        meta, fields = by_row[match.row]
        rule = rules[match.rule]
        yield Alert(
            rule_id=rule.id,
            title=rule.title,
            level=rule.level,
            tags=tuple(rule.tags),
            source_file=str(meta.get("_source") or ""),
            record_id=meta.get("_record_id"),
            timestamp=_time(meta.get("_timestamp")),
            host=meta.get("_host"),
            event=fields,
            raw=meta.get("_raw"),
            rule_source=getattr(rule, "source", None),
        )


def _events(rows: pa.RecordBatch) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each row as (metadata, fields present), read column by column."""
    columns = [
        (name, column.to_pylist())
        for name, column in zip(rows.schema.names, rows.columns, strict=True)
        if column.null_count < rows.num_rows
    ]
    events: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for i in range(rows.num_rows):
        meta: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        for name, values in columns:
            value = values[i]
            if value is None:
                continue
            (meta if name.startswith(META_PREFIX) else fields)[name] = value
        events.append((meta, fields))
    return events


def _time(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None
