"""Fixtures for the HTTP API: one real server for the session, a fresh platform per test.

``live_server`` is uvicorn on 127.0.0.1 (ephemeral port) in a background thread;
``api`` mounts a new application around a new :class:`~mamori.platform.Platform`
over the ``database`` fixture (SQLite, then PostgreSQL) and hands out an httpx
client that talks to it over loopback. ``world`` builds programs through that
client.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from api_live import ChallengeSite, LiveServer
from api_world import SITE_HOSTS, Org, World
from fastapi import FastAPI

from mamori.access.assets.base import VerifierSettings, default_verifiers
from mamori.api.app import create_app
from mamori.core.clock import FixedClock
from mamori.core.settings import Settings
from mamori.platform import Platform, open_platform
from mamori.store.engine import Database


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """uvicorn on an ephemeral loopback port, serving whichever app a test mounts."""
    server = LiveServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def challenge_site() -> Iterator[ChallengeSite]:
    """A local web site where organizations publish ownership challenges."""
    site = ChallengeSite()
    site.start()
    yield site
    site.stop()


@pytest.fixture
def platform(
    settings: Settings, clock: FixedClock, database: Database, challenge_site: ChallengeSite
) -> Platform:
    """A platform over the test's database, its asset verifiers pointed at the local site."""
    verifiers = default_verifiers(
        VerifierSettings(
            well_known_base_urls={host: challenge_site.base_url(host) for host in SITE_HOSTS},
            http_timeout=5.0,
        )
    )
    # The fixture's schema is already made with the tables' metadata; nothing to migrate.
    return open_platform(
        settings, clock=clock, database=database, verifiers=verifiers, upgrade=False
    )


@pytest.fixture
def app(platform: Platform) -> FastAPI:
    """The HTTP API over this test's platform."""
    return create_app(platform)


@pytest.fixture
def api(live_server: LiveServer, app: FastAPI) -> Iterator[httpx.Client]:
    """A client of the real server, which now serves this test's platform."""
    live_server.mount(app)
    with httpx.Client(base_url=live_server.base_url, timeout=30, trust_env=False) as client:
        yield client
    live_server.mount(None)


@pytest.fixture
def world(platform: Platform, api: httpx.Client) -> World:
    """A program to build through the API."""
    return World(platform, api)


@pytest.fixture
def two_orgs(world: World) -> tuple[Org, Org]:
    """Two verified organizations, each vetted by the operator, admins signed in with MFA."""
    kobe = world.org("Shinkin Bank of Kobe", "admin@kobe-shinkin.example")
    sendai = world.org("Sendai Credit Union", "admin@sendai-cu.example")
    return kobe, sendai
