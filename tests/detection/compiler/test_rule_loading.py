"""Loading rule files: problems located, good rules still loaded, hostile YAML refused."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mamori.detection.errors import RuleError
from mamori.detection.rules import LoadedRule, load_rule_text, load_rules
from mamori.detection.sql import derived_rule_id

GOOD = """\
title: Good rule
id: 0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0001
logsource: {product: windows, category: process_creation}
detection:
  sel:
    Image|endswith: '\\\\cmd.exe'
  condition: sel
level: high
"""


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_broken_yaml_is_reported_with_file_and_line_and_good_rules_still_load(
    tmp_path: Path,
) -> None:
    _write(tmp_path, "a_good.yml", GOOD)
    broken = _write(tmp_path, "b_broken.yml", "title: x\ndetection:\n  sel: [unclosed\n")
    ruleset = load_rules([tmp_path])
    assert [loaded.rule.title for loaded in ruleset.rules] == ["Good rule"]
    (problem,) = ruleset.problems
    assert problem.path == str(broken)
    assert problem.line is not None and problem.line >= 3
    assert "invalid YAML" in problem.reason


def test_strict_raises_naming_file_and_reason(tmp_path: Path) -> None:
    _write(tmp_path, "a_good.yml", GOOD)
    broken = _write(tmp_path, "b_broken.yml", "title: [\n")
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path], strict=True)
    assert caught.value.where is not None and str(broken) in caught.value.where
    assert "invalid YAML" in caught.value.message


def test_invalid_rule_content_is_a_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.yml", "title: No detection\nlogsource: {product: x}\n")
    ruleset = load_rules([path])
    assert ruleset.rules == ()
    (problem,) = ruleset.problems
    assert problem.path == str(path)
    assert "detection" in problem.reason


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    levels = ["a0: &a0 ['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol']"]
    for level in range(1, 10):
        aliases = ", ".join([f"*a{level - 1}"] * 9)
        levels.append(f"a{level}: &a{level} [{aliases}]")
    bomb = "title: lol\nlogsource: {product: x}\ndetection:\n" + "".join(
        f"  {line}\n" for line in levels
    )
    path = _write(tmp_path, "bomb.yml", bomb + "  condition: a9\n")
    _write(tmp_path, "good.yml", GOOD)
    started = time.perf_counter()
    ruleset = load_rules([tmp_path])
    assert time.perf_counter() - started < 2
    assert len(ruleset.rules) == 1
    (problem,) = ruleset.problems
    assert problem.path == str(path)
    assert "billion laughs" in problem.reason


def test_deep_nesting_is_refused_without_crashing_the_parser(tmp_path: Path) -> None:
    path = _write(tmp_path, "deep.yml", "title: deep\nx: " + "[" * 100_000 + "]" * 100_000 + "\n")
    # A small thread stack makes a recursive YAML composer crash early if the cap is missing.
    script = textwrap.dedent(
        f"""
        import threading
        from pathlib import Path
        from mamori.detection.rules import load_rules
        result = []
        threading.stack_size(256 * 1024)
        worker = threading.Thread(target=lambda: result.append(load_rules([Path({str(path)!r})])))
        worker.start()
        worker.join()
        print(result[0].problems[0].reason)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "nested deeper than" in done.stdout


def test_non_utf8_and_missing_files_are_problems(tmp_path: Path) -> None:
    binary = tmp_path / "latin1.yml"
    binary.write_bytes("title: caf\xe9\n".encode("latin-1"))
    missing = tmp_path / "missing.yml"
    ruleset = load_rules([binary, missing])
    reasons = {problem.path: problem.reason for problem in ruleset.problems}
    assert "not UTF-8" in reasons[str(binary)]
    assert "cannot be read" in reasons[str(missing)]


def test_directories_are_walked_sorted_with_both_suffixes(tmp_path: Path) -> None:
    files = [
        ("b/two.yaml", "two", "0002"),
        ("a/one.yml", "one", "0003"),
        (".git/x.yml", "x", "0004"),
    ]
    for name, title, suffix in files:
        _write(tmp_path, name, GOOD.replace("Good rule", title).replace("0001", suffix))
    _write(tmp_path, "notes.txt", "not a rule")
    ruleset = load_rules([tmp_path, tmp_path / "a"])
    assert [loaded.rule.title for loaded in ruleset.rules] == ["one", "two"]
    assert ruleset.problems == ()


def test_multi_document_global_action(tmp_path: Path) -> None:
    text = """\
    action: global
    title: Shared
    logsource: {product: windows}
    detection:
      condition: sel
    ---
    id: 0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0a01
    logsource: {service: security}
    detection:
      sel: {EventID: 4624}
    ---
    id: 0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0a02
    logsource: {service: system}
    detection:
      sel: {EventID: 7045}
    """
    ruleset = load_rules([_write(tmp_path, "multi.yml", text)])
    assert [loaded.rule.logsource.service for loaded in ruleset.rules] == ["security", "system"]
    assert {loaded.rule.title for loaded in ruleset.rules} == {"Shared"}
    assert [loaded.line for loaded in ruleset.rules] == [6, 11]


def test_missing_id_is_derived_from_path_and_title(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "noid.yml", GOOD.replace("id: 0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0001\n", "")
    )
    (loaded,) = load_rules([path]).rules
    assert loaded.id == derived_rule_id(str(path), "Good rule")
    assert loaded.id == load_rules([path]).rules[0].id


def test_duplicate_ids_keep_the_first(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yml", GOOD)
    second = _write(tmp_path, "b.yml", GOOD.replace("Good rule", "Copy"))
    ruleset = load_rules([tmp_path])
    assert [loaded.source for loaded in ruleset.rules] == [str(first)]
    (problem,) = ruleset.problems
    assert problem.path == str(second) and str(first) in problem.reason


CORRELATION = """\
title: Many failed logons
id: 0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0c01
correlation:
  type: event_count
  rules:
    - failed_logon
    - 0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0b02
  group-by: [TargetUserName]
  timespan: 5m
  condition: {gte: 10}
  {generate}
---
title: Failed logon
id: 0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0b01
name: failed_logon
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4625}
  condition: sel
---
title: Explicit credentials
id: 0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0b02
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4648}
  condition: sel
---
title: Unrelated
id: 0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0b03
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 1102}
  condition: sel
"""


@pytest.mark.parametrize(("generate", "expected"), [("", False), ("generate: true", True)])
def test_correlation_rules_are_kept_apart_and_mark_their_base_rules(
    generate: str, expected: bool
) -> None:
    ruleset = load_rule_text(CORRELATION.replace("{generate}", generate), source="corr.yml")
    assert ruleset.problems == ()
    (correlation,) = ruleset.correlations
    assert correlation.source == "corr.yml" and "event_count" in correlation.text
    assert [ref.rule.title for ref in correlation.rule.referenced_rules] == [
        "Failed logon",
        "Explicit credentials",
    ]
    flags = {loaded.rule.title: loaded.generate for loaded in ruleset.rules}
    assert flags == {"Failed logon": expected, "Explicit credentials": expected, "Unrelated": True}
    by_name = ruleset.find("failed_logon")
    by_id = ruleset.find("0D0A7D2C-5D55-4B1F-9B0E-7D1F3F3F0B01")
    assert isinstance(by_name, LoadedRule) and by_name is by_id


def test_correlation_with_an_unknown_rule_is_a_problem() -> None:
    text = CORRELATION.replace("{generate}", "").replace("- failed_logon", "- nowhere")
    ruleset = load_rule_text(text, source="corr.yml")
    assert ruleset.correlations == ()
    (problem,) = ruleset.problems
    assert problem.path == "corr.yml" and problem.line == 1 and "nowhere" in problem.reason
    assert all(loaded.generate for loaded in ruleset.rules)


def test_filters_apply_to_the_rules_they_name() -> None:
    text = """\
title: Logon
id: 0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0d01
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4624}
  condition: sel
---
title: Not the service account
logsource: {product: windows, service: security}
filter:
  rules: [0d0a7d2c-5d55-4b1f-9b0e-7d1f3f3f0d01]
  selection: {TargetUserName: svc_backup}
  condition: not selection
"""
    from sigma_sql_harness import run

    from mamori.detection.sql import compile_rule, get_dialect

    (loaded,) = load_rule_text(text, source="f.yml", strict=True).rules
    compiled = compile_rule(loaded.rule, get_dialect("duckdb"), source=loaded.source)
    events = [
        {"EventID": "4624", "TargetUserName": "alice"},
        {"EventID": "4624", "TargetUserName": "SVC_BACKUP"},
    ]
    assert run(compiled, events, prefolded=False) == [0]
