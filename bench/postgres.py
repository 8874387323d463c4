"""A fresh PostgreSQL schema for one benchmark, dropped afterwards (as the test suite does)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def configured_url() -> str:
    """``MAMORI_BENCH_POSTGRES_URL``, else the test suite's server, else the local default."""
    return os.environ.get(
        "MAMORI_BENCH_POSTGRES_URL", os.environ.get("MAMORI_TEST_POSTGRES_URL", DEFAULT_URL)
    )


def unreachable(url: str) -> str | None:
    """Why the server cannot be used, or None when it answers."""
    try:
        engine = create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except (SQLAlchemyError, OSError) as exc:
        return str(exc).splitlines()[0]
    return None


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; the schema is dropped on exit."""
    schema = f"mamori_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
