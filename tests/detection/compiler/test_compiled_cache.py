"""The compiled-rule cache: hits skip compilation, anything that changes the SQL misses."""

from __future__ import annotations

from pathlib import Path

import pytest
from sigma.correlations import SigmaCorrelationRule

from mamori.detection.cache import CompiledRuleSet, load_compiled
from mamori.detection.errors import RuleError

RULE = """\
title: Encoded PowerShell
id: 6e5d1a0e-2b8c-4f39-9d3e-0c1a2b3c4d01
name: encoded_powershell
logsource: {product: windows, category: process_creation}
detection:
  sel:
    CommandLine|contains: ' -enc '
    User|expand: '%Admins%'
  condition: sel
level: medium
tags: [attack.execution, attack.t1059.001]
"""
UNSUPPORTED = """\
title: Lookahead
logsource: {product: windows}
detection:
  sel:
    A|re: 'x(?=y)'
  condition: sel
"""
CORRELATION = """\
title: Repeated encoded PowerShell
correlation:
  type: event_count
  rules: [encoded_powershell]
  group-by: [User]
  timespan: 1h
  condition: {gte: 3}
"""
PLACEHOLDERS = {"Admins": ["root"]}


def _rules(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "a.yml").write_text(RULE, encoding="utf-8")
    (directory / "b.yml").write_text(UNSUPPORTED, encoding="utf-8")
    (directory / "c.yml").write_text(CORRELATION, encoding="utf-8")
    return directory


def _load(rules: Path, cache: Path, **options: object) -> CompiledRuleSet:
    settings: dict[str, object] = {
        "dialect_name": "duckdb",
        "prefolded": True,
        "cache_dir": cache,
        "placeholders": PLACEHOLDERS,
    }
    settings.update(options)
    return load_compiled([rules], **settings)  # type: ignore[arg-type]


def test_cold_then_warm_gives_the_same_rule_set(tmp_path: Path) -> None:
    rules, cache = _rules(tmp_path), tmp_path / "cache"
    cold = _load(rules, cache)
    warm = _load(rules, cache)
    assert (cold.from_cache, warm.from_cache) == (False, True)
    assert [rule.to_dict() for rule in warm.rules] == [rule.to_dict() for rule in cold.rules]
    assert warm.problems == cold.problems
    assert warm.correlations == cold.correlations
    assert warm.content_hash == cold.content_hash
    (rule,) = warm.rules
    assert rule.tags == ("attack.execution", "attack.t1059.001")
    assert warm.find("encoded_powershell") is rule
    (problem,) = warm.problems
    assert problem.code == "detection.unsupported" and problem.construct == "lookahead (?=...)"
    assert problem.line == 5


def test_correlation_sources_parse_back_with_pysigma(tmp_path: Path) -> None:
    warm = _load(_rules(tmp_path), tmp_path / "cache")
    (source,) = warm.correlations
    correlation = source.parse()
    assert isinstance(correlation, SigmaCorrelationRule)
    assert [ref.reference for ref in correlation.rules or []] == ["encoded_powershell"]
    assert warm.rules[0].generate is False


@pytest.mark.parametrize(
    "change",
    [
        {"dialect_name": "spark"},
        {"prefolded": False},
        {"placeholders": {"Admins": ["root", "admin"]}},
    ],
)
def test_settings_that_change_the_sql_miss(tmp_path: Path, change: dict[str, object]) -> None:
    rules, cache = _rules(tmp_path), tmp_path / "cache"
    _load(rules, cache)
    assert _load(rules, cache, **change).from_cache is False
    assert _load(rules, cache, **change).from_cache is True


def test_an_edited_rule_misses(tmp_path: Path) -> None:
    rules, cache = _rules(tmp_path), tmp_path / "cache"
    before = _load(rules, cache)
    (rules / "a.yml").write_text(RULE.replace("' -enc '", "' -e '"), encoding="utf-8")
    after = _load(rules, cache)
    assert after.from_cache is False
    assert after.content_hash != before.content_hash
    assert "' -e '" in after.rules[0].condition


def test_a_corrupt_cache_file_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    rules, cache = _rules(tmp_path), tmp_path / "cache"
    _load(rules, cache)
    (written,) = cache.glob("sigma-*.json")
    for garbage in (b"{not json", b'{"format": 1}', b"[]"):
        written.write_bytes(garbage)
        rebuilt = _load(rules, cache)
        assert rebuilt.from_cache is False and len(rebuilt.rules) == 1
        assert _load(rules, cache).from_cache is True


def test_strict_raises_on_a_cached_problem(tmp_path: Path) -> None:
    rules, cache = _rules(tmp_path), tmp_path / "cache"
    _load(rules, cache)
    with pytest.raises(RuleError) as caught:
        _load(rules, cache, strict=True)
    assert caught.value.where is not None and caught.value.where.endswith("b.yml:5")


def test_no_cache_dir_compiles_every_time(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    assert _load(rules, None).from_cache is False
    assert _load(rules, None).from_cache is False
