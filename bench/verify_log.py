"""Figure 4: the time to verify the large log, from an export file and in the live database.

mamori exports the log (``audit.export.export_log``) and checks it with
``audit.verify.verify_file`` (what ``mamori audit verify FILE`` runs) and the live
database with ``verify_database``. pymerkle has no log verifier; the closest it
offers is recomputing a tree's root: from the export's entry bytes (an
``InmemoryTree`` rebuilt from them) and over the leaf hashes its ``SqliteTree`` stores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pymerkle import InmemoryTree, SqliteTree

from bench import verify_report
from bench.biglog import BigLog
from bench.report import Figure
from bench.sizes import Sizes
from bench.stats import time_once
from mamori.audit.export import export_log, parse_header
from mamori.audit.verify import verify_database, verify_file

_ENTRY_MARK = b'","entry":'


@dataclass(frozen=True)
class Timed:
    """Seconds of each repetition, and whether every repetition found the log intact."""

    seconds: tuple[float, ...]
    ok: bool


@dataclass(frozen=True)
class VerifyResults:
    """Everything figure 4 reports."""

    sizes: Sizes
    log: BigLog
    export_seconds: float
    export_bytes: int
    from_file: Timed
    from_database: Timed
    peer_from_file: Timed
    peer_from_store: Timed


def run(log: BigLog, sizes: Sizes) -> Figure:
    """Export the log, verify it both ways, and time the peer's root recomputations."""
    path = log.workdir / "mamori-log.jsonl"
    export_seconds, _ = time_once(lambda: export_log(log.database, path, log.signer))
    public_key = log.signer.public_key
    results = VerifyResults(
        sizes=sizes,
        log=log,
        export_seconds=export_seconds,
        export_bytes=path.stat().st_size,
        from_file=_repeat(sizes.verify_repeats, lambda: verify_file(path, public_key).ok),
        from_database=_repeat(
            sizes.verify_repeats, lambda: verify_database(log.database, public_key).ok
        ),
        peer_from_file=_repeat(sizes.verify_repeats, lambda: _peer_root_matches(path)),
        peer_from_store=_repeat(
            sizes.verify_repeats, lambda: _peer_stored_root(log.peer_path) == log.peer.get_root()
        ),
    )
    return verify_report.figure(results)


def _repeat(times: int, check: Callable[[], bool]) -> Timed:
    runs = [time_once(check) for _ in range(times)]
    return Timed(tuple(seconds for seconds, _ in runs), all(bool(ok) for _, ok in runs))


def _peer_root_matches(path: Path) -> bool:
    """pymerkle rebuilds an in-memory tree from the export's entry bytes; is its root signed?"""
    with path.open("rb") as file:
        header = parse_header(file.readline(), str(path))
        tree = InmemoryTree()
        tree.append_entries(_bodies(file))
        root: bytes = tree.get_root()
    return root == header.root_hash


def _bodies(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The canonical entry bytes of each entry line (checkpoint lines are skipped)."""
    for line in lines:
        at = line.find(_ENTRY_MARK)
        if at > 0:
            yield line[at + len(_ENTRY_MARK) : line.rindex(b"}")]


def _peer_stored_root(path: Path) -> bytes:
    """pymerkle's root over its stored leaf hashes, from a freshly opened tree (cold cache)."""
    tree = SqliteTree(str(path))
    try:
        root: bytes = tree.get_root()
    finally:
        tree.close()
    return root
