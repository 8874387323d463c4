"""``mamori demo``: the demo program's seed and its second-factor codes."""

from __future__ import annotations

import pyotp
import typer

from mamori.cli.common import EXIT_USAGE, out, platform, settings
from mamori.demo import seed

app = typer.Typer(help="The demo program.", no_args_is_help=True)


@app.command("seed")
def seed_command() -> None:
    """Seed the demo program (once per data directory) and print its credentials."""
    loaded = settings()
    with platform() as opened:
        credentials = seed.ensure_demo(opened)
    out(seed.describe(credentials, f"http://{loaded.host}:{loaded.port}"))


@app.command()
def totp(
    role: str = typer.Argument(..., help="operator, regulator, org_admin, analyst, …"),
) -> None:
    """Print the current TOTP code of a demo login (what an authenticator app would show)."""
    with platform() as opened:
        credentials = seed.ensure_demo(opened)
        roles = [item.role for item in credentials.logins]
        if role not in roles:
            out(f"no demo login {role!r}; choose one of: {', '.join(roles)}")
            raise typer.Exit(EXIT_USAGE)
        out(pyotp.TOTP(credentials.login(role).totp_secret).at(opened.clock.now()))
