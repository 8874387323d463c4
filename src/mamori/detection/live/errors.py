"""Errors of live detection (``mamori watch``)."""

from __future__ import annotations

from mamori.core.errors import ErrorKind
from mamori.detection.errors import DetectionError


class WatchError(DetectionError):
    """Live detection cannot start or go on as asked."""

    code = "detection.watch"


class ListenError(WatchError):
    """A syslog listener cannot bind its address (in use, not allowed, or not an address)."""

    kind = ErrorKind.UNAVAILABLE
    code = "detection.watch.listen_failed"


class WatchSourceError(WatchError):
    """A source that can never be read: a folder given as a file to follow, a bad setting."""

    kind = ErrorKind.INVALID
    code = "detection.watch.source_invalid"
