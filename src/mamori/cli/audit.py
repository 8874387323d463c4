"""``mamori audit``: export the transparency log, verify it offline, and manage its key."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mamori.audit import service
from mamori.audit.export import export_log
from mamori.audit.models import VerifyReport
from mamori.audit.signing import generate_key_file, signed_note
from mamori.audit.verify import verify_database, verify_file
from mamori.cli.common import EXIT_FAILED_CHECK, out, platform, reported_errors

app = typer.Typer(
    help="The transparency log: export, verify, checkpoints, keys.", no_args_is_help=True
)


@app.command()
def export(
    output: Path = typer.Option(..., "--output", "-o", help="File to write (JSON lines)."),
) -> None:
    """Write every entry, every checkpoint and the public key to one self-contained file."""
    with platform() as opened:
        summary = export_log(opened.database, output, opened.signer, opened.clock)
    out(
        f"exported {summary.entries} entries and {summary.checkpoints} checkpoints "
        f"to {summary.path} (tree size {summary.checkpoint.tree_size})"
    )


@app.command()
def verify(
    source: Path | None = typer.Argument(
        None, help="An export file; without it, the live database is verified."
    ),
    public_key: str | None = typer.Option(
        None,
        help="The trusted public key (PEM file, PEM text or base64); default: the export's own.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check every entry, subtree hash and signed checkpoint; exit 0 only when all check."""
    key = _read_key(public_key)
    if source is not None:
        with reported_errors():
            report = verify_file(source, key)
    else:
        with platform() as opened:
            report = verify_database(opened.database, key or opened.signer.public_key_b64)
    out(_render(report, as_json))
    if not report.ok:
        raise typer.Exit(EXIT_FAILED_CHECK)


@app.command()
def checkpoint() -> None:
    """Sign a checkpoint of the log as it stands, and print it as a signed note."""
    with platform() as opened, opened.database.session() as session:
        made = service.checkpoint(session, opened.signer, opened.clock)
    out(signed_note(made).rstrip("\n"))


@app.command("public-key")
def public_key_command() -> None:
    """Print the public key that verifies checkpoints (PEM)."""
    with platform() as opened:
        out(opened.signer.public_key_pem.rstrip("\n"))


@app.command()
def keygen(
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the key."),
) -> None:
    """Generate an Ed25519 signing key (mode 0600) for MAMORI_AUDIT_SIGNING_KEY_FILE."""
    with reported_errors():
        generate_key_file(output)
    out(f"wrote a new signing key to {output}")


def _read_key(value: str | None) -> str | None:
    if value is None:
        return None
    candidate = Path(value)
    if len(value) < 4096 and candidate.is_file():
        return candidate.read_text(encoding="utf-8")
    return value


def _render(report: VerifyReport, as_json: bool) -> str:
    if as_json:
        return json.dumps(
            {
                "ok": report.ok,
                "entries_checked": report.entries_checked,
                "checkpoints_checked": report.checkpoints_checked,
                "tree_size": report.tree_size,
                "root_hash": report.root_hash.hex(),
                "key_id": report.key_id,
                "problems": [
                    {"message": p.message, "index": p.index, "checkpoint_id": p.checkpoint_id}
                    for p in report.problems
                ],
            },
            indent=2,
        )
    verdict = "OK" if report.ok else "FAILED"
    lines = [
        f"{verdict}: {report.entries_checked} entries, {report.checkpoints_checked} checkpoints, "
        f"tree size {report.tree_size}, root {report.root_hash.hex()}"
    ]
    lines.extend(f"  - {problem.message}" for problem in report.problems)
    return "\n".join(lines)
