"""Figure 1 as tables and notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.report import Figure, Table, TargetCheck, met, micros, rate, ratio

if TYPE_CHECKING:
    from bench.authz import AuthzResults, Measured

TARGET_RATE = 20_000.0
TARGET_P99 = 1e-3
TARGET_TEXT = "≥ 20,000/s, p99 < 1 ms"


def figure(results: AuthzResults) -> Figure:
    """Figure 1 from its measurements."""
    return Figure(
        title="Authorization decisions per second, in process",
        summary=(
            "(a) is the policy decision alone: mamori's Cedar engine on requests whose "
            "facts were read beforehand, every one evaluated; one row shows the engine's "
            "evaluation memo answering a request it has just seen. (b) is the whole gate as "
            "every route calls it: facts read in a transaction, the quota counted, Cedar, the "
            "decision appended to the transparency log, commit. The peer decides the same "
            "requests from the same facts. The targets are checked against the request mix, "
            "every request evaluated, and against (b) on SQLite."
        ),
        tables=(_ours(results), _peers(results), _profile(results)),
        dataset=_dataset(results),
        method=_method(results),
        targets=_targets(results),
    )


def _meets(item: Measured) -> bool:
    return item.summary.rate >= TARGET_RATE and item.summary.p99 < TARGET_P99


def _ours(results: AuthzResults) -> Table:
    rows = tuple(
        (
            item.label,
            rate(item.summary.rate),
            micros(item.summary.p50),
            micros(item.summary.p99),
            TARGET_TEXT,
            met(_meets(item)),
        )
        for item in results.ours + results.full
    )
    headers = ("mamori", "decisions/s", "p50", "p99", "target", "status")
    return Table(headers, rows, "mamori (median of the passes):")


def _peers(results: AuthzResults) -> Table:
    mixed, hot = results.ours[0], results.ours[1]
    sqlite = results.full[0]
    rows = []
    for item in results.peers:
        same = hot if "hot path" in item.label else mixed
        rows.append(
            (
                item.label,
                rate(item.summary.rate),
                micros(item.summary.p50),
                micros(item.summary.p99),
                ratio(same.summary.rate, item.summary.rate),
                ratio(sqlite.summary.rate, item.summary.rate),
            )
        )
    headers = (
        "peer, same requests",
        "decisions/s",
        "p50",
        "p99",
        "(a) / peer",
        "(b) SQLite / peer",
    )
    return Table(headers, tuple(rows), "Peer, measured in the same run (throughput ratios):")


def _profile(results: AuthzResults) -> Table:
    rows = tuple(
        (part, f"{share:.0%}")
        for part, share in sorted(results.profile.items(), key=lambda item: -item[1])
    )
    caption = (
        "Where (b) spends its time on SQLite (cProfile, one pass; the session row is its "
        "begin and commit, the rest is the gate's own Python):"
    )
    return Table(("part of Authorizer.authorize", "share of its time"), rows, caption)


def _targets(results: AuthzResults) -> tuple[TargetCheck, ...]:
    mixed, sqlite = results.ours[0], results.full[0]
    return (
        TargetCheck(
            "decisions/s in process, (a) Cedar evaluation",
            f"{rate(mixed.summary.rate)}, p99 {micros(mixed.summary.p99)}",
            TARGET_TEXT,
            _meets(mixed),
        ),
        TargetCheck(
            "decisions/s in process, (b) full Authorizer.authorize on SQLite",
            f"{rate(sqlite.summary.rate)}, p99 {micros(sqlite.summary.p99)}",
            TARGET_TEXT,
            _meets(sqlite),
        ),
    )


def _dataset(results: AuthzResults) -> tuple[str, ...]:
    sizes = results.sizes
    same, total = results.agreement
    return (
        "The demo program seeded through mamori's services (`mamori.demo.seed`), plus a second "
        "organization that applied and is still `registered`, sign-ins with a fresh second factor "
        "for every demo login and one stale one, and an emergency stop on `intel.share`: "
        "10 principals (service key, six people, stale org admin, registered-org admin, "
        "anonymous) and 4 resources (the program, the bank, the other organization, the bank's "
        "unverified asset).",
        f"Request mix: {sizes.decisions:,} requests per pass drawn uniformly with seed 20260101 "
        f"from all {total} (principal, capability, resource) combinations, each capability "
        f"paired with the resources of its kind; {results.allowed_share:.0%} of the "
        "combinations are allowed. Hot path: one allowed request repeated.",
        f"(b) replays the first {sizes.authorizations:,} requests of the mix per pass; every "
        "one appends a log entry.",
        f"The peer agreed with Cedar on {same} of the {total} combinations.",
    )


def _method(results: AuthzResults) -> tuple[str, ...]:
    sizes = results.sizes
    return (
        f"{sizes.repeats} passes after one warm-up call; throughput is requests over the "
        "pass's wall time; p50 and p99 are per call (`time.perf_counter`); each figure is the "
        "median over the passes. One thread, one process.",
        "(a) calls `PolicyEngine.evaluate` on the `CedarRequest` that "
        "`mamori.access.policy.request.build_request` makes from the facts "
        "`policy.repository.read_facts` read (with the quota usage) — what `authorize()` "
        "evaluates. The engine keeps parsed entities per distinct principal and resource, and "
        "memoizes whole evaluations keyed by the request (facts and time, to the second). The "
        "'Cedar evaluation' rows use an engine with the memo off (`memo_size=0`), so every "
        "request is evaluated; 'entity cache off' parses the entities on every call too; 'as "
        "shipped' is the authorizer's own engine answering a request it has seen in the same "
        "second (the benchmark's clock stands still), i.e. from the memo.",
        "(b) calls `Authorizer.authorize(principal, capability, resource)` of the platform "
        "(`open_platform`), catching the denial it raises. SQLite in WAL mode as mamori "
        f"configures it, on a file in a temporary directory. PostgreSQL: {results.postgres_note} "
        "The seeded world's clock stands still, so a combination seen before is evaluated from "
        "the memo, as repeats within one second are in production.",
        "Peer: pycasbin's `FastEnforcer` with an RBAC-with-domains model whose grants come from "
        "mamori's `roles.cedar` permits and whose matcher has one guard per Cedar forbid "
        "(`bench/peer_casbin.py`); grants are indexed by (capability, domain). Stock pycasbin "
        "parses its matcher anew on every `enforce`; the 'matcher parsed once' rows subclass "
        "the enforcer to keep it, the peer at its best. A small subclass of `FastModel` works "
        "around pycasbin 2.8 losing every role definition after `g`.",
        "The peer holds everything in memory, memoizes nothing and writes nothing: compare it "
        "with the 'Cedar evaluation' rows of (a); (b) adds database reads, a durable log "
        "append and a commit per decision.",
    )
