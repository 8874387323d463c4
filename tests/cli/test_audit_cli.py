"""``mamori audit`` as a user runs it: export, offline verification, tampering, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import mamori


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("data")
    result = mamori(data_dir, "demo", "seed")
    assert result.returncode == 0, result.stderr
    return data_dir


def test_export_then_verify_passes(seeded: Path, tmp_path: Path) -> None:
    export = tmp_path / "log.jsonl"
    exported = mamori(seeded, "audit", "export", "--output", str(export))
    assert exported.returncode == 0, exported.stderr
    verified = mamori(seeded, "audit", "verify", str(export), "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["ok"] is True
    assert report["entries_checked"] > 10
    assert report["problems"] == []


def test_live_database_verifies(seeded: Path) -> None:
    result = mamori(seeded, "audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK")


def test_changed_entry_fails_and_is_named(seeded: Path, tmp_path: Path) -> None:
    export = tmp_path / "log.jsonl"
    assert mamori(seeded, "audit", "export", "--output", str(export)).returncode == 0
    lines = export.read_text().splitlines()
    target = next(i for i, line in enumerate(lines) if '"program.application.approved"' in line)
    record = json.loads(lines[target])
    index = record["entry"]["index"]
    lines[target] = lines[target].replace("demo program seeding", "nothing happened here")
    export.write_text("\n".join(lines) + "\n")
    result = mamori(seeded, "audit", "verify", str(export), "--json")
    assert result.returncode == 1
    problems = json.loads(result.stdout)["problems"]
    assert any(problem["index"] == index for problem in problems), problems


def test_removed_entry_fails(seeded: Path, tmp_path: Path) -> None:
    export = tmp_path / "log.jsonl"
    assert mamori(seeded, "audit", "export", "--output", str(export)).returncode == 0
    lines = export.read_text().splitlines()
    entry_lines = [i for i, line in enumerate(lines) if line.startswith('{"leaf_hash"')]
    del lines[entry_lines[3]]
    export.write_text("\n".join(lines) + "\n")
    result = mamori(seeded, "audit", "verify", str(export))
    assert result.returncode == 1
    assert "FAILED" in result.stdout


def test_wrong_trusted_key_fails(seeded: Path, tmp_path: Path) -> None:
    export = tmp_path / "log.jsonl"
    assert mamori(seeded, "audit", "export", "--output", str(export)).returncode == 0
    other = tmp_path / "other.pem"
    assert mamori(seeded, "audit", "keygen", "--output", str(other)).returncode == 0
    other_public = mamori(tmp_path / "elsewhere", "audit", "public-key")
    assert other_public.returncode == 0
    result = mamori(seeded, "audit", "verify", str(export), "--public-key", other_public.stdout)
    assert result.returncode == 1


def test_missing_export_is_a_clear_error(seeded: Path, tmp_path: Path) -> None:
    result = mamori(seeded, "audit", "verify", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 3
    assert "nope.jsonl" in result.stderr
    assert "Traceback" not in result.stderr
