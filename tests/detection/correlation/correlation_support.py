"""Building blocks for the correlation tests: rules from YAML, alerts at chosen times."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from typing import Any

from sigma.correlations import SigmaCorrelationRule

from mamori.detection.correlation import CorrelationEngine
from mamori.detection.models import Alert, Level

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# the ids under which the detection engine would emit the alerts of each base rule
RULE_IDS = {
    "5638f7c0-ac70-491d-8465-2a65075e0d86": "rule-failed-logon",
    "failed_logon": "rule-failed-logon",
    "successful_logon": "rule-successful-logon",
    "recon_a": "rule-recon-a",
    "recon_b": "rule-recon-b",
    "recon_c": "rule-recon-c",
    "internal_error": "rule-internal-error",
    "new_network_connection": "rule-new-connection",
}


def rule(text: str) -> SigmaCorrelationRule:
    """One correlation rule parsed by pySigma from YAML."""
    return SigmaCorrelationRule.from_yaml(textwrap.dedent(text))


def engine(*texts: str, **options: Any) -> CorrelationEngine:
    """An engine over the given correlation rules and the base rules of ``RULE_IDS``."""
    return CorrelationEngine([rule(text) for text in texts], RULE_IDS, **options)


def at(seconds: float) -> datetime:
    """``seconds`` after T0."""
    return T0 + timedelta(seconds=seconds)


_records = iter(range(1, 1_000_000))


def hit(rule_id: str, seconds: float | None, host: str = "ws1", **fields: str) -> Alert:
    """An alert of base rule ``rule_id`` on an event ``seconds`` after T0."""
    record = next(_records)
    return Alert(
        rule_id=rule_id,
        title=rule_id,
        level=Level.LOW,
        tags=(),
        source_file="Security.evtx",
        record_id=record,
        timestamp=None if seconds is None else at(seconds),
        host=host,
        event={"Computer": host, **fields},
    )


def run(correlations: CorrelationEngine, alerts: list[Alert]) -> list[Alert]:
    """Feed every alert, then flush; every correlation alert raised."""
    raised: list[Alert] = []
    for alert in alerts:
        raised += correlations.feed(alert)
    return raised + correlations.flush()
