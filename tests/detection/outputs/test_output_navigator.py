"""The ATT&CK Navigator layer: format 4.5, techniques scored by alert count, pinned by a golden."""

from __future__ import annotations

import json
import re
from typing import Any

from detection_output_samples import NAVIGATOR_GOLDEN, render

from mamori.detection.models import Alert, Level
from mamori.detection.outputs import OutputFormat
from mamori.detection.outputs.navigator import TITLES_PER_COMMENT


def _layer(alerts: list[Alert] | None = None) -> dict[str, Any]:
    layer: dict[str, Any] = json.loads(render(OutputFormat.NAVIGATOR, alerts))
    return layer


def test_layer_matches_the_golden_file() -> None:
    # Regenerate with tests/detection/outputs/regenerate_output_goldens.py after a change.
    assert render(OutputFormat.NAVIGATOR) == NAVIGATOR_GOLDEN.read_text(encoding="utf-8")


def test_layer_declares_format_4_5_for_enterprise() -> None:
    layer = _layer()
    assert layer["versions"]["layer"] == "4.5"
    assert layer["domain"] == "enterprise-attack"
    assert isinstance(layer["name"], str) and layer["name"]


def test_techniques_are_scored_by_alert_count_with_a_matching_gradient() -> None:
    layer = _layer()
    scores = {t["techniqueID"]: t["score"] for t in layer["techniques"]}
    assert scores == {"T1003.001": 1, "T1053.005": 1, "T1059": 3, "T1059.001": 4, "T1110": 1}
    assert all(re.fullmatch(r"T\d{4}(\.\d{3})?", technique) for technique in scores)
    gradient = layer["gradient"]
    assert (gradient["minValue"], gradient["maxValue"]) == (0, 4)
    assert len(gradient["colors"]) >= 2


def test_comments_name_the_rules_behind_each_score() -> None:
    comments = {t["techniqueID"]: t["comment"] for t in _layer()["techniques"]}
    assert comments["T1059.001"] == (
        "4 alerts: Encoded PowerShell (3); PowerShell Download Cradle (1)"
    )
    parent = next(t for t in _layer()["techniques"] if t["techniqueID"] == "T1059")
    assert parent["showSubtechniques"] is True


def test_tags_that_are_not_technique_ids_are_left_out() -> None:
    alert = Alert(
        "r",
        "t",
        Level.LOW,
        ("attack.t1059.1", "attack.t12", "attack.s0002"),
        "f",
        1,
        None,
        None,
        {},
    )
    layer = _layer([alert])
    assert layer["techniques"] == []
    assert layer["gradient"]["maxValue"] > layer["gradient"]["minValue"]


def test_a_comment_lists_a_bounded_number_of_rules() -> None:
    alerts = [
        Alert(f"r{n}", f"Rule {n:03}", Level.LOW, ("attack.t1110",), "f", n, None, None, {})
        for n in range(TITLES_PER_COMMENT + 5)
    ]
    (technique,) = _layer(alerts)["techniques"]
    assert technique["score"] == TITLES_PER_COMMENT + 5
    assert technique["comment"].endswith("; and 5 more rules")
