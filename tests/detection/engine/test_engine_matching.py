"""The engine routes rules to their log source's events, maps field names, and matches."""

from __future__ import annotations

import pyarrow as pa

from mamori.detection.build import TreeBuilder
from mamori.detection.engine import Engine
from mamori.detection.rules import load_rule_text
from mamori.detection.sql import DuckDBDialect, compile_rule

SYSMON = "Microsoft-Windows-Sysmon/Operational"


def rule(text: str) -> object:
    loaded = load_rule_text(text, source="test.yml", strict=True).rules[0]
    return compile_rule(loaded.rule, DuckDBDialect(prefolded=True), source="test.yml")


def batch(rows: list[dict[str, object]]) -> pa.RecordBatch:
    names = sorted({k for row in rows for k in row})
    arrays = {}
    for name in names:
        values = [row.get(name) for row in rows]
        kind = pa.int64() if name in ("_event_id", "_record_id") else pa.string()
        arrays[name] = pa.array(values, type=kind)
    return pa.RecordBatch.from_pydict(arrays)


PROCESS = """
title: cmd spawned by word
id: 9f0e4c52-0000-4000-8000-000000000001
logsource: {product: windows, category: process_creation}
detection:
  sel:
    ParentImage|endswith: '\\WINWORD.EXE'
    Image|endswith: '\\cmd.exe'
  condition: sel
"""


def test_process_creation_rules_see_sysmon_1_and_security_4688_with_their_field_names() -> None:
    engine = Engine([rule(PROCESS)])
    events = batch([
        {"_channel": SYSMON, "_event_id": 1, "Image": "C:\\Windows\\System32\\CMD.exe",
         "ParentImage": "C:\\Office\\winword.exe"},
        {"_channel": "Security", "_event_id": 4688, "NewProcessName": "C:\\Windows\\cmd.exe",
         "ParentProcessName": "C:\\Office\\WINWORD.EXE"},
        {"_channel": SYSMON, "_event_id": 3, "Image": "C:\\Windows\\cmd.exe",
         "ParentImage": "C:\\Office\\WINWORD.EXE"},
        {"_channel": "Security", "_event_id": 4688, "Image": "C:\\Windows\\cmd.exe",
         "ParentImage": "C:\\Office\\WINWORD.EXE"},
    ])  # fmt: skip
    assert [m.row for m in engine.match(events)] == [0, 1]


def test_a_rule_with_nothing_to_look_for_is_still_evaluated() -> None:
    engine = Engine(
        [
            rule("""
title: no backslash in image
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image: '*'}
  filter: {Image|contains: '\\'}
  condition: sel and not filter
""")
        ]
    )
    events = batch([
        {"_channel": SYSMON, "_event_id": 1, "Image": "cmd.exe"},
        {"_channel": SYSMON, "_event_id": 1, "Image": "C:\\cmd.exe"},
        {"_channel": SYSMON, "_event_id": 1},
    ])  # fmt: skip
    assert [m.row for m in engine.match(events)] == [0]


def test_keywords_search_every_field_of_non_windows_events() -> None:
    engine = Engine(
        [
            rule("""
title: keyword
logsource: {product: linux, service: auth}
detection:
  keywords: ['Failed password']
  condition: keywords
""")
        ]
    )
    events = batch([
        {"_channel": None, "_event_id": None, "message": "sshd: FAILED PASSWORD for root"},
        {"_channel": None, "_event_id": None, "message": "Accepted password for root"},
        {"_channel": "Security", "_event_id": 4625, "message": "Failed password"},
    ])  # fmt: skip
    assert [m.row for m in engine.match(events)] == [0]


def test_the_tree_and_the_sql_come_from_the_same_rule() -> None:
    compiled = rule(PROCESS)
    assert compiled.tree == TreeBuilder("test.yml").rule(
        load_rule_text(PROCESS, source="test.yml").rules[0].rule
    )
    assert "WINWORD" not in compiled.condition and "winword.exe" in compiled.condition


def test_rules_over_their_time_budget_are_disabled_for_the_rest_of_the_run() -> None:
    slow = rule("""
title: heavy regex
logsource: {product: windows, category: process_creation}
detection:
  sel: {CommandLine|re: '(a+)+(b+)+(c+)+$'}
  condition: sel
""")
    engine = Engine([slow, rule(PROCESS)])
    engine.stats.rule_budget_ns = 1
    long_line = "a" * 200_000 + "!"
    events = batch([
        {"_channel": SYSMON, "_event_id": 1, "CommandLine": long_line, "Image": "x\\cmd.exe",
         "ParentImage": "x\\winword.exe"},
    ] * 3)  # fmt: skip
    assert [m.rule for m in engine.match(events)] == [1, 1, 1]
    assert sorted(engine.stats.disabled) == [0, 1]
    assert engine.match(events) == []


def test_a_catastrophic_regex_runs_in_linear_time() -> None:
    engine = Engine(
        [
            rule("""
title: heavy regex
logsource: {product: windows, category: process_creation}
detection:
  sel: {CommandLine|re: '(a+)+(b+)+(c+)+$'}
  condition: sel
""")
        ]
    )
    events = batch([{"_channel": SYSMON, "_event_id": 1, "CommandLine": "a" * 1_000_000 + "!"}])
    assert engine.match(events) == []
    assert not engine.stats.disabled
