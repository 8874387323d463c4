"""What ``mamori hunt`` writes: a terminal table, JSON Lines, CSV, an ATT&CK Navigator layer
or an HTML report, each behind one streaming :class:`AlertWriter` interface."""

from mamori.detection.outputs.base import WRITERS, AlertWriter, OutputFormat, writer_for
from mamori.detection.outputs.summary import (
    HuntSummary,
    RuleCount,
    SummaryBuilder,
    render_summary,
)

__all__ = [
    "WRITERS",
    "AlertWriter",
    "HuntSummary",
    "OutputFormat",
    "RuleCount",
    "SummaryBuilder",
    "render_summary",
    "writer_for",
]
