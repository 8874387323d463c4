"""The alert a matching correlation window raises."""

from __future__ import annotations

from typing import Any

from mamori.detection.correlation.spec import CorrelationSpec, Measure
from mamori.detection.correlation.windows import Window
from mamori.detection.models import Alert


def build_alert(
    spec: CorrelationSpec, group: tuple[str, ...], window: Window, max_refs: int
) -> Alert:
    """A correlation alert, placed at the event that completed the window."""
    completing = window.completing
    return Alert(
        rule_id=spec.rule_id,
        title=spec.title,
        level=spec.level,
        tags=spec.tags,
        source_file=completing.source_file,
        record_id=completing.record_id,
        timestamp=completing.timestamp,
        host=completing.host,
        event=_event(spec, group, window, max_refs),
        rule_source=spec.rule_source,
        correlation=True,
    )


def _event(
    spec: CorrelationSpec, group: tuple[str, ...], window: Window, max_refs: int
) -> dict[str, Any]:
    entries = window.entries
    shown = list(entries[:max_refs])
    if len(entries) > max_refs:
        shown[-1] = entries[-1]  # keep the last event: it is often the one that completed it
    event: dict[str, Any] = {
        "correlation_type": spec.kind,
        "group": dict(zip(spec.group_by, group, strict=True)),
        "count": window.measured,
        "condition": spec.condition.as_dict(),
        "timespan": spec.timespan,
        "window_start": entries[0].ref.timestamp.isoformat(),
        "window_end": entries[-1].ref.timestamp.isoformat(),
        "events": [entry.ref.as_dict() for entry in shown],
        "events_total": len(entries),
    }
    if spec.measure is Measure.VALUES:
        event["field"] = spec.value_field
        event["values"] = window.detail[:max_refs]
    elif spec.measure in (Measure.RULES, Measure.ORDERED):
        event["rules"] = [spec.targets[index].reference for index in window.detail]
    return event
