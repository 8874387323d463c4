"""The live-source extension point: the :class:`LiveSource` protocol and the built-in kinds.

A third-party source is one more class that implements :class:`LiveSource` (or subclasses
:class:`BackgroundSource`); hand an instance to :class:`~mamori.detection.live.Watcher`.
"""

from __future__ import annotations

from mamori.detection.live.source import BackgroundSource, LineSink, LiveSource
from mamori.detection.live.stream import StreamSource
from mamori.detection.live.syslog import TcpListener, UdpListener
from mamori.detection.live.tail import FileTail

__all__ = ["SOURCES", "BackgroundSource", "LineSink", "LiveSource"]

SOURCES: dict[str, type[BackgroundSource]] = {
    "file": FileTail,
    "syslog-udp": UdpListener,
    "syslog-tcp": TcpListener,
    "stream": StreamSource,
}
