"""Figure 4 as tables and notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.report import Figure, Table, TargetCheck, met, ratio
from bench.stats import median

if TYPE_CHECKING:
    from bench.verify_log import Timed, VerifyResults

TARGET_SECONDS = 60.0
TARGET_SIZE = 1_000_000


def figure(results: VerifyResults) -> Figure:
    """Figure 4 from its measurements."""
    size = results.log.size
    return Figure(
        title=f"Time to verify a {size:,}-entry log",
        summary=(
            "Verification recomputes every leaf hash from the entry's canonical bytes, checks each "
            "entry's index, folds the tree, checks every checkpoint's Ed25519 signature and root, "
            "and (for the database) compares every stored subtree hash that proofs are built from."
        ),
        tables=(_timings(results), _build(results)),
        dataset=_dataset(results),
        method=_method(results),
        targets=_targets(results),
    )


def _seconds(timed: Timed) -> float:
    return median(timed.seconds)


def _ok(timed: Timed) -> str:
    return "yes" if timed.ok else "**no**"


def _timings(results: VerifyResults) -> Table:
    full = results.log.size == TARGET_SIZE
    target = "< 60 s" if full else "— (smaller log)"

    def meets(timed: Timed) -> str:
        return met(_seconds(timed) < TARGET_SECONDS and timed.ok) if full else "—"

    file_peer, store_peer = results.peer_from_file, results.peer_from_store
    rows = (
        _row(
            "`verify_file` (mamori audit verify FILE)",
            results.from_file,
            target,
            meets(results.from_file),
            "InmemoryTree rebuilt from the export's entry bytes, get_root",
            file_peer,
        ),
        _row(
            "`verify_database` (live SQLite)",
            results.from_database,
            target,
            meets(results.from_database),
            "SqliteTree.get_root over its stored leaf hashes",
            store_peer,
        ),
    )
    headers = (
        "mamori",
        "seconds",
        "log intact",
        "target",
        "status",
        "pymerkle, closest equivalent",
        "seconds",
        "root matches",
        "mamori / pymerkle (time)",
    )
    return Table(headers, rows, "Median of the repetitions:")


def _row(
    label: str, ours: Timed, target: str, status: str, peer_label: str, peer: Timed
) -> tuple[str, ...]:
    return (
        label,
        f"{_seconds(ours):.1f}",
        _ok(ours),
        target,
        status,
        peer_label,
        f"{_seconds(peer):.1f}",
        _ok(peer),
        ratio(_seconds(ours), _seconds(peer)),
    )


def _build(results: VerifyResults) -> Table:
    log = results.log
    rows = (
        (
            "build the log (append_many, batches)",
            f"{log.build_seconds:.1f} s ({log.size / log.build_seconds:,.0f}/s)",
            f"{log.peer_build_seconds:.1f} s ({log.size / log.peer_build_seconds:,.0f}/s)",
            ratio(log.build_seconds, log.peer_build_seconds),
        ),
        (
            "export the log (export_log)",
            f"{results.export_seconds:.1f} s, {results.export_bytes / 1e6:,.0f} MB",
            "—",
            "—",
        ),
    )
    return Table(
        ("step", "mamori", "pymerkle", "mamori / pymerkle (time)"),
        rows,
        "Building and exporting it:",
    )


def _targets(results: VerifyResults) -> tuple[TargetCheck, ...]:
    if results.log.size != TARGET_SIZE:
        return ()
    return tuple(
        TargetCheck(
            f"time to verify a 1,000,000-entry log, {name}",
            f"{_seconds(timed):.1f} s",
            "< 60 s",
            _seconds(timed) < TARGET_SECONDS and timed.ok,
        )
        for name, timed in (
            ("export file", results.from_file),
            ("live database", results.from_database),
        )
    )


def _dataset(results: VerifyResults) -> tuple[str, ...]:
    log = results.log
    same = "identical" if log.roots_match else "**different**"
    return (
        f"{log.size:,} generated decision entries (the generator of figure 3, seed 20260101), "
        f"appended in batches of {results.sizes.log_batch:,} to a fresh SQLite log; the same "
        f"canonical bytes appended to a pymerkle `SqliteTree`. The two roots are {same}.",
        f"The export: {results.export_bytes:,} bytes ({results.export_bytes / log.size:,.0f} bytes "
        "per entry), JSON Lines with a header (public key, tree size, root), the signed checkpoint "
        "made for the export, and one line per entry.",
    )


def _method(results: VerifyResults) -> tuple[str, ...]:
    return (
        f"Each verification ran {_times(results.sizes.verify_repeats)} in this process, against "
        "the log's own public key; the medians are reported, and every run had to report the log "
        "intact (`VerifyReport.ok`).",
        "pymerkle offers no verifier of a log or an export; what it can do is recompute a root. "
        "Against the file: its entry bytes are sliced from each line (no JSON parsing, no index or "
        "signature checks) and appended to an `InmemoryTree`, whose root is compared with the "
        "export's signed root. Against the store: a freshly opened `SqliteTree` folds the leaf "
        "hashes it stored (no entry is rehashed). Both do less than mamori's verifiers.",
        "Single process, one core: neither verifier is parallel.",
    )


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"
