"""Syslog listeners: one message per UDP datagram (RFC 5426), and TCP connections framed by
octet counting or newlines (RFC 6587; RFC 5425's framing without its TLS).

Both bind to loopback unless told otherwise: a listener open to the network accepts forged
log lines from anyone who can reach it, so exposing one is a decision the user makes.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
from typing import Literal

from mamori.core import logging as mlog
from mamori.detection.live.errors import ListenError
from mamori.detection.live.framing import SyslogFramer
from mamori.detection.live.source import BackgroundSource, LineSink
from mamori.events.models import DEFAULT_MAX_LINE_BYTES

log = mlog.get_logger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5514
MAX_CONNECTIONS = 256
_POLL_S = 0.2
_DATAGRAM_BYTES = 65_535
_DRAIN_DATAGRAMS = 512
_DRAIN_BYTES = 1 << 18
_RECEIVE_BUFFER = 4 << 20
CHUNK = 1 << 16

Transport = Literal["udp", "tcp"]


class SyslogListener(BackgroundSource):
    """A bound socket and the address it got (the real port when asked for port 0)."""

    transport: Transport

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        format: str | None = "syslog",
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        super().__init__(_url(self.transport, host, port), format)
        self.host, self.port = host, port
        self.max_line_bytes = max_line_bytes
        self._socket: socket.socket | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The bound host and port (valid once started)."""
        return self.host, self.port

    def _bind(self, kind: socket.SocketKind) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, kind)
        try:
            if kind == socket.SOCK_STREAM:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except (OSError, OverflowError) as exc:
            sock.close()
            raise ListenError(
                f"cannot listen: {getattr(exc, 'strerror', None) or exc}",
                where=self.name,
                hint="pick another --port or address, or stop what is using it",
            ) from exc
        self.port = sock.getsockname()[1]
        self._name = _url(self.transport, self.host, self.port)
        return sock

    def _close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


class UdpListener(SyslogListener):
    """Syslog over UDP: each datagram is one message."""

    transport: Transport = "udp"

    def _open(self) -> None:
        sock = self._bind(socket.SOCK_DGRAM)
        with contextlib.suppress(OSError):  # a smaller buffer only drops sooner in a burst
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)
        sock.settimeout(_POLL_S)
        self._socket = sock

    def _run(self, sink: LineSink) -> None:
        sock = self._socket
        assert sock is not None
        while not self.stopping:
            try:
                first = sock.recv(_DATAGRAM_BYTES)
            except (TimeoutError, InterruptedError, ConnectionError):
                continue  # ConnectionError: an ICMP error some systems report on UDP reads
            messages = [_message(first)]
            messages.extend(_message(more) for more in _pending(sock))
            if not sink.lines(self.name, [m for m in messages if m]):
                return


class TcpListener(SyslogListener):
    """Syslog over TCP: many connections served by one thread, each with its own framer."""

    transport: Transport = "tcp"

    def _open(self) -> None:
        sock = self._bind(socket.SOCK_STREAM)
        sock.listen(64)
        sock.setblocking(False)
        self._socket = sock
        self._framers: dict[socket.socket, SyslogFramer] = {}

    def _run(self, sink: LineSink) -> None:
        server = self._socket
        assert server is not None
        with selectors.DefaultSelector() as selector:
            selector.register(server, selectors.EVENT_READ, None)
            try:
                while not self.stopping:
                    for key, _ in selector.select(_POLL_S):
                        if key.data is None:
                            self._accept(server, selector)
                        elif not self._receive(key.data, selector, sink):
                            return
            finally:
                for connection in list(self._framers):
                    connection.close()
                self._framers.clear()

    def _accept(self, server: socket.socket, selector: selectors.BaseSelector) -> None:
        try:
            connection, peer = server.accept()
        except OSError:
            return
        if len(self._framers) >= MAX_CONNECTIONS:
            connection.close()
            mlog.event(log, "detection.watch.syslog.refused", peer=str(peer[0]), reason="full")
            return
        connection.setblocking(False)
        self._framers[connection] = SyslogFramer(self.max_line_bytes)
        selector.register(connection, selectors.EVENT_READ, connection)

    def _receive(
        self, connection: socket.socket, selector: selectors.BaseSelector, sink: LineSink
    ) -> bool:
        """Read what one connection sent; ``False`` when the sink takes no more."""
        framer = self._framers[connection]
        try:
            data = connection.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            data = b""
        if data:
            messages = framer.feed(data)
        else:
            last = framer.flush()
            messages = [last] if last is not None else []
            selector.unregister(connection)
            del self._framers[connection]
            connection.close()
        return not messages or sink.lines(self.name, messages)


def listeners(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    transports: tuple[Transport, ...] = ("udp", "tcp"),
    *,
    format: str | None = "syslog",
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> list[SyslogListener]:
    """A listener per transport on one address (UDP and TCP may share a port number)."""
    kinds: dict[Transport, type[SyslogListener]] = {"udp": UdpListener, "tcp": TcpListener}
    return [
        kinds[transport](host, port, format=format, max_line_bytes=max_line_bytes)
        for transport in transports
    ]


def _pending(sock: socket.socket) -> list[bytes]:
    """Datagrams already waiting, taken without blocking so that a burst is one chunk."""
    found: list[bytes] = []
    size = 0
    sock.settimeout(0.0)
    try:
        while len(found) < _DRAIN_DATAGRAMS and size < _DRAIN_BYTES:
            found.append(sock.recv(_DATAGRAM_BYTES))
            size += len(found[-1])
    except (BlockingIOError, InterruptedError):
        pass
    finally:
        sock.settimeout(_POLL_S)
    return found


def _message(datagram: bytes) -> bytes:
    return datagram.rstrip(b"\r\n\x00")


def _url(transport: str, host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{transport}://{shown}:{port}"
