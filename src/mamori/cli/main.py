"""The ``mamori`` command."""

from __future__ import annotations

import typer

from mamori import __version__
from mamori.cli import audit, db, demo, hunt, serve, staff, watch

app = typer.Typer(
    name="mamori",
    help="mamori: an open cyber-defence platform for financial institutions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve.serve)
app.command()(hunt.hunt)
app.command()(watch.watch)
app.add_typer(db.app, name="db")
app.add_typer(audit.app, name="audit")
app.add_typer(demo.app, name="demo")
app.add_typer(staff.app, name="staff")


@app.command()
def version() -> None:
    """Print mamori's version."""
    typer.echo(__version__)
