"""What the correlation engine reads from a detection alert."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from mamori.detection.correlation.spec import Target
from mamori.detection.correlation.state import EventRef
from mamori.detection.models import Alert

GroupKey = tuple[str, ...]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch; a naive time is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the event contract stores UTC
    return (moment - _EPOCH) // timedelta(microseconds=1)


def event_ref(alert: Alert) -> EventRef:
    """The short reference a correlation alert keeps of ``alert`` (which has a time)."""
    assert alert.timestamp is not None
    return EventRef(alert.rule_id, alert.source_file, alert.record_id, alert.timestamp, alert.host)


def read_field(alert: Alert, target: Target, name: str | None) -> str | None:
    """A field of the event; a chained correlation's alert offers only its group."""
    if name is None:
        return None
    fields = alert.event.get("group") if target.chained else alert.event
    if not isinstance(fields, Mapping):
        return None
    value = fields.get(name)
    return value if value is None or isinstance(value, str) else str(value)


def group_key(alert: Alert, target: Target) -> GroupKey | None:
    """The values of the group-by fields, or None where the event lacks one."""
    key: list[str] = []
    for name in target.fields:
        value = read_field(alert, target, name)
        if value is None:
            return None  # as a SIEM's group-by does, events without the field form no group
        key.append(value)
    return tuple(key)
