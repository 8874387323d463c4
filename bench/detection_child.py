"""One measurement of figure 6 in a fresh process: ``python -m bench.detection_child CMD ...``.

Each command prints one JSON object on stdout: what it measured, and the memory its process
tree held. Running each measurement in its own process keeps one run's memory, caches and
garbage out of the next, and makes a warm start a real start.

- ``startup``: ``open_hunt`` over the rules, timed from the call to the ready hunt.
- ``parse``: the events of the paths read to the end by ``EventStream``, in N processes that
  each read their share of the files (the hunt's own split), nothing else done with them.
- ``hunt``: ``open_hunt`` then ``Hunt.run`` over the paths with N workers, alerts counted.
- ``peer``: the Zircolite re-implementation over the files, with a saved converted rule set.
"""

from __future__ import annotations

import argparse
import inspect
import multiprocessing
import os
import resource
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from bench import peer_zircolite
from bench.detection_corpus import files_under, shares
from mamori.detection.models import Alert
from mamori.detection.ruleset import open_hunt
from mamori.detection.service import Hunt
from mamori.events.service import EventStream

# Parse-only reads in the batches a hunt reads in.
BATCH_SIZE: int = inspect.signature(open_hunt).parameters["batch_size"].default
SAMPLE_SECONDS = 0.2

Result = dict[str, Any]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and print its result as JSON."""
    args = _parser().parse_args(argv)
    memory = TreeMemory(SAMPLE_SECONDS)
    memory.start()
    try:
        result = COMMANDS[args.command](args)
    finally:
        memory.stop()
    result.update(memory.result())
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    return 0


def _startup(args: argparse.Namespace) -> Result:
    return _opened(args)[1]


def _opened(args: argparse.Namespace) -> tuple[Hunt, Result]:
    """The hunt over ``args.rules``, and how long ``open_hunt`` took to make it."""
    started = time.perf_counter()
    hunt, compiled, problems = open_hunt(args.rules, cache_dir=args.cache, workers=args.workers)
    seconds = time.perf_counter() - started
    return hunt, {"startup_s": seconds, "rules": len(compiled.rules), "problems": len(problems)}


def _parse(args: argparse.Namespace) -> Result:
    files = files_under(args.paths)
    started = time.perf_counter()
    if args.workers <= 1:
        counts = [_count(files)]
    else:
        context = multiprocessing.get_context("fork")
        split = shares(files, args.workers)
        with context.Pool(len(split)) as pool:
            counts = pool.map(_count, split)
    seconds = time.perf_counter() - started
    return {"events": sum(counts), "seconds": seconds, "files": len(files), "batch": BATCH_SIZE}


def _count(files: list[str]) -> int:
    return sum(batch.num_rows for batch in EventStream(files, batch_size=BATCH_SIZE))


def _hunt(args: argparse.Namespace) -> Result:
    hunt, result = _opened(args)
    hit: set[str] = set()

    def sink(alert: Alert) -> None:
        hit.add(alert.source_file)

    report = hunt.run(args.paths, sink)
    result.update(
        events=report.events,
        alerts=report.alerts,
        duplicates=report.duplicates,
        seconds=report.elapsed_s,
        files=report.files,
        read_problems=report.read_problem_count,
        disabled_rules=len(report.disabled_rules),
    )
    if args.root is not None:
        result["files_hit"] = sorted(Path(name).relative_to(args.root).as_posix() for name in hit)
    return result


def _peer(args: argparse.Namespace) -> Result:
    started = time.perf_counter()
    rules = peer_zircolite.PeerRules.from_json(args.ruleset.read_bytes())
    load_s = time.perf_counter() - started
    files = [Path(name) for name in files_under(args.paths)]
    run = peer_zircolite.hunt_parallel(files, rules, args.root, args.workers)
    return {
        "ruleset_load_s": load_s,
        "events": run.events,
        "matches": run.matches,
        "failed_queries": run.failed_queries,
        "seconds": run.seconds,
        "parse_s": run.parse_s,
        "load_s": run.load_s,
        "rules_s": run.rules_s,
        "queries": sum(len(rule.queries) for rule in rules.rules),
        "files_hit": sorted(run.files_hit),
    }


COMMANDS: dict[str, Callable[[argparse.Namespace], Result]] = {
    "startup": _startup,
    "parse": _parse,
    "hunt": _hunt,
    "peer": _peer,
}


class TreeMemory:
    """The largest memory this process and its descendants held together, sampled.

    RSS sums each process's resident pages (pages a forked worker shares with its parent
    count twice); PSS splits each shared page between the processes sharing it.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        """Sample from now on, in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """One last sample, then stop."""
        self._stopped.set()
        self._thread.join()
        self.sample()

    def sample(self) -> None:
        """Add up the memory of the tree right now."""
        pids = [os.getpid(), *_descendants(os.getpid())]
        self.peak_rss = max(self.peak_rss, sum(_kib(pid, "status", "VmRSS:") for pid in pids))
        self.peak_pss = max(self.peak_pss, sum(_kib(pid, "smaps_rollup", "Pss:") for pid in pids))

    def result(self) -> Result:
        """The peaks, and the kernel's own high-water marks, in bytes."""
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return {
            "peak_tree_rss": self.peak_rss * 1024,
            "peak_tree_pss": self.peak_pss * 1024,
            "maxrss_self": own * 1024,
            "maxrss_children": children * 1024,
        }

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            self.sample()


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as file:
                children = [int(child) for child in file.read().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def _kib(pid: int, name: str, key: str) -> int:
    """A ``kB`` field of ``/proc/PID/NAME``; 0 when the process is gone or has no such field."""
    try:
        with open(f"/proc/{pid}/{name}", encoding="ascii") as file:
            for line in file:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.detection_child", description=__doc__)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--rules", nargs="+", type=Path, default=[])
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--root", type=Path, help="name the files hit relative to this folder")
    parser.add_argument("--ruleset", type=Path, help="the peer's converted rule set (JSON)")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
