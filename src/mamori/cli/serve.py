"""``mamori serve``: the HTTP API on the configured store."""

from __future__ import annotations

import typer

from mamori.cli.common import out, platform, settings
from mamori.demo import seed


def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: MAMORI_HOST)."),
    port: int | None = typer.Option(None, help="Port to listen on (default: MAMORI_PORT)."),
    demo: bool = typer.Option(False, help="Seed the demo program first, and print its logins."),
) -> None:
    """Serve the API; with --demo, a demo program is seeded and its credentials printed."""
    # The web stack loads only for this command, so the others start quickly.
    import uvicorn

    from mamori.api.app import create_app

    loaded = settings()
    bind_host = host or loaded.host
    bind_port = port or loaded.port
    with platform() as opened:
        if demo:
            credentials = seed.ensure_demo(opened)
            out(seed.describe(credentials, f"http://{bind_host}:{bind_port}"))
        out(f"mamori serving on http://{bind_host}:{bind_port}  (OpenAPI: /docs)")
        uvicorn.run(
            create_app(opened),
            host=bind_host,
            port=bind_port,
            log_level="warning",
            access_log=False,
        )
