"""``mamori serve`` in a child process on a free loopback port, for the HTTP figure."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

STARTUP_SECONDS = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_command(port: int) -> list[str]:
    """The ``mamori serve`` command line (the console script next to this Python)."""
    script = Path(sys.executable).with_name("mamori")
    found = str(script) if script.exists() else shutil.which("mamori")
    launcher = (
        [found] if found else [sys.executable, "-c", "from mamori.cli.main import app; app()"]
    )
    return [*launcher, "serve", "--host", "127.0.0.1", "--port", str(port)]


@contextmanager
def running(data_dir: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve ``data_dir``'s store; yields the base URL and the command, stops the server after."""
    port = free_port()
    command = serve_command(port)
    env = {**os.environ, "MAMORI_DATA_DIR": str(data_dir), "MAMORI_LOG_LEVEL": "warning"}
    env.pop("MAMORI_DATABASE_URL", None)
    log = data_dir / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base_url, log)
        yield base_url, command
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"mamori serve exited with {process.returncode}: {output}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"mamori serve did not answer {base_url}/health in {STARTUP_SECONDS:.0f} s")
