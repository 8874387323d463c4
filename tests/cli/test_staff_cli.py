"""``mamori staff``: the first operator of a deployment is created on the host, and logged."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cli_support import mamori


def test_create_operator_then_sign_in_with_printed_password(tmp_path: Path) -> None:
    created = mamori(
        tmp_path, "staff", "create", "--email", "ops@bank.example", "--role", "operator"
    )
    assert created.returncode == 0, created.stderr
    password = re.search(r"password: (\S+)", created.stdout)
    assert password is not None

    from mamori.access.identity import service as identity
    from mamori.core.clock import SystemClock
    from mamori.core.settings import load_settings
    from mamori.platform import open_platform

    opened = open_platform(load_settings(data_dir=tmp_path))
    try:
        issued = identity.login(
            opened.database, SystemClock(), "ops@bank.example", password.group(1), ttl_seconds=60
        )
        assert issued.token
    finally:
        opened.close()

    export = tmp_path / "log.jsonl"
    assert mamori(tmp_path, "audit", "export", "--output", str(export)).returncode == 0
    lines = export.read_text().splitlines()
    actors = [json.loads(line)["entry"]["actor"] for line in lines if '"leaf_hash"' in line]
    assert "system:host-cli" in actors


def test_unknown_role_and_duplicate_email_are_refused(tmp_path: Path) -> None:
    wrong = mamori(tmp_path, "staff", "create", "--email", "a@bank.example", "--role", "god")
    assert wrong.returncode == 2
    first = mamori(tmp_path, "staff", "create", "--email", "a@bank.example", "--role", "regulator")
    assert first.returncode == 0
    again = mamori(tmp_path, "staff", "create", "--email", "a@bank.example", "--role", "regulator")
    assert again.returncode == 3
    assert "already exists" in again.stderr
