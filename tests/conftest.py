"""Shared fixtures: a real database (SQLite file and PostgreSQL), a clock, settings.

Every test that takes ``database`` runs twice, once on an SQLite file and once on
the PostgreSQL server named by ``MAMORI_TEST_POSTGRES_URL`` (default: the local
server's ``test`` database). Each pytest process gets its own PostgreSQL schema,
so parallel runs never see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from mamori.core.clock import FixedClock
from mamori.core.settings import Settings, load_settings
from mamori.store.engine import Database
from mamori.store.schema import metadata

POSTGRES_URL = os.environ.get(
    "MAMORI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # any driver error means "not reachable"
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL server's URL (its own search_path); skips, or fails in CI, if unreachable."""
    problem = _postgres_reachable()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {problem}")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema for this test process."""
    schema = f"mamori_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_all(database: Database) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with database.session() as session:
        session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A real, empty database with the whole schema: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'mamori.db'}")
        metadata.create_all(db.engine)
    else:
        db = Database(request.getfixturevalue("postgres_url"))
        _truncate_all(db)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """An SQLite database only, for tests about the embedded store itself."""
    db = Database(f"sqlite:///{tmp_path / 'mamori.db'}")
    metadata.create_all(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """A clock that stands still at 2026-01-01T00:00Z until advanced."""
    return FixedClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Development settings with a fresh data directory and no outside config."""
    for name in list(os.environ):
        if name.startswith("MAMORI_") and name != "MAMORI_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    return load_settings(data_dir=tmp_path / "data")
