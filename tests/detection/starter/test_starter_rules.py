"""The starter rule pack: valid Sigma, complete metadata, mamori's own, and varied."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import SigmaNull
from sigma.validation import SigmaValidator
from sigma.validators.core import validators

from mamori.detection.starter import STARTER_RULES

RULE_FILES = sorted(STARTER_RULES.rglob("*.yml"))
SIGMAHQ = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sigma"
# The Enterprise tactics of ATT&CK v19, which split Defense Evasion into Stealth and
# Defense Impairment.
TACTICS = {
    "reconnaissance", "resource-development", "initial-access", "execution", "persistence",
    "privilege-escalation", "stealth", "defense-impairment", "credential-access", "discovery",
    "lateral-movement", "collection", "command-and-control", "exfiltration", "impact",
}  # fmt: skip
LEVELS = {"informational", "low", "medium", "high", "critical"}
WINDOWS_CATEGORIES = {
    "process_creation", "network_connection", "image_load", "process_access", "file_event",
    "registry_set", "ps_script",
}  # fmt: skip
TECHNIQUE = re.compile(r"^attack\.t\d{4}(\.\d{3})?$")
SOFTWARE = re.compile(r"^attack\.s\d{4}$")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


@pytest.fixture(scope="module")
def collection() -> SigmaCollection:
    return SigmaCollection.load_ruleset([STARTER_RULES])


def test_the_pack_has_between_25_and_40_rules() -> None:
    assert 25 <= len(RULE_FILES) <= 40


def test_every_rule_parses_with_pysigma(collection: SigmaCollection) -> None:
    lenient = SigmaCollection.load_ruleset([STARTER_RULES], collect_errors=True)
    assert [(str(rule.source), rule.errors) for rule in lenient.rules if rule.errors] == []
    assert len(collection.rules) == len(RULE_FILES)


def test_pysigma_validators_find_no_issue(collection: SigmaCollection) -> None:
    # The ATT&CK and D3FEND tag validators download MITRE's data; the tags are checked
    # offline below instead.
    offline = [
        check for name, check in validators.items() if name not in {"attacktag", "d3_fendtag"}
    ]
    issues = SigmaValidator(offline).validate_rules(collection.rules)
    assert [f"{type(i).__name__}: {i.rules[0].title}" for i in issues] == []


def test_ids_are_unique_uuid4() -> None:
    ids = [str(_load(path)["id"]) for path in RULE_FILES]
    assert len(set(ids)) == len(ids)
    for value in ids:
        parsed = uuid.UUID(value)
        assert parsed.version == 4 and str(parsed) == value


def test_titles_are_unique() -> None:
    titles = [_load(path)["title"] for path in RULE_FILES]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_metadata_is_complete(path: Path) -> None:
    rule = _load(path)
    assert rule["author"] == "mamori"
    assert "license" not in rule
    assert rule["status"] == "experimental"
    assert len(rule["title"]) <= 110 and len(rule["description"]) >= 80
    assert rule["level"] in LEVELS
    assert rule["falsepositives"] and all(isinstance(f, str) and f for f in rule["falsepositives"])
    tags = rule["tags"]
    tactics = {tag.split(".", 1)[1] for tag in tags if not TECHNIQUE.match(tag)}
    tactics -= {tag.split(".", 1)[1] for tag in tags if SOFTWARE.match(tag)}
    assert tactics and tactics <= TACTICS, tags
    assert any(TECHNIQUE.match(tag) for tag in tags), tags


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_uses_a_standard_logsource(path: Path) -> None:
    rule = _load(path)
    if "correlation" in rule:
        return
    source = rule["logsource"]
    if source["product"] == "linux":
        assert source.get("service") in {"auth", "sshd"}
    else:
        assert source["product"] == "windows"
        assert source.get("category") in WINDOWS_CATEGORIES or source.get("service") in {
            "security",
            "system",
        }


def test_correlations_count_failed_logons_per_source(collection: SigmaCollection) -> None:
    correlations = [r for r in collection.rules if isinstance(r, SigmaCorrelationRule)]
    assert {c.type.name for c in correlations} == {"EVENT_COUNT", "VALUE_COUNT"}
    for correlation in correlations:
        assert correlation.timespan.seconds == 300
        assert "IpAddress" in [str(field) for field in correlation.group_by or []]
        (reference,) = correlation.rules
        base = reference.rule
        assert isinstance(base, SigmaRule) and base.name == "mamori_win_network_logon_failure"
        assert not base._output, "generate: false keeps the base rule's matches out of alerts"


def _items(detection: SigmaDetection | SigmaDetectionItem) -> list[SigmaDetectionItem]:
    if isinstance(detection, SigmaDetectionItem):
        return [detection]
    return [item for child in detection.detection_items for item in _items(child)]


def test_the_pack_uses_a_variety_of_modifiers(collection: SigmaCollection) -> None:
    items = [
        item
        for rule in collection.rules
        if isinstance(rule, SigmaRule)
        for detection in rule.detection.detections.values()
        for item in _items(detection)
    ]
    modifiers = {m.__name__.removeprefix("Sigma").removesuffix("Modifier").lower()
                 for item in items for m in item.modifiers}  # fmt: skip
    wanted = {"contains", "endswith", "startswith", "all", "regularexpression", "windowsdash",
              "cidr", "base64offset", "wide", "exists"}  # fmt: skip
    assert wanted <= modifiers, sorted(wanted - modifiers)
    assert any(isinstance(v, SigmaNull) for item in items for v in item.value)
    assert any(item.field is None for item in items), "no keyword rule"


@dataclass(frozen=True)
class SigmaHQ:
    """What the public SigmaHQ rules use: ids, titles, file names, tags."""

    ids: frozenset[str]
    titles: frozenset[str]
    names: frozenset[str]
    tags: frozenset[str]


@pytest.fixture(scope="module")
def sigmahq() -> SigmaHQ:
    if not (SIGMAHQ / "rules").is_dir():
        pytest.skip(f"SigmaHQ rules not found at {SIGMAHQ}")
    ids, titles, names, tags = set(), set(), set(), set()
    for path in SIGMAHQ.rglob("*.yml"):
        names.add(path.name)
        for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
            if isinstance(doc, dict):
                ids.add(str(doc.get("id")))
                titles.add(str(doc.get("title", "")).lower())
                tags.update(str(t).lower() for t in doc.get("tags") or [])
    return SigmaHQ(frozenset(ids), frozenset(titles), frozenset(names), frozenset(tags))


def test_technique_tags_name_known_techniques(sigmahq: SigmaHQ) -> None:
    # A sub-technique's parent must be one SigmaHQ's current rules use: this catches typos
    # and techniques that ATT&CK has retired (v19 moved T1562 and T1070.001 to T1685).
    parents = {".".join(t.split(".")[:2]) for t in sigmahq.tags if TECHNIQUE.match(t)}
    for path in RULE_FILES:
        for tag in _load(path)["tags"]:
            if TECHNIQUE.match(tag):
                assert ".".join(tag.split(".")[:2]) in parents, (path.name, tag)


def test_rules_are_not_copies_of_sigmahq_rules(sigmahq: SigmaHQ) -> None:
    for path in RULE_FILES:
        rule = _load(path)
        assert str(rule["id"]) not in sigmahq.ids, path.name
        assert rule["title"].lower() not in sigmahq.titles, path.name
        assert path.name not in sigmahq.names, path.name
