"""The demo logs: deterministic, identical to what ships, and well-formed line by line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from mamori.demo.logs import DEMO_LOG_FILES, DEMO_LOGS
from mamori.demo.logsim import DEFAULT_SEED, LOG_FILES, README, simulate

REGRESSION = (
    Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sigma" / "regression_data"
)
JSON_FILES = [name for name in LOG_FILES if name.endswith(".jsonl")]
CHANNELS = {
    "workstation-sysmon.jsonl": {"Microsoft-Windows-Sysmon/Operational"},
    "windows-security.jsonl": {"Security"},
    "windows-system.jsonl": {"System"},
    "windows-powershell.jsonl": {"Microsoft-Windows-PowerShell/Operational"},
}
SYSTEM_KEYS = [
    "Provider", "EventID", "Version", "Level", "Task", "Opcode", "Keywords", "TimeCreated",
    "EventRecordID", "Correlation", "Execution", "Channel", "Computer", "Security",
]  # fmt: skip
RFC3164 = re.compile(
    r"<(?P<pri>\d{1,3})>(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(?P<day>[ 1-3]\d) (?P<time>\d\d:\d\d:\d\d) (?P<host>[A-Za-z0-9.-]+) "
    r"(?P<tag>[A-Za-z0-9_.-]{1,32})(\[\d+\])?: (?P<msg>.*)"
)


@pytest.fixture(scope="module")
def shipped() -> dict[str, bytes]:
    return {name: (DEMO_LOGS / name).read_bytes() for name in (*LOG_FILES, README)}


def test_same_seed_gives_the_same_bytes() -> None:
    first, second = simulate(DEFAULT_SEED), simulate(DEFAULT_SEED)
    assert first.files == second.files
    assert first.expected == second.expected


def test_another_seed_changes_the_day_but_not_the_story() -> None:
    usual, other = simulate(DEFAULT_SEED), simulate(7)
    assert usual.files["workstation-sysmon.jsonl"] != other.files["workstation-sysmon.jsonl"]
    assert sorted(a.rule_id for a in usual.expected) == sorted(a.rule_id for a in other.expected)


def test_shipped_files_are_a_fresh_generation(shipped: dict[str, bytes]) -> None:
    fresh = simulate(DEFAULT_SEED).files
    assert sorted(fresh) == sorted(shipped)
    for name, content in fresh.items():
        assert shipped[name] == content, f"{name} differs: run python -m mamori.demo.logsim"


def test_the_package_lists_the_log_files() -> None:
    assert [path.name for path in DEMO_LOG_FILES] == list(LOG_FILES)
    assert all(path.is_file() for path in DEMO_LOG_FILES)


def test_shipped_files_stay_small(shipped: dict[str, bytes]) -> None:
    assert sum(len(content) for content in shipped.values()) < 300_000


def test_command_line_writes_the_same_files(tmp_path: Path, shipped: dict[str, bytes]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mamori.demo.logsim", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "linux-auth.log" in done.stdout
    for name, content in shipped.items():
        assert (tmp_path / "out" / name).read_bytes() == content


@pytest.mark.parametrize("name", JSON_FILES)
def test_windows_lines_are_evtx_records(name: str, shipped: dict[str, bytes]) -> None:
    last_time = ""
    last_record: dict[tuple[str, str], int] = {}
    for number, line in enumerate(shipped[name].decode("utf-8").splitlines(), 1):
        event = json.loads(line)["Event"]
        system = event["System"]
        assert list(system) == SYSTEM_KEYS, (name, number)
        assert isinstance(system["EventID"], int) and isinstance(system["EventRecordID"], int)
        assert system["Channel"] in CHANNELS[name]
        assert system["Computer"].endswith(".finbank.local")
        assert isinstance(system["Provider"]["#attributes"]["Name"], str)
        stamp = system["TimeCreated"]["#attributes"]["SystemTime"]
        datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
        assert stamp >= last_time, (name, number)
        last_time = stamp
        key = (system["Computer"], system["Channel"])
        assert system["EventRecordID"] > last_record.get(key, 0), (name, number)
        last_record[key] = system["EventRecordID"]
        assert ("EventData" in event) != ("UserData" in event), (name, number)


def test_windows_records_have_the_regression_samples_shape(shipped: dict[str, bytes]) -> None:
    samples = sorted(REGRESSION.rglob("*.json")) if REGRESSION.is_dir() else []
    if not samples:
        pytest.skip(f"SigmaHQ regression data not found at {REGRESSION}")
    sample = json.loads(samples[0].read_text(encoding="utf-8"))["Event"]
    first = json.loads(shipped["workstation-sysmon.jsonl"].splitlines()[0])["Event"]
    assert list(first) == list(sample)[: len(first)]
    assert list(first["System"]) == list(sample["System"])
    assert list(first["System"]["Provider"]["#attributes"]) == ["Name", "Guid"]


def test_syslog_lines_are_rfc3164(shipped: dict[str, bytes]) -> None:
    content = shipped["linux-auth.log"]
    content.decode("ascii")
    last = ""
    for number, line in enumerate(content.decode("ascii").splitlines(), 1):
        match = RFC3164.fullmatch(line)
        assert match, (number, line)
        assert int(match["pri"]) <= 191 and len(line.encode()) <= 1024
        stamp = f"{match['day']} {match['time']}"
        assert stamp >= last, number
        last = stamp


def test_readme_lists_every_expected_alert(shipped: dict[str, bytes]) -> None:
    readme = shipped[README].decode("utf-8")
    expected = simulate(DEFAULT_SEED).expected
    rows = [
        line
        for line in readme.splitlines()
        if re.match(r"\| [A-Z].* \| (low|medium|high|critical) \|", line)
    ]
    assert len(rows) == len(expected)
