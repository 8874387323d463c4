"""The README's quickstart, run as a user would: the two commands, then the demo program."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_quickstart_is_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quickstart\s+```sh\n(.*?)```", readme, re.S)
    assert block is not None, "README has no quickstart block"
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make run", "make test"]


def test_make_run_serves_the_demo_program() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = re.search(r"^run:.*\n\t(.*)$", makefile, re.M)
    assert run is not None
    assert "mamori serve --demo" in run.group(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAMORI_")}
    env.update(MAMORI_DATA_DIR=str(tmp_path / "data"), MAMORI_PORT=str(port))
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "mamori", "serve", "--demo"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield base, log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mamori serve exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"mamori serve did not come up:\n{log.read_text()}")


def test_demo_credentials_printed_on_start_work(demo_server: tuple[str, str]) -> None:
    base, output = demo_server
    operator = re.search(r"operator\s+(\S+@\S+)\s+password (\S+)\s+TOTP secret (\S+)", output)
    assert operator is not None, output
    email, password, secret = operator.groups()
    login = httpx.post(
        f"{base}/auth/login",
        json={"email": email, "password": password, "totp_code": pyotp.TOTP(secret).now()},
    )
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    organizations = httpx.get(f"{base}/orgs", headers={"Authorization": f"Bearer {token}"})
    assert organizations.status_code == 200, organizations.text
    banks = {org["name"]: org for org in organizations.json()}
    assert banks["Demo Regional Bank"]["tier"] == "verified"

    key = re.search(r"(mmr_\S+)", output)
    assert key is not None
    me = httpx.get(f"{base}/auth/me", headers={"Authorization": f"Bearer {key.group(1)}"})
    assert me.status_code == 200
    assert me.json()["org_id"] == banks["Demo Regional Bank"]["id"]
