"""``mamori staff``: bootstrap the program's own people on the host.

The first operator of a new deployment cannot be created through the API (no one
could authorize it yet), so whoever runs the server creates it here. The action
is recorded in the transparency log as the host's, like every other.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from mamori.access.identity import service as identity
from mamori.access.identity.models import NewUser
from mamori.access.models import Principal, PrincipalKind, Role
from mamori.cli.common import EXIT_USAGE, out, platform

app = typer.Typer(help="The program's operators and regulators.", no_args_is_help=True)

HOST = Principal(kind=PrincipalKind.SYSTEM, id="host-cli")
STAFF_ROLES = {"operator": Role.OPERATOR, "regulator": Role.REGULATOR}


@app.command()
def create(
    email: Annotated[str, typer.Option(help="The person's email, used to sign in.")],
    role: Annotated[str, typer.Option(help="operator or regulator.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Create an operator or a regulator; prints a one-time password to change on first use."""
    if role not in STAFF_ROLES:
        out(f"--role must be one of: {', '.join(STAFF_ROLES)}")
        raise typer.Exit(EXIT_USAGE)
    password = secrets.token_urlsafe(15)
    person = NewUser(email, name or email, password, frozenset({STAFF_ROLES[role]}), None)
    with platform() as opened, opened.database.session() as session:
        user = identity.create_user(session, opened.clock, HOST, person)
    out(f"created {role} {user.email} ({user.id})")
    out(f"password: {password}")
    out("sign in, then enroll a second factor: POST /auth/totp/enroll and /auth/totp/confirm")


@app.command("list")
def list_staff() -> None:
    """List the program's operators and regulators."""
    with platform() as opened, opened.database.session() as session:
        people = identity.list_users(session, None)
    for person in people:
        roles = ",".join(sorted(role.value for role in person.roles))
        state = "disabled" if person.disabled else ("mfa" if person.totp_enabled else "no-mfa")
        out(f"{person.id}  {person.email:<32} {roles:<10} {state}")
