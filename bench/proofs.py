"""Figure 5: inclusion and consistency proof sizes, and the time to produce one from the store.

Proofs come from the large log of figure 4, at each tree size of ``sizes.proof_sizes``
(a proof may be asked against any earlier size), for indices and earlier sizes drawn
with the suite's seed; the peer proves the same things from its twin ``SqliteTree``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pymerkle import SqliteTree

from bench import proofs_report
from bench.biglog import BigLog
from bench.profiling import shares
from bench.report import Figure
from bench.sizes import SEED, Sizes
from bench.stats import Summary, summarize, time_each
from mamori.api.routers.audit import ConsistencyOut, InclusionOut, b64
from mamori.audit import merkle, service
from mamori.audit.models import ConsistencyProof, InclusionProof
from mamori.store.engine import Database

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ProofSeries:
    """Proofs of one kind at one tree size, from mamori and from pymerkle."""

    kind: str
    tree_size: int
    hashes: tuple[int, ...]
    served_bytes: tuple[int, ...]
    peer_hashes: tuple[int, ...]
    peer_bytes: tuple[int, ...]
    cold: Summary
    peer_cold: Summary
    timing: Summary
    peer_timing: Summary
    verified: bool
    same_path: bool | None


@dataclass(frozen=True)
class ProofResults:
    """Everything figure 5 reports."""

    sizes: Sizes
    log_size: int
    series: tuple[ProofSeries, ...]
    profile: dict[str, float]


_PROFILE_PARTS = {
    "stored hashes fetched (audit.repository.lookup_nodes)": (
        "audit/repository.py",
        "lookup_nodes",
    ),
    "the entry read (audit.repository.entry_row)": ("audit/repository.py", "entry_row"),
    "the head read (audit.repository.read_head)": ("audit/repository.py", "read_head"),
    "hashing and folding (audit.merkle.fold)": ("audit/merkle.py", "fold"),
}
PROFILED_PROOFS = 5


def run(log: BigLog, sizes: Sizes) -> Figure:
    """Prove inclusion and consistency at each tree size, with mamori and with pymerkle."""
    peer = SqliteTree(str(log.peer_path))  # opened afresh: its subtree cache starts empty
    try:
        series = []
        for tree_size in sizes.proof_sizes:
            rng = random.Random(f"{SEED}:{tree_size}")
            indices = [rng.randrange(tree_size) for _ in range(sizes.proof_samples)]
            earlier = [rng.randrange(1, tree_size) for _ in range(sizes.proof_samples)]
            series.append(_inclusion(log.database, peer, tree_size, indices))
            series.append(_consistency(log.database, peer, tree_size, earlier))
    finally:
        peer.close()
    profile = shares(
        lambda: _prove_some(log.database, max(sizes.proof_sizes)),
        ("audit/service.py", "inclusion_proof"),
        _PROFILE_PARTS,
    )
    return proofs_report.figure(ProofResults(sizes, log.size, tuple(series), profile))


def _prove_some(database: Database, size: int) -> None:
    for index in range(0, size, max(1, size // PROFILED_PROOFS)):
        with database.session() as session:
            service.inclusion_proof(session, index, size, org_id=None)


def _inclusion(database: Database, peer: SqliteTree, size: int, indices: list[int]) -> ProofSeries:
    def ours(index: int) -> InclusionProof:
        with database.session() as session:
            return service.inclusion_proof(session, index, size, org_id=None)

    def prove(index: int) -> Any:
        return peer.prove_inclusion(index + 1, size)  # 1-based there

    cold, proofs = _collect(ours, indices)
    peer_cold, theirs = _collect(prove, indices)
    return ProofSeries(
        kind="inclusion",
        tree_size=size,
        hashes=tuple(len(proof.path) for proof in proofs),
        served_bytes=tuple(len(_served_inclusion(proof)) for proof in proofs),
        peer_hashes=tuple(len(proof.path) for proof in theirs),
        peer_bytes=tuple(len(json.dumps(proof.serialize())) for proof in theirs),
        cold=cold,
        peer_cold=peer_cold,
        timing=_times(ours, indices),
        peer_timing=_times(prove, indices),
        verified=all(
            merkle.verify_inclusion(p.leaf_hash, p.index, size, p.path, p.root_hash) for p in proofs
        ),
        same_path=all(list(p.path) == q.path[1:] for p, q in zip(proofs, theirs, strict=True)),
    )


def _consistency(
    database: Database, peer: SqliteTree, size: int, earlier: list[int]
) -> ProofSeries:
    def ours(first: int) -> ConsistencyProof:
        with database.session() as session:
            return service.consistency_proof(session, first, size)

    def prove(first: int) -> Any:
        return peer.prove_consistency(first, size)

    cold, proofs = _collect(ours, earlier)
    peer_cold, theirs = _collect(prove, earlier)
    return ProofSeries(
        kind="consistency",
        tree_size=size,
        hashes=tuple(len(proof.path) for proof in proofs),
        served_bytes=tuple(len(_served_consistency(proof)) for proof in proofs),
        peer_hashes=tuple(len(proof.path) for proof in theirs),
        peer_bytes=tuple(len(json.dumps(proof.serialize())) for proof in theirs),
        cold=cold,
        peer_cold=peer_cold,
        timing=_times(ours, earlier),
        peer_timing=_times(prove, earlier),
        verified=all(
            merkle.verify_consistency(p.first, size, p.first_root, p.second_root, p.path)
            for p in proofs
        ),
        same_path=None,
    )


def _collect(operation: Callable[[T], R], items: Sequence[T]) -> tuple[Summary, list[R]]:
    """Time a first pass and keep what it returned."""
    made: list[R] = []
    timed = time_each(lambda item: made.append(operation(item)), items)
    return summarize([timed]), made


def _times(operation: Callable[[T], object], items: Sequence[T]) -> Summary:
    return summarize([time_each(operation, items)])


def _served_inclusion(proof: InclusionProof) -> bytes:
    """The proof as ``GET /audit/proofs/inclusion`` serves it."""
    served = InclusionOut(
        index=proof.index,
        tree_size=proof.tree_size,
        leaf_hash=b64(proof.leaf_hash),
        root_hash=b64(proof.root_hash),
        path=[b64(node) for node in proof.path],
    )
    return served.model_dump_json().encode()


def _served_consistency(proof: ConsistencyProof) -> bytes:
    """The proof as ``GET /audit/proofs/consistency`` serves it."""
    served = ConsistencyOut(
        first=proof.first,
        second=proof.second,
        first_root=b64(proof.first_root),
        second_root=b64(proof.second_root),
        path=[b64(node) for node in proof.path],
    )
    return served.model_dump_json().encode()
