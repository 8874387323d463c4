"""``mamori db``: the schema of the store."""

from __future__ import annotations

import typer

from mamori.cli.common import out, reported_errors, settings
from mamori.store import migrate
from mamori.store.engine import Database

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Apply every migration to the configured database (safe to repeat)."""
    loaded = settings()
    with reported_errors():
        database = Database(loaded.effective_database_url)
        loaded.data_dir.mkdir(parents=True, exist_ok=True)
        migrate.upgrade(database)
        out(f"database at revision {migrate.current_revision(database)}")
        database.dispose()


@app.command()
def status() -> None:
    """Show the database's schema revision and the newest one this mamori ships."""
    loaded = settings()
    with reported_errors():
        database = Database(loaded.effective_database_url)
        out(f"current: {migrate.current_revision(database) or 'none'}")
        out(f"newest:  {migrate.head_revision(database)}")
        database.dispose()
