"""``mamori hunt`` as a user runs it: formats, summary, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import mamori

from mamori.demo.logs import DEMO_LOG_FILES

DEMO = [str(path) for path in DEMO_LOG_FILES]


def test_jsonl_alerts_carry_what_a_siem_needs(tmp_path: Path) -> None:
    out = tmp_path / "alerts.jsonl"
    done = mamori(tmp_path, "hunt", *DEMO, "--format", "jsonl", "--output", str(out),
                  "--cache-dir", str(tmp_path / "cache"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    alerts = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(alerts) >= 50
    for alert in alerts:
        assert {"rule_id", "title", "level", "tags", "source_file", "record_id", "timestamp",
                "event"} <= alert.keys()  # fmt: skip
        assert alert["source_file"] in DEMO
    assert "Hunt summary" in done.stderr and "ATT&CK tactics" in done.stderr


def test_fail_on_turns_a_serious_alert_into_exit_1(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    failing = mamori(
        tmp_path, "hunt", *DEMO, "--fail-on", "high", "-f", "csv", "--cache-dir", cache
    )
    assert failing.returncode == 1
    assert failing.stdout.startswith("timestamp,level,rule_id")
    quiet = mamori(tmp_path, "hunt", DEMO[-1], "--min-level", "critical", "--fail-on", "critical",
                   "--cache-dir", cache)  # fmt: skip
    assert quiet.returncode == 0, quiet.stderr


def test_navigator_and_html_outputs(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    layer = tmp_path / "layer.json"
    page = tmp_path / "timeline.html"
    for fmt, target in (("navigator", layer), ("html", page)):
        done = mamori(tmp_path, "hunt", *DEMO, "-f", fmt, "-o", str(target), "--cache-dir", cache)
        assert done.returncode == 0, done.stderr
    techniques = {t["techniqueID"] for t in json.loads(layer.read_text("utf-8"))["techniques"]}
    assert "T1003.001" in techniques
    assert page.read_text("utf-8").lstrip().lower().startswith("<!doctype html>")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = mamori(tmp_path, "hunt", str(tmp_path / "nope.evtx"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    broken = tmp_path / "rules"
    broken.mkdir()
    (broken / "bad.yml").write_text("title: [unclosed\n", "utf-8")
    lenient = mamori(tmp_path, "hunt", DEMO[0], "--rules", str(broken), "--cache-dir",
                     str(tmp_path / "c1"))  # fmt: skip
    assert lenient.returncode == 0 and "bad.yml" in lenient.stderr
    strict = mamori(tmp_path, "hunt", DEMO[0], "--rules", str(broken), "--strict",
                    "--cache-dir", str(tmp_path / "c2"))  # fmt: skip
    assert strict.returncode == 2 and "bad.yml" in strict.stderr
