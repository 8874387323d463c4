"""The one interface every alert output implements."""

from __future__ import annotations

import abc
from typing import ClassVar, TextIO

from mamori.detection.models import Alert
from mamori.detection.outputs.summary import HuntSummary


class AlertWriter(abc.ABC):
    """Writes a hunt's alerts to a text stream as they arrive: ``begin()`` once, ``write()``
    per alert, ``finish()`` once with the summary. The caller owns (and closes) the stream."""

    suffix: ClassVar[str]
    media_type: ClassVar[str]

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def begin(self) -> None:  # noqa: B027 - most formats have nothing to write first
        """Write what comes before the first alert, such as a header row."""

    @abc.abstractmethod
    def write(self, alert: Alert) -> None:
        """Write (or keep, for formats that need every alert first) one alert."""

    @abc.abstractmethod
    def finish(self, summary: HuntSummary) -> None:
        """Write what comes after the last alert, then flush the stream."""
