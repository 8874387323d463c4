"""The store: transactions commit or roll back, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mamori.access.tables import OrganizationRow
from mamori.store.engine import Database


def _org(org_id: str, when: dt.datetime) -> OrganizationRow:
    return OrganizationRow(
        id=org_id,
        name=f"Bank {org_id}",
        country="JP",
        regulator_registration="FSA-1",
        contact_email="sec@example.org",
        tier="registered",
        status="active",
        created_at=when,
        updated_at=when,
    )


def _count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(OrganizationRow)) or 0


def test_block_commits(database: Database) -> None:
    now = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    with database.session() as session:
        session.add(_org("org_a", now))
    assert _count(database) == 1
    with database.session() as session:
        row = session.get(OrganizationRow, "org_a")
        assert row is not None
        assert row.created_at == now
        assert row.created_at.tzinfo is not None


def test_block_that_raises_rolls_back(database: Database) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        session.add(_org("org_b", dt.datetime.now(dt.UTC)))
        session.flush()
        raise RuntimeError("boom")
    assert _count(database) == 0


def test_naive_timestamps_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="timezone-aware"), database.session() as session:
        session.add(_org("org_c", dt.datetime(2026, 1, 1)))  # noqa: DTZ001
        session.flush()
    assert _count(database) == 0


def test_sqlite_data_directory_is_created(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "mamori.db"
    database = Database(f"sqlite:///{target}")
    with database.session() as session:
        session.connection().exec_driver_sql("select 1")
    assert target.exists()
    database.dispose()


def test_sqlite_runs_in_wal_mode(sqlite_database: Database) -> None:
    with sqlite_database.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
