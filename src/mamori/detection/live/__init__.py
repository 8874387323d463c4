"""Live detection (``mamori watch``): Sigma rules over lines as they arrive from followed
files, syslog listeners (UDP and TCP) and standard input, matched in micro-batches."""

from mamori.detection.live.base import SOURCES, BackgroundSource, LineSink, LiveSource
from mamori.detection.live.errors import ListenError, WatchError, WatchSourceError
from mamori.detection.live.framing import LineSplitter, SyslogFramer
from mamori.detection.live.inbox import Inbox, RecentKeys
from mamori.detection.live.models import WatchOptions, WatchStats
from mamori.detection.live.service import Watcher
from mamori.detection.live.stream import STDIN_NAME, StreamSource
from mamori.detection.live.syslog import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    SyslogListener,
    TcpListener,
    UdpListener,
    listeners,
)
from mamori.detection.live.tail import FileTail

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SOURCES",
    "STDIN_NAME",
    "BackgroundSource",
    "FileTail",
    "Inbox",
    "LineSink",
    "LineSplitter",
    "ListenError",
    "LiveSource",
    "RecentKeys",
    "StreamSource",
    "SyslogFramer",
    "SyslogListener",
    "TcpListener",
    "UdpListener",
    "WatchError",
    "WatchOptions",
    "WatchSourceError",
    "WatchStats",
    "Watcher",
    "listeners",
]
