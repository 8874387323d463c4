"""Settings and running counts of live detection."""

from __future__ import annotations

from dataclasses import dataclass, field

from mamori.detection.live.errors import WatchError
from mamori.events.models import DEFAULT_MAX_LINE_BYTES, ReadProblem

DEFAULT_BATCH_LINES = 500
DEFAULT_BATCH_MS = 200


@dataclass(frozen=True)
class WatchOptions:
    """How lines become batches, and the bounds that keep a long watch's memory flat.

    Lines are matched once ``batch_lines`` have arrived or ``batch_ms`` after the first of
    them, whichever comes first: low latency when quiet, large batches when busy.
    """

    batch_lines: int = DEFAULT_BATCH_LINES
    batch_ms: int = DEFAULT_BATCH_MS
    format: str | None = None
    """One line format for every source; by default syslog listeners read syslog and other
    sources are detected from their first line."""
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    recent_keys: int = 100_000
    """How many alert keys are remembered to drop a repeated alert."""
    queue_chunks: int = 64
    """How many chunks of lines may wait between the sources and the matcher."""
    kept_problems: int = 20
    """How many read problems are kept as examples (all are counted)."""

    def __post_init__(self) -> None:
        for name in ("batch_lines", "batch_ms", "max_line_bytes", "recent_keys", "queue_chunks"):
            value = getattr(self, name)
            if value < 1:
                raise WatchError(f"{name} must be at least 1, not {value}", where=name)


@dataclass
class WatchStats:
    """What a watch has read and raised so far."""

    lines: int = 0
    events: int = 0
    batches: int = 0
    alerts: int = 0
    correlation_alerts: int = 0
    duplicates: int = 0
    problem_count: int = 0
    problems: list[ReadProblem] = field(default_factory=list)
    restarts: int = 0
    """Files that rotated or were truncated and were read again from their start."""
    elapsed_s: float = 0.0
    ended: dict[str, str | None] = field(default_factory=dict)
    """Sources that ended (standard input at its end), with the reason when one failed."""
    disabled_rules: dict[str, float] = field(default_factory=dict)
    """Rules switched off for taking longer than their time budget (id: seconds taken)."""

    @property
    def events_per_s(self) -> float:
        """Events matched per second of the watch."""
        return self.events / self.elapsed_s if self.elapsed_s > 0 else 0.0
