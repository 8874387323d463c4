"""Empty stores for the log figures: mamori's schema on SQLite or PostgreSQL, and the peer's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pymerkle import SqliteTree

from bench import postgres
from mamori.store import migrate
from mamori.store.engine import Database


@contextmanager
def sqlite_log(path: Path) -> Iterator[Database]:
    """A new SQLite database file at ``path`` with mamori's migrated schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    database = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(database)
        yield database
    finally:
        database.dispose()


@contextmanager
def postgres_log(url: str) -> Iterator[Database]:
    """A new PostgreSQL schema with mamori's migrated schema, dropped afterwards."""
    with postgres.fresh_schema(url) as schema_url:
        database = Database(schema_url)
        try:
            migrate.upgrade(database)
            yield database
        finally:
            database.dispose()


@contextmanager
def peer_tree(path: Path) -> Iterator[SqliteTree]:
    """pymerkle's SQLite-backed tree, with the journal settings mamori uses for SQLite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = SqliteTree(str(path))
    try:
        # Same durability as mamori's store (WAL, synchronous=NORMAL), so that the
        # comparison is between the logs, not between journal modes.
        tree.con.execute("PRAGMA journal_mode=WAL")
        tree.con.execute("PRAGMA synchronous=NORMAL")
        yield tree
    finally:
        tree.close()
