"""Open a rule set for hunting: compiled rules (cached), the engine, and correlations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

from mamori.detection.cache import CompiledRuleSet, load_compiled
from mamori.detection.correlation import CorrelationEngine
from mamori.detection.engine import Engine
from mamori.detection.models import Alert
from mamori.detection.rules import RuleProblem
from mamori.detection.service import Correlator, Hunt
from mamori.detection.starter import STARTER_RULES

# Files are read in parallel, so the alerts of one host arrive out of time order; an hour of
# lateness keeps correlation exact for any interleaving within that span.
HUNT_LATENESS = timedelta(hours=1)


class SigmaCorrelator(Correlator):
    """The hunt's correlator: Sigma correlation rules over the alerts of their base rules."""

    def __init__(self, engine: CorrelationEngine, names: Mapping[str, str]) -> None:
        self.engine = engine
        self.names = names
        self.listens_to = engine.listens_to

    def feed(self, alert: Alert) -> list[Alert]:
        return self.engine.feed(alert, self.names.get(alert.rule_id))

    def flush(self) -> list[Alert]:
        return self.engine.flush()


def open_hunt(
    rule_paths: Sequence[Path] = (),
    *,
    cache_dir: Path | None = None,
    strict: bool = False,
    placeholders: Mapping[str, Sequence[str]] | None = None,
    workers: int = 1,
    batch_size: int = 10_000,
    format: str | None = None,
) -> tuple[Hunt, CompiledRuleSet, list[RuleProblem]]:
    """A hunt over the rules under ``rule_paths`` (mamori's starter pack when none are given).

    Returns the hunt, the compiled rule set and the problems of rules that were not loaded.
    """
    compiled = load_compiled(
        list(rule_paths) or [STARTER_RULES],
        dialect_name="duckdb",
        prefolded=True,
        cache_dir=cache_dir,
        strict=strict,
        placeholders=placeholders,
    )
    problems = list(compiled.problems)
    engine = Engine(compiled.rules)
    hunt = Hunt(engine, workers=workers, batch_size=batch_size, format=format)
    withheld = {rule.id for rule in compiled.rules if not rule.generate}
    if compiled.correlations:
        references: dict[str, str] = {}
        names: dict[str, str] = {}
        for rule in compiled.rules:
            references[rule.id] = rule.id
            if rule.name:
                references[rule.name] = rule.id
                names[rule.id] = rule.name
        correlation = CorrelationEngine(
            [source.parse() for source in compiled.correlations],
            references,
            allowed_lateness=HUNT_LATENESS,
        )
        hunt.correlator = SigmaCorrelator(correlation, names)
        withheld |= correlation.withheld_rule_ids
    hunt.suppressed = frozenset(withheld)
    return hunt, compiled, problems
