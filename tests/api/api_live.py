"""Real servers on 127.0.0.1 for the API's tests.

:class:`LiveServer` runs uvicorn in a background thread on an ephemeral port, once
per test session, in front of a :class:`Dispatcher` whose target application each
test swaps in: every test gets a fresh platform and database without restarting
the server. :class:`ChallengeSite` is a plain ``http.server`` that publishes
well-known challenge files, for ownership proofs. :func:`start_mamori` starts a
second, separate ``mamori serve`` process.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from mamori.access.assets.proofs import WELL_KNOWN_PATH

LOOPBACK = "127.0.0.1"


class Dispatcher:
    """An ASGI application that hands each request to the application mounted now."""

    def __init__(self) -> None:
        self.target: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.target
        if target is None:
            body = json.dumps({"error": {"code": "no_app", "message": "no app mounted"}})
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body.encode()})
            return
        await target(scope, receive, send)


class LiveServer:
    """uvicorn serving a :class:`Dispatcher` from a background thread."""

    def __init__(self) -> None:
        self.dispatcher = Dispatcher()
        config = uvicorn.Config(
            self.dispatcher,
            host=LOOPBACK,
            port=0,
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="api-live", daemon=True)
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test HTTP server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def mount(self, app: ASGIApp | None) -> None:
        """Serve ``app`` from the next request on (None: answer 503)."""
        self.dispatcher.target = app


class ChallengeSite:
    """A web site on 127.0.0.1 serving ``/.well-known/mamori-challenge.txt`` per host name."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        files = self.files

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
                host = self.path.removesuffix(WELL_KNOWN_PATH).strip("/")
                body = files.get(host)
                if body is None or not self.path.endswith(WELL_KNOWN_PATH):
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self._server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def base_url(self, host: str) -> str:
        """The base URL the verifier fetches ``host``'s challenge from (a path per host)."""
        return f"http://{LOOPBACK}:{self.port}/{host}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def start_mamori(env: Mapping[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """``mamori serve`` in a process of its own, answering on ``port`` once this returns."""
    command = [str(Path(sys.executable).with_name("mamori")), "serve", "--port", str(port)]
    full_env = {key: value for key, value in os.environ.items() if not key.startswith("MAMORI_")}
    full_env.update(env)
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
            command, env=full_env, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    url = f"http://{LOOPBACK}:{port}/health"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mamori serve exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"mamori serve did not answer: {log.read_text(errors='replace')}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop a process this suite started, by its own handle."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
