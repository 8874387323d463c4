"""The README's expected alerts are exactly what the starter rules match in the demo logs.

An independent evaluator (pySigma's SQLite backend, see starter_oracle.py) decides what
matches; the generator only states what it meant to trigger. Both must agree line for line.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from starter_oracle import Match, Oracle, correlate, evaluate

from mamori.demo.logsim import DemoLogs, evtx, simulate
from mamori.demo.logsim import ruleids as R
from mamori.demo.logsim.estate import A_SATO, WS_021
from mamori.demo.logsim.model import Ids
from mamori.demo.logsim.sysmon import Sysmon
from mamori.detection.starter import STARTER_RULES

RULE_FILES = sorted(STARTER_RULES.rglob("*.yml"))


@pytest.fixture(scope="module")
def demo() -> DemoLogs:
    return simulate()


@pytest.fixture(scope="module")
def matches(demo: DemoLogs) -> dict[str, list[Match]]:
    return evaluate(RULE_FILES, demo.files)


def test_single_event_alerts_are_exactly_the_expected_ones(
    demo: DemoLogs, matches: dict[str, list[Match]]
) -> None:
    found = {
        (rule_id, m.file, m.line)
        for rule_id, items in matches.items()
        if rule_id != R.LOGON_FAILURE
        for m in items
    }
    expected = {(a.rule_id, a.file, a.lines[0]) for a in demo.expected if not a.group}
    assert sorted(expected - found) == [], "expected but not matched"
    assert sorted(found - expected) == [], "matched but not expected"


def test_correlation_alerts_are_exactly_the_expected_ones(
    demo: DemoLogs, matches: dict[str, list[Match]]
) -> None:
    collection = SigmaCollection.load_ruleset([STARTER_RULES])
    found = set()
    for rule in collection.rules:
        if isinstance(rule, SigmaCorrelationRule):
            for window in correlate(rule, matches[R.LOGON_FAILURE]):
                keys = [str(field) for field in rule.group_by or []]
                group = tuple((k, str(window[0].fields[k])) for k in keys)
                found.add((str(rule.id), group, tuple(m.line for m in window)))
    expected = {(a.rule_id, a.group, a.lines) for a in demo.expected if a.group}
    assert found == expected
    assert {rule_id for rule_id, _, _ in found} == {R.LOGON_BURST, R.SPRAYING}


def test_most_rules_fire_on_the_demo(demo: DemoLogs) -> None:
    fired = {alert.rule_id for alert in demo.expected}
    assert fired <= {str(rule.id) for rule in SigmaCollection.load_ruleset([STARTER_RULES])}
    assert len(fired) >= 35


def test_the_correlation_needs_its_threshold(matches: dict[str, list[Match]]) -> None:
    collection = SigmaCollection.load_ruleset([STARTER_RULES])
    burst = next(r for r in collection.rules if str(r.id) == R.LOGON_BURST)
    assert isinstance(burst, SigmaCorrelationRule)
    guesses = [m for m in matches[R.LOGON_FAILURE] if m.fields["IpAddress"] == "10.30.0.57"]
    assert len(correlate(burst, guesses)) == 1
    assert correlate(burst, guesses[:9]) == []


def test_the_evaluator_tells_an_encoded_command_from_a_script_file() -> None:
    sysmon = Sysmon(Ids(random.Random(1)))
    explorer = sysmon.root(
        WS_021,
        "C:\\Windows\\explorer.exe",
        "explorer.exe",
        user=A_SATO.qualified,
        integrity="Medium",
    )
    ps = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
    moment = datetime(2026, 11, 17, 9, tzinfo=UTC)
    _, encoded = sysmon.start(moment, explorer, ps, "powershell.exe -enc SQBFAFgA")
    _, script = sysmon.start(moment, explorer, ps, "powershell.exe -File C:\\Tools\\x.ps1")
    files, _ = evtx.render([encoded, script], random.Random(1))
    oracle = Oracle(files)
    rule_file = next(p for p in RULE_FILES if "powershell_encoded_command" in p.name)
    hits = oracle.matches(SigmaRule.from_yaml(rule_file.read_text(encoding="utf-8")))
    assert [m.line for m in hits] == [1]
