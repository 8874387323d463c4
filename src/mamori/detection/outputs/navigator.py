"""An ATT&CK Navigator layer (format 4.5): each technique scored by how many alerts name it.

Open it at https://mitre-attack.github.io/attack-navigator/ ("Open Existing Layer").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any, ClassVar, TextIO

import orjson

from mamori.detection.models import Alert
from mamori.detection.outputs.records import plain
from mamori.detection.outputs.summary import HuntSummary
from mamori.detection.outputs.writer import AlertWriter

LAYER_VERSIONS = {"navigator": "5.1.0", "layer": "4.5"}
GRADIENT_COLORS = ["#ffe766ff", "#ff6666ff"]
TITLES_PER_COMMENT = 20
TECHNIQUE_ID = re.compile(r"T\d{4}(?:\.\d{3})?")


class NavigatorWriter(AlertWriter):
    """Keeps a count per technique and per rule title (bounded by the rules, not the
    alerts) and writes the layer at the end."""

    suffix: ClassVar[str] = ".json"
    media_type: ClassVar[str] = "application/json"

    def __init__(self, out: TextIO, *, name: str = "mamori hunt") -> None:
        super().__init__(out)
        self.name = name
        self._scores: Counter[str] = Counter()
        self._titles: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def write(self, alert: Alert) -> None:
        """Count the alert for each technique its rule names."""
        for technique in set(alert.attack.techniques):
            if TECHNIQUE_ID.fullmatch(technique):
                self._scores[technique] += 1
                self._titles[technique][alert.title] += 1

    def finish(self, summary: HuntSummary) -> None:
        """Write the layer as indented JSON and flush."""
        text = orjson.dumps(plain(self.layer(summary)), option=orjson.OPT_INDENT_2)
        self.out.write(text.decode("utf-8") + "\n")
        self.out.flush()

    def layer(self, summary: HuntSummary) -> dict[str, Any]:
        """The layer as data."""
        return {
            "name": self.name,
            "versions": LAYER_VERSIONS,
            "domain": "enterprise-attack",
            "description": _description(summary, len(self._scores)),
            "sorting": 3,
            "layout": {
                "layout": "side",
                "showID": True,
                "showName": True,
                "expandedSubtechniques": "annotated",
            },
            "hideDisabled": False,
            "techniques": [self._technique(t) for t in sorted(self._scores)],
            "gradient": {
                "colors": GRADIENT_COLORS,
                "minValue": 0,
                "maxValue": max(self._scores.values(), default=1),
            },
            "legendItems": [],
            "metadata": _metadata(summary),
            "links": [],
            "showTacticRowBackground": False,
            "selectTechniquesAcrossTactics": True,
            "selectSubtechniquesWithParent": False,
            "selectVisibleTechniques": False,
        }

    def _technique(self, technique: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "techniqueID": technique,
            "score": self._scores[technique],
            "comment": _comment(self._titles[technique]),
        }
        if any(other.startswith(technique + ".") for other in self._scores):
            entry["showSubtechniques"] = True
        return entry


def _comment(titles: Counter[str]) -> str:
    ranked = sorted(titles.items(), key=lambda item: (-item[1], item[0]))
    parts = [f"{title} ({count})" for title, count in ranked[:TITLES_PER_COMMENT]]
    if len(ranked) > TITLES_PER_COMMENT:
        parts.append(f"and {len(ranked) - TITLES_PER_COMMENT} more rules")
    total = sum(titles.values())
    return f"{total} alert{'s' * (total != 1)}: " + "; ".join(parts)


def _description(summary: HuntSummary, techniques: int) -> str:
    return (
        f"{summary.alerts:,} alerts from {summary.rules_with_alerts:,} rules over"
        f" {summary.events_read:,} events; {techniques:,} techniques scored by alert count"
    )


def _metadata(summary: HuntSummary) -> list[dict[str, str]]:
    counts = [("alerts", summary.alerts), ("events read", summary.events_read)]
    counts += [(level.label, count) for level, count in summary.by_level]
    return [{"name": name, "value": f"{count:,}"} for name, count in counts]
