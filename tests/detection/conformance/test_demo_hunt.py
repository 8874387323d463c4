"""The demo program's hunt: mamori's starter rules over its demo logs raise exactly the
alerts the demo story documents."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from mamori.demo import logsim
from mamori.demo.logs import DEMO_LOG_FILES
from mamori.detection.models import Alert
from mamori.detection.ruleset import open_hunt


def test_starter_rules_find_the_demo_story_and_nothing_else(tmp_path: Path) -> None:
    hunt, compiled, problems = open_hunt(cache_dir=tmp_path, workers=1)
    assert not problems and len(compiled.rules) >= 25
    alerts: list[Alert] = []
    hunt.run(list(DEMO_LOG_FILES), alerts.append)
    found = Counter((a.rule_id, Path(a.source_file).name, a.correlation) for a in alerts)
    expected = Counter((e.rule_id, e.file, bool(e.group)) for e in logsim.simulate().expected)
    assert found == expected


def test_single_event_alerts_point_at_the_lines_of_the_story(tmp_path: Path) -> None:
    hunt, _, _ = open_hunt(cache_dir=tmp_path, workers=1)
    alerts: list[Alert] = []
    hunt.run(list(DEMO_LOG_FILES), alerts.append)
    found = {(a.rule_id, a.record_id) for a in alerts if not a.correlation}
    expected = {
        (e.rule_id, record) for e in logsim.simulate().expected if not e.group for record in e.lines
    }
    assert found == expected
