"""Figure 6: hunting with the SigmaHQ rules over a million EVTX events, against Zircolite's method.

mamori's hunt (``open_hunt`` then ``Hunt.run``, as ``mamori hunt`` runs it) over the EVTX
attack samples replicated to a million events and more, next to the floor it stands on
(the same events read by ``EventStream`` alone, in the same number of processes), its
start-up cold and warm, its memory as the input grows; and, on the 4,888 events of the
samples themselves, the peer (:mod:`bench.peer_zircolite`) and the files each one flags.
Every measurement runs in a fresh process (:mod:`bench.detection_child`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench import detection_report, peer_zircolite
from bench.detection_corpus import SAMPLES, SIGMA, Samples, find_samples, replicated, shared_data
from bench.report import Figure
from bench.sizes import Sizes
from bench.stats import median

Run = dict[str, Any]
WORKERS = 2  # ``mamori hunt``'s default
ALL_RULES = ("rules", "rules-emerging-threats", "rules-threat-hunting")
REPO = Path(__file__).resolve().parents[1]
CHILD_TIMEOUT_S = 1800


@dataclass(frozen=True)
class Plan:
    """How much figure 6 measures at one size."""

    copies: int  # the main corpus, in copies of the samples (205: about a million events)
    large_copies: int  # the corpus memory is compared on as the input grows
    single_copies: int  # the corpus of the one-process runs
    repeats: int  # passes over the main corpus, and the peer's passes
    budget_s: float  # the large corpus shrinks (to no less than 1.5× the main) to fit this
    rules: tuple[str, ...]  # folders of the SigmaHQ corpus


PLANS = {
    "full": Plan(205, 1023, 10, 3, 540.0, ALL_RULES),
    "quick": Plan(2, 4, 1, 1, 300.0, ALL_RULES),
    "tiny": Plan(1, 2, 1, 1, 60.0, ("rules/windows/builtin/security",)),
}


@dataclass(frozen=True)
class DetectionResults:
    """Everything figure 6 reports; each run is a child's JSON result."""

    sizes: Sizes
    plan: Plan
    workers: int
    samples: Samples
    rule_paths: tuple[Path, ...]
    cold: Run
    parses: tuple[Run, ...]
    hunts: tuple[Run, ...]
    single_parse: Run
    single_hunt: Run
    large: Run
    large_copies: int
    large_projected_s: float
    dev_hunts: tuple[Run, ...]
    peer_runs: tuple[Run, ...]
    peer_single: Run
    peer_rules: peer_zircolite.PeerRules


def run(sizes: Sizes, workdir: Path) -> Figure:
    """Measure figure 6 at ``sizes``; a figure that says what is missing when the data is."""
    plan = PLANS[sizes.name]
    data = shared_data()
    rule_paths = tuple(data / SIGMA / part for part in plan.rules)
    samples = find_samples(data / SAMPLES)
    missing = [str(path) for path in rule_paths if not path.exists()]
    if samples is None or missing:
        return detection_report.not_measured(data / SAMPLES, missing)
    return detection_report.figure(_measure(sizes, plan, samples, rule_paths, workdir))


def _measure(
    sizes: Sizes, plan: Plan, samples: Samples, rule_paths: tuple[Path, ...], workdir: Path
) -> DetectionResults:
    began = time.perf_counter()
    folder = workdir / "detection"
    child = _Child(rule_paths, folder / "rule-cache")
    cold = child.run("startup")  # the cache folder is still empty
    parses: list[Run] = []
    hunts: list[Run] = []
    with replicated(samples, plan.copies, folder / "corpus") as corpus:
        for _ in range(plan.repeats):  # interleaved, so that a busy spell hits both
            parses.append(child.run("parse", corpus.path, workers=WORKERS))
            hunts.append(child.run("hunt", corpus.path, workers=WORKERS))
    with replicated(samples, plan.single_copies, folder / "corpus-single") as single:
        single_parse = child.run("parse", single.path, workers=1)
        single_hunt = child.run("hunt", single.path, workers=1)
    peer_rules, dev_hunts, peer_runs, peer_single = _peer(child, plan, samples, folder)
    rate = median(run["events"] / run["seconds"] for run in hunts)
    left = plan.budget_s - (time.perf_counter() - began)
    large_copies = _large_copies(plan, samples.events, rate, left)
    with replicated(samples, large_copies, folder / "corpus-large") as big:
        large = child.run("hunt", big.path, workers=WORKERS)
    return DetectionResults(
        sizes=sizes,
        plan=plan,
        workers=WORKERS,
        samples=samples,
        rule_paths=rule_paths,
        cold=cold,
        parses=tuple(parses),
        hunts=tuple(hunts),
        single_parse=single_parse,
        single_hunt=single_hunt,
        large=large,
        large_copies=large_copies,
        large_projected_s=plan.large_copies * samples.events / rate if rate else 0.0,
        dev_hunts=dev_hunts,
        peer_runs=peer_runs,
        peer_single=peer_single,
        peer_rules=peer_rules,
    )


def _peer(
    child: _Child, plan: Plan, samples: Samples, folder: Path
) -> tuple[peer_zircolite.PeerRules, tuple[Run, ...], tuple[Run, ...], Run]:
    """The peer's rule conversion, then mamori and the peer in turn on the samples themselves."""
    rules = peer_zircolite.convert_rules(child.rule_paths)
    ruleset = folder / "peer-rules.json"
    ruleset.write_bytes(rules.to_json())
    ours: list[Run] = []
    theirs: list[Run] = []
    with replicated(samples, 1, folder / "samples") as dev:
        root = dev.path / "copy-0000"
        for _ in range(plan.repeats):
            ours.append(child.run("hunt", dev.path, workers=WORKERS, root=root))
            theirs.append(child.run("peer", dev.path, workers=WORKERS, root=root, ruleset=ruleset))
        single = child.run("peer", dev.path, workers=1, root=root, ruleset=ruleset)
    return rules, tuple(ours), tuple(theirs), single


def _large_copies(plan: Plan, events_per_copy: int, rate: float, left_s: float) -> int:
    """The planned large corpus, shrunk to what the time left allows at the measured rate."""
    if rate <= 0:
        return plan.large_copies
    affordable = int(left_s * rate / events_per_copy)
    return min(plan.large_copies, max(plan.copies * 3 // 2, affordable))


class _Child:
    """Runs :mod:`bench.detection_child` commands over one rule set and one rule cache."""

    def __init__(self, rule_paths: Sequence[Path], cache: Path) -> None:
        self.rule_paths = list(rule_paths)
        self.cache = cache

    def run(
        self,
        command: str,
        *paths: Path,
        workers: int = 1,
        root: Path | None = None,
        ruleset: Path | None = None,
    ) -> Run:
        """One child's result; its failure raises, with the end of what it wrote."""
        line = [sys.executable, "-m", "bench.detection_child", command, *map(str, paths)]
        line += ["--workers", str(workers), "--cache", str(self.cache), "--rules"]
        line += [str(path) for path in self.rule_paths]
        if root is not None:
            line += ["--root", str(root)]
        if ruleset is not None:
            line += ["--ruleset", str(ruleset)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), _path()]))}
        started = time.perf_counter()
        done = subprocess.run(
            line, cwd=REPO, env=env, capture_output=True, timeout=CHILD_TIMEOUT_S, check=False
        )
        label = " ".join([command, *(path.name for path in paths)])
        _say(f"{label}: {time.perf_counter() - started:.0f} s")
        if done.returncode != 0 or not done.stdout.strip():
            tail = done.stderr.decode(errors="replace")[-2000:]
            raise RuntimeError(
                f"bench.detection_child {command} failed ({done.returncode}):\n{tail}"
            )
        result: Run = orjson.loads(done.stdout.splitlines()[-1])
        return result


def _path() -> str:
    return os.environ.get("PYTHONPATH", "")


def _say(message: str) -> None:
    print(f"[bench] detection: {message}", file=sys.stderr, flush=True)
