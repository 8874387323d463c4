"""Syslog listeners on loopback: UDP datagrams and TCP streams (octet-counted and newline
framed) raise alerts from mamori's starter rules."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from live_watch_support import (
    SSH_EXHAUSTED,
    SUDO_FAILURES,
    auth_lines,
    count_of,
    eventually,
    watching,
)

from mamori.detection.live import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ListenError,
    TcpListener,
    UdpListener,
    listeners,
)

EXHAUSTED = auth_lines("maximum authentication attempts exceeded")
SUDO = auth_lines("incorrect password attempt")


def test_the_defaults_listen_on_loopback_only() -> None:
    udp, tcp = listeners()
    assert (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 5514)
    assert udp.address == tcp.address == ("127.0.0.1", 5514)
    assert (udp.name, tcp.name) == ("udp://127.0.0.1:5514", "tcp://127.0.0.1:5514")


def test_udp_datagrams_raise_alerts(tmp_path: Path) -> None:
    assert len(EXHAUSTED) == 4
    udp = UdpListener("127.0.0.1", 0)
    with watching([udp], tmp_path / "cache") as (running, collected):
        host, port = udp.address
        assert port != 0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            for line in EXHAUSTED:
                client.sendto(line + b"\n", (host, port))
        alerts = collected.wait_for(count_of(SSH_EXHAUSTED, 4))
        stats = running.finish()
    assert {alert.source_file for alert in alerts} == {f"udp://127.0.0.1:{port}"}
    assert {alert.host for alert in alerts} == {"fin-bastion-01"}
    assert stats.events == 4 and stats.problem_count == 0


def test_tcp_octet_counted_and_newline_framed_clients_raise_alerts(tmp_path: Path) -> None:
    tcp = TcpListener("127.0.0.1", 0)
    with watching([tcp], tmp_path / "cache") as (running, collected):
        address = tcp.address
        with socket.create_connection(address) as counted:
            counted.sendall(b"".join(str(len(m)).encode() + b" " + m for m in EXHAUSTED))
            with socket.create_connection(address) as plain:
                plain.sendall(b"".join(m + b"\n" for m in SUDO[:-1]))
                plain.sendall(SUDO[-1])  # no trailer: flushed when the peer closes
        collected.wait_for(count_of(SSH_EXHAUSTED, 4))
        alerts = collected.wait_for(count_of(SUDO_FAILURES, len(SUDO)))
        stats = running.finish()
    assert {alert.source_file for alert in alerts} == {f"tcp://127.0.0.1:{address[1]}"}
    assert stats.events == len(EXHAUSTED) + len(SUDO)


def test_a_client_may_send_one_message_in_many_pieces(tmp_path: Path) -> None:
    tcp = TcpListener("127.0.0.1", 0)
    message = EXHAUSTED[0]
    frame = str(len(message)).encode() + b" " + message
    with (
        watching([tcp], tmp_path / "cache") as (_, collected),
        socket.create_connection(tcp.address) as client,
    ):
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start in range(0, len(frame), 7):
            client.sendall(frame[start : start + 7])
        alerts = collected.wait_for(count_of(SSH_EXHAUSTED, 1))
    assert alerts[0].raw == message.decode()


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        listener = TcpListener("127.0.0.1", port)
        with pytest.raises(ListenError, match=f"tcp://127.0.0.1:{port}"):
            listener.start(_NoSink())


def test_stopping_releases_the_port(tmp_path: Path) -> None:
    tcp = TcpListener("127.0.0.1", 0)
    with watching([tcp], tmp_path / "cache") as (running, _):
        address = tcp.address
        running.finish()

    def refused() -> bool:
        try:
            socket.create_connection(address, timeout=0.5).close()
        except OSError:
            return True
        return False

    eventually(refused, what="the listener to close")


class _NoSink:
    def lines(self, source: str, lines: list[bytes]) -> bool:
        raise AssertionError("no lines expected")

    def restart(self, source: str) -> bool:
        raise AssertionError("no restart expected")

    def end(self, source: str, reason: str | None) -> None:
        pass
