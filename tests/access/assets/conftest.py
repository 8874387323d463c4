"""Fixtures for the asset and engagement tests: two organizations and local servers."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from assets_helpers import LocalDns, LocalHttp, Orgs, make_org

from mamori.store.engine import Database


@pytest.fixture
def orgs(database: Database) -> Orgs:
    """Two organizations sharing one database."""
    return Orgs(make_org(database, "Alpha Bank"), make_org(database, "Beta Credit Union"))


@pytest.fixture
def local_dns() -> Iterator[LocalDns]:
    server = LocalDns()
    yield server
    server.close()


@pytest.fixture
def silent_dns_port() -> Iterator[int]:
    """A bound UDP port on 127.0.0.1 that never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def local_http() -> Iterator[LocalHttp]:
    server = LocalHttp()
    yield server
    server.close()
