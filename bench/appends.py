"""Figure 3: transparency-log appends per second, batched and one per transaction.

mamori appends with ``audit.service.append_many`` (one head lock, batched inserts of
entries and completed subtree hashes) and ``append`` (one entry, its own transaction),
on SQLite and PostgreSQL. The peer, pymerkle 7's ``SqliteTree``, appends the same
entries' canonical bytes with ``append_entries`` and ``append_entry``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pymerkle import SqliteTree

from bench import appends_report, entries, stores
from bench.report import Figure
from bench.sizes import SEED, Sizes
from bench.stats import RunTimes, Summary, median, summarize, time_each
from mamori.audit import service
from mamori.audit.canonical import canonical_bytes, entry_body
from mamori.audit.models import NewEntry
from mamori.store.engine import Database


@dataclass(frozen=True)
class Series:
    """One store and mode: median appends per second and per-append latency (single mode)."""

    label: str
    summary: Summary | None
    roots_match: bool | None = None


@dataclass(frozen=True)
class AppendResults:
    """Everything figure 3 reports."""

    sizes: Sizes
    ours: dict[str, Series]
    peer: dict[str, Series]
    postgres_note: str
    mean_body_bytes: float


def run(sizes: Sizes, workdir: Path, postgres_url: str | None, postgres_note: str) -> Figure:
    """Append the same generated entries to fresh mamori logs and fresh pymerkle trees."""
    batch = entries.decisions(sizes.appends_batched, SEED)
    single = batch[: sizes.appends_single]
    sqlite, peer = _openers(workdir / "appends")
    ours = {
        "SQLite, batched": _batched(sqlite, batch, sizes, peer),
        "SQLite, one per transaction": _single(sqlite, single, sizes.repeats),
    }
    if postgres_url is not None:
        postgres = partial(stores.postgres_log, postgres_url)
        ours["PostgreSQL, batched"] = _batched(postgres, batch, sizes, None)
        ours["PostgreSQL, one per transaction"] = _single(postgres, single, sizes.repeats)
    theirs = {
        "SQLite, batched": _peer_batched(peer, batch, sizes),
        "SQLite, one per transaction": _peer_single(peer, single, sizes.repeats),
    }
    bodies = entries.canonical(batch, 0)
    mean_bytes = sum(len(body) for body in bodies) / len(bodies)
    return appends_report.figure(AppendResults(sizes, ours, theirs, postgres_note, mean_bytes))


Opener = Callable[[], AbstractContextManager[Database]]
PeerOpener = Callable[[], AbstractContextManager[SqliteTree]]


def _openers(folder: Path) -> tuple[Opener, PeerOpener]:
    """Openers of a new mamori SQLite log and a new pymerkle tree, each call a fresh file."""
    numbers = itertools.count(1)

    def sqlite() -> AbstractContextManager[Database]:
        return stores.sqlite_log(folder / f"mamori-{next(numbers)}.db")

    def peer() -> AbstractContextManager[SqliteTree]:
        return stores.peer_tree(folder / f"pymerkle-{next(numbers)}.db")

    return sqlite, peer


def _batched(
    open_log: Opener, batch: list[NewEntry], sizes: Sizes, open_peer: PeerOpener | None
) -> Series:
    rates: list[float] = []
    roots_match: bool | None = None
    for _ in range(sizes.repeats):
        with open_log() as database:
            seconds = _append_batches(database, batch, sizes.append_batch)
            rates.append(len(batch) / seconds)
            if open_peer is not None and roots_match is None:
                roots_match = _same_root(database, open_peer, batch, sizes.append_batch)
    summary = Summary(
        len(rates), len(batch) * len(rates), median(rates), float("nan"), float("nan")
    )
    return Series(
        f"{len(batch):,} entries in batches of {sizes.append_batch:,}", summary, roots_match
    )


def _append_batches(database: Database, batch: list[NewEntry], size: int) -> float:
    started = time.perf_counter()
    for first in range(0, len(batch), size):
        with database.session() as session:
            service.append_many(session, batch[first : first + size])
    return time.perf_counter() - started


def _same_root(database: Database, open_peer: PeerOpener, batch: list[NewEntry], size: int) -> bool:
    """Whether pymerkle, fed the same canonical bytes, computes mamori's root."""
    with database.session() as session:
        ours = service.tree_head(session).root_hash
    with open_peer() as tree:
        for first in range(0, len(batch), size):
            tree.append_entries(entries.canonical(batch[first : first + size], first))
        theirs: bytes = tree.get_root()
    return ours == theirs


def _single(open_log: Opener, single: list[NewEntry], repeats: int) -> Series:
    passes: list[RunTimes] = []
    for _ in range(repeats):
        with open_log() as database:

            def append_one(entry: NewEntry, database: Database = database) -> None:
                with database.session() as session:
                    service.append(session, entry)

            passes.append(time_each(append_one, single))
    return Series(f"{len(single):,} entries, one transaction each", summarize(passes))


def _peer_batched(open_peer: PeerOpener, batch: list[NewEntry], sizes: Sizes) -> Series:
    rates: list[float] = []
    for _ in range(sizes.repeats):
        with open_peer() as tree:
            started = time.perf_counter()
            for first in range(0, len(batch), sizes.append_batch):
                tree.append_entries(
                    entries.canonical(batch[first : first + sizes.append_batch], first)
                )
            rates.append(len(batch) / (time.perf_counter() - started))
    summary = Summary(
        len(rates), len(batch) * len(rates), median(rates), float("nan"), float("nan")
    )
    return Series(f"append_entries, batches of {sizes.append_batch:,}", summary)


def _peer_single(open_peer: PeerOpener, single: list[NewEntry], repeats: int) -> Series:
    passes: list[RunTimes] = []
    for _ in range(repeats):
        with open_peer() as tree:

            def append_one(item: tuple[int, NewEntry], tree: SqliteTree = tree) -> None:
                tree.append_entry(canonical_bytes(entry_body(item[0], item[1])))

            passes.append(time_each(append_one, list(enumerate(single))))
    return Series("append_entry, one commit each", summarize(passes))
