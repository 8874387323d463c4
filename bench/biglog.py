"""The large log figures 4 and 5 share: built once with ``append_many``, and the peer's twin.

The same generated entries go into a mamori log on SQLite (batches through
``audit.service.append_many``) and, as the same canonical bytes, into a pymerkle
``SqliteTree``; both builds are timed, and both roots must agree.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pymerkle import SqliteTree

from bench import entries, stores
from bench.sizes import SEED, Sizes
from mamori.audit import service
from mamori.audit.signing import Signer, load_or_create_signer
from mamori.store.engine import Database


@dataclass(frozen=True)
class BigLog:
    """A built log, its twin in pymerkle, and what building them cost."""

    size: int
    database: Database
    database_path: Path
    signer: Signer
    peer: SqliteTree
    peer_path: Path
    build_seconds: float
    peer_build_seconds: float
    roots_match: bool
    workdir: Path


@contextmanager
def built(sizes: Sizes, workdir: Path) -> Iterator[BigLog]:
    """Build the ``sizes.log_entries``-entry log and its twin; yields them, then closes both."""
    folder = workdir / "biglog"
    database_path = folder / "mamori.db"
    peer_path = folder / "pymerkle.db"
    with stores.sqlite_log(database_path) as database, stores.peer_tree(peer_path) as peer:
        ours, theirs = _fill(database, peer, sizes.log_entries, sizes.log_batch)
        with database.session() as session:
            root = service.tree_head(session).root_hash
        yield BigLog(
            size=sizes.log_entries,
            database=database,
            database_path=database_path,
            signer=load_or_create_signer(folder / "audit-signing.pem"),
            peer=peer,
            peer_path=peer_path,
            build_seconds=ours,
            peer_build_seconds=theirs,
            roots_match=root == peer.get_root(),
            workdir=folder,
        )


def _fill(database: Database, peer: SqliteTree, total: int, size: int) -> tuple[float, float]:
    """Append every batch to both; return the seconds each spent appending."""
    ours = theirs = 0.0
    first = 0
    for batch in entries.batches(total, size, SEED):
        started = time.perf_counter()
        with database.session() as session:
            service.append_many(session, batch)
        middle = time.perf_counter()
        peer.append_entries(entries.canonical(batch, first))
        ours += middle - started
        theirs += time.perf_counter() - middle
        first += len(batch)
    return ours, theirs
