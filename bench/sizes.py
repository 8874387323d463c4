"""How much each benchmark does: the full run, ``--quick`` and the smoke test's tiny one."""

from __future__ import annotations

from dataclasses import dataclass

SEED = 20260101
"""Every generated data set (request mix, log entries, proof indices) is drawn with it."""


@dataclass(frozen=True)
class Sizes:
    """How much data each figure runs on, and how many times."""

    name: str
    repeats: int
    decisions: int  # requests per pass of the policy evaluation (mix and hot path)
    authorizations: int  # requests per pass of the full Authorizer.authorize
    http_clients: int  # client processes of the load generator
    http_requests: int  # requests per client per pass (the pass also stops at http_seconds)
    http_seconds: float
    appends_batched: int  # entries per pass, appended in batches of append_batch
    append_batch: int
    appends_single: int  # entries per pass, one transaction each
    log_entries: int  # the large log that is exported, verified and proven from
    log_batch: int
    verify_repeats: int
    proof_sizes: tuple[int, ...]
    proof_samples: int  # proofs timed per tree size


FULL = Sizes(
    name="full",
    repeats=5,
    decisions=2_000,
    authorizations=1_000,
    http_clients=4,
    http_requests=2_500,
    http_seconds=8.0,
    appends_batched=100_000,
    append_batch=1_000,
    appends_single=1_000,
    log_entries=1_000_000,
    log_batch=10_000,
    verify_repeats=3,
    proof_sizes=(1_000, 1_000_000),
    proof_samples=25,
)

QUICK = Sizes(
    name="quick",
    repeats=3,
    decisions=500,
    authorizations=200,
    http_clients=2,
    http_requests=300,
    http_seconds=3.0,
    appends_batched=10_000,
    append_batch=1_000,
    appends_single=200,
    log_entries=20_000,
    log_batch=5_000,
    verify_repeats=1,
    proof_sizes=(1_000, 20_000),
    proof_samples=50,
)

TINY = Sizes(
    name="tiny",
    repeats=1,
    decisions=40,
    authorizations=20,
    http_clients=1,
    http_requests=20,
    http_seconds=1.0,
    appends_batched=300,
    append_batch=100,
    appends_single=20,
    log_entries=600,
    log_batch=200,
    verify_repeats=1,
    proof_sizes=(100, 600),
    proof_samples=5,
)

BY_NAME = {sizes.name: sizes for sizes in (FULL, QUICK, TINY)}
