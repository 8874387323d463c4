"""Figure 5 as tables and notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.report import Figure, Table, micros, ratio

if TYPE_CHECKING:
    from bench.proofs import ProofResults

HASH_BYTES = 32


def figure(results: ProofResults) -> Figure:
    """Figure 5 from its measurements."""
    return Figure(
        title="Proof sizes, and the time to produce a proof",
        summary=(
            "RFC 9162 inclusion and consistency proofs served by `GET /audit/proofs/…`, at tree "
            "sizes of the log of figure 4, against the proofs pymerkle 7 produces for the same "
            "tree (its roots are identical). There is no target for this figure."
        ),
        tables=(_sizes(results), _times(results), _profile(results)),
        dataset=_dataset(results),
        method=_method(results),
    )


def _mean(values: tuple[int, ...]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _sizes(results: ProofResults) -> Table:
    rows = tuple(
        (
            f"{item.tree_size:,}",
            item.kind,
            f"{_mean(item.hashes):.1f} ({max(item.hashes)})",
            f"{_mean(item.hashes) * HASH_BYTES:,.0f}",
            f"{_mean(item.served_bytes):,.0f}",
            f"{_mean(item.peer_hashes):.1f} ({max(item.peer_hashes)})",
            f"{_mean(item.peer_bytes):,.0f}",
            ratio(_mean(item.hashes), _mean(item.peer_hashes)),
        )
        for item in results.series
    )
    headers = (
        "tree size",
        "proof",
        "mamori hashes, mean (max)",
        "mamori raw bytes",
        "mamori JSON bytes as served",
        "pymerkle hashes, mean (max)",
        "pymerkle JSON bytes (serialize)",
        "mamori / pymerkle (hashes)",
    )
    return Table(headers, rows, "Sizes (means over the sampled proofs):")


def _times(results: ProofResults) -> Table:
    rows = tuple(
        (
            f"{item.tree_size:,}",
            item.kind,
            _pair(item.cold),
            _pair(item.timing),
            _pair(item.peer_cold),
            _pair(item.peer_timing),
            ratio(item.timing.p50, item.peer_timing.p50),
        )
        for item in results.series
    )
    headers = (
        "tree size",
        "proof",
        "mamori first pass p50 / p99",
        "mamori second pass p50 / p99",
        "pymerkle first pass p50 / p99",
        "pymerkle second pass p50 / p99",
        "mamori / pymerkle (second-pass p50)",
    )
    return Table(headers, rows, "Time to produce one proof (from the store):")


def _profile(results: ProofResults) -> Table:
    rows = tuple(
        (part, f"{share:.0%}")
        for part, share in sorted(results.profile.items(), key=lambda item: -item[1])
    )
    caption = (
        f"Where an inclusion proof's time goes at tree size {max(results.sizes.proof_sizes):,} "
        "(cProfile over a few proofs):"
    )
    return Table(("part of audit.service.inclusion_proof", "share of its time"), rows, caption)


def _pair(summary: object) -> str:
    p50 = getattr(summary, "p50", float("nan"))
    p99 = getattr(summary, "p99", float("nan"))
    return f"{micros(p50)} / {micros(p99)}"


def _dataset(results: ProofResults) -> tuple[str, ...]:
    sizes = results.sizes
    checks = []
    for item in results.series:
        verified = "all verified" if item.verified else "**some failed to verify**"
        same = ""
        if item.same_path is not None:
            same = (
                "; paths identical to pymerkle's after its leading leaf hash"
                if item.same_path
                else "; **paths differ from pymerkle's**"
            )
        checks.append(
            f"{item.kind} at {item.tree_size:,}: {verified} with `mamori.audit.merkle`{same}"
        )
    return (
        f"The {results.log_size:,}-entry log of figure 4 (mamori on SQLite, pymerkle's twin "
        "`SqliteTree`); proofs against the tree sizes "
        + ", ".join(f"{size:,}" for size in sizes.proof_sizes)
        + " (a log answers for any earlier size).",
        f"Per tree size, {sizes.proof_samples} inclusion proofs for leaf indices and "
        f"{sizes.proof_samples} consistency proofs from earlier sizes, drawn uniformly with seed "
        "20260101.",
        "Checks: " + "; ".join(checks) + ".",
    )


def _method(results: ProofResults) -> tuple[str, ...]:
    return (
        "mamori: `audit.service.inclusion_proof` / `consistency_proof`, each in its own "
        "`database.session()` as the API route runs it; a proof folds O(log n) stored subtree "
        "hashes fetched in one query. 'JSON bytes as served' is the route's response model "
        "(`InclusionOut` / `ConsistencyOut`: hashes in base64, with the leaf hash and roots).",
        "pymerkle: `prove_inclusion(index + 1, size)` / `prove_consistency(first, size)` on a "
        "freshly opened `SqliteTree`; its inclusion path starts with the leaf hash itself and its "
        "consistency path carries the hashes that rebuild both roots; sizes are "
        "`json.dumps(proof.serialize())` (hex digests, with its rule bits).",
        "Each series ran twice over the same requests: the first pass starts with pymerkle's "
        "subtree cache empty (it recomputes subtree roots from stored leaves, then caches them) "
        "and SQLite's page cache as the build left it; the second pass is warm for both.",
    )
