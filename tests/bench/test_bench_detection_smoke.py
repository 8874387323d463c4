"""Figure 6's harness runs end to end on tiny sizes, and its peer reads events as Zircolite does.

This proves the harness, not the figures: no timing is looked at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import detection_corpus, peer_zircolite, run
from mamori.events.service import EventStream

DATA = detection_corpus.shared_data()
SAMPLES = DATA / detection_corpus.SAMPLES

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir() or not (DATA / "sigma" / "rules").is_dir(),
    reason=f"the shared EVTX samples and SigmaHQ rules are not in {DATA}",
)


def test_the_detection_figure_is_measured_and_written(tmp_path: Path) -> None:
    output = tmp_path / "benchmarks.md"

    status = run.main(
        ["--sizes", "tiny", "--only", "detection", "--no-postgres", "--output", str(output)]
    )

    assert status == 0
    report = output.read_text(encoding="utf-8")
    heading = r"^## 1\. Hunting with the SigmaHQ rules over [\d,]+ EVTX events, against Zircolite"
    assert re.search(heading, report, re.MULTILINE)
    assert "Not measured" not in report
    assert "**a re-implementation of Zircolite's approach**" in report
    assert "| Zircolite 3.7, published (277-file set) |" in report
    assert re.search(r"\bnan\b", report, re.IGNORECASE) is None
    samples = detection_corpus.find_samples(SAMPLES)
    assert samples is not None
    events = f"{samples.events:,}"
    # mamori and the peer read the same events from the samples, and both flag some files.
    for engine in ("mamori hunt", "peer: Zircolite's method"):
        row = re.search(rf"\| {re.escape(engine)} \| 2 \| {events} \| [^\n]*", report)
        assert row is not None, engine
        flagged = re.search(r"\| (\d+) of 164 \(", row.group(0))
        assert flagged is not None and int(flagged.group(1)) > 0, row.group(0)
    for tactic in ("Credential Access", "Lateral Movement", "Privilege Escalation"):
        assert f"| {tactic} |" in report


def test_the_peer_flattens_a_record_into_zircolite_columns() -> None:
    sysmon = next(path for path in sorted(SAMPLES.rglob("*.evtx")) if "sysmon" in path.name)

    row = next(peer_zircolite._flattened(sysmon, "sample.evtx"))

    assert row["OriginalLogfile"] == "sample.evtx"
    assert row["Channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert row["Provider_Name"] == "Microsoft-Windows-Sysmon"
    assert isinstance(row["EventID"], int)
    assert row["SystemTime"].endswith("Z")
    assert not any(key.endswith("xmlns") or "." in key for key in row)


def test_the_peer_finds_what_a_converted_rule_matches(tmp_path: Path) -> None:
    rule = tmp_path / "rule.yml"
    rule.write_text(
        "title: Sysmon events\n"
        "id: 0b6b5c3e-6a8e-4f58-9a5e-5a4c3f0d2b11\n"
        "logsource: {product: windows}\n"
        "detection:\n"
        "  selection: {Channel: microsoft-windows-sysmon/operational}\n"  # case ignored
        "  condition: selection\n",
        encoding="utf-8",
    )
    rules = peer_zircolite.convert_rules([rule])
    files = sorted(SAMPLES.rglob("*.evtx"))[::20]
    expected = {path: _sysmon_events(path) for path in files}

    found = peer_zircolite.hunt_parallel(files, rules, SAMPLES, workers=2)

    assert len(rules.rules) == 1
    assert found.events == sum(_all_events(path) for path in files)
    assert found.matches == sum(expected.values()) > 0
    flagged = {path.relative_to(SAMPLES).as_posix() for path, n in expected.items() if n}
    assert found.files_hit == flagged


def _sysmon_events(path: Path) -> int:
    """Sysmon events in a file, as mamori's reader sees them."""
    return sum(
        batch.column("_channel").to_pylist().count("Microsoft-Windows-Sysmon/Operational")
        for batch in EventStream([path])
    )


def _all_events(path: Path) -> int:
    return sum(batch.num_rows for batch in EventStream([path]))
