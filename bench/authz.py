"""Figure 1: authorization decisions per second in process, and their latency.

(a) the Cedar decision alone, on requests whose facts were read beforehand: every request
evaluated by Cedar (``PolicyEngine.evaluate``), and as shipped (``PolicyEngine.decide``,
with its memo); (b) the gate's decision with the database work it needs, inside one open
transaction: the facts read, the quota counted, Cedar (``Authorizer`` up to, not
including, the log append); (c) the whole gate, ``Authorizer.authorize``: (b) in its own
transaction, plus the decision appended to the transparency log and committed. (b) and
(c) on SQLite and on PostgreSQL. The peer, pycasbin, decides the same requests from the
same facts with an equivalent model (:mod:`bench.peer_casbin`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bench import authz_report, mix, peer_casbin, postgres
from bench.profiling import shares
from bench.report import Figure
from bench.sizes import SEED, Sizes
from bench.stats import Summary, summarize, time_each
from bench.world import World, open_world
from mamori.access.capabilities import CAPABILITIES
from mamori.access.errors import AccessDeniedError
from mamori.access.models import Principal, Resource
from mamori.access.policy.engine import PolicyEngine
from mamori.access.policy.loader import load_policies

T = TypeVar("T")
Call = tuple[Principal, str, Resource]

_PROFILE_PARTS = {
    "audit append (audit.service.append_many)": ("audit/service.py", "append_many"),
    "facts read (policy.repository.read_facts)": ("policy/repository.py", "read_facts"),
    "quota count (control.quotas.count_use)": ("control/quotas.py", "count_use"),
    "Cedar decision (PolicyEngine.decide)": ("policy/engine.py", "decide"),
    "transaction begin and commit (Database.session)": ("store/engine.py", "session"),
}


MIX = "(a) Cedar evaluation, request mix"
HOT = "(a) Cedar evaluation, hot path (service key, anomaly.score, own organization)"
SHIPPED = "(a) PolicyEngine.decide as shipped, request mix (decision memo)"
DECISION = "(b) Authorizer decision with its database reads, one open transaction, on "
GATE = "(c) Authorizer.authorize, one transaction and one log entry each, on "
# How far the clock moves between two requests in (b) and (c): as if 20,000 a second came.
TICK = 50e-6


@dataclass(frozen=True)
class Measured:
    """One measured series: what it was, and its median throughput and latencies."""

    label: str
    summary: Summary


@dataclass(frozen=True)
class AuthzResults:
    """Everything figure 1 reports."""

    sizes: Sizes
    distinct: int
    allowed_share: float
    agreement: tuple[int, int]
    ours: list[Measured]
    decisions: list[Measured]
    full: list[Measured]
    peers: list[Measured]
    profile: dict[str, float]
    postgres_note: str


def run(sizes: Sizes, workdir: Path, postgres_url: str | None, postgres_note: str) -> Figure:
    """Measure (a), (b), (c) and the peer on one seeded world, and (b), (c) on PostgreSQL."""
    world = open_world(workdir / "authz-sqlite")
    try:
        asks = mix.draw(world, sizes.decisions, SEED)
        prepared = mix.prepare(world, asks)
        hot = mix.prepare(world, [mix.Ask(*mix.HOT_PATH)] * sizes.decisions)
        ours = _cedar_series(world, prepared, hot, sizes.repeats)
        peers = _peer_series(world, prepared, hot, sizes.repeats)
        agreement, allowed = _agreement(world, mix.prepare(world, mix.combinations(world)))
        gated = asks[: sizes.authorizations]
        decisions = [_decision_series("SQLite", world, asks, sizes.repeats)]
        full = [_authorize_series("SQLite", world, gated, sizes.repeats)]
        profile = shares(
            lambda: _authorize_all(world, gated), ("policy/service.py", "authorize"), _PROFILE_PARTS
        )
    finally:
        world.close()
    on_postgres = _postgres_series(sizes, workdir, postgres_url, asks)
    results = AuthzResults(
        sizes=sizes,
        distinct=agreement[1],
        allowed_share=allowed,
        agreement=agreement,
        ours=ours,
        decisions=decisions + on_postgres[:1],
        full=full + on_postgres[1:],
        peers=peers,
        profile=profile,
        postgres_note=postgres_note,
    )
    return authz_report.figure(results)


def _cedar_series(
    world: World, prepared: Sequence[mix.Prepared], hot: Sequence[mix.Prepared], repeats: int
) -> list[Measured]:
    """Cedar on every request (what a memo miss costs), then the engine as shipped."""
    evaluating = PolicyEngine(load_policies())
    uncached = PolicyEngine(load_policies(), cache_size=0)
    shipped = _engine(world)
    mixed = [item.cedar for item in prepared]
    hot_requests = [item.cedar for item in hot]
    return [
        Measured(MIX, _passes(evaluating.evaluate, mixed, repeats)),
        Measured(HOT, _passes(evaluating.evaluate, hot_requests, repeats)),
        Measured(
            "(a) Cedar evaluation, request mix, entity cache off too (entities parsed each call)",
            _passes(uncached.evaluate, mixed, repeats),
        ),
        Measured(SHIPPED, _passes(shipped.decide, [item.inputs for item in prepared], repeats)),
    ]


def _peer_series(
    world: World, prepared: Sequence[mix.Prepared], hot: Sequence[mix.Prepared], repeats: int
) -> list[Measured]:
    mixed = _peer_requests(world, prepared)
    hot_requests = _peer_requests(world, hot)
    series: list[Measured] = []
    for compile_once, name in ((False, "stock FastEnforcer"), (True, "matcher parsed once")):
        peer = peer_casbin.enforcer(list(world.principals.values()), compile_once=compile_once)

        def decide(request: peer_casbin.PeerRequest, peer: object = peer) -> object:
            return peer.enforce(*request)  # type: ignore[attr-defined]

        series.append(Measured(f"pycasbin, {name}, request mix", _passes(decide, mixed, repeats)))
        series.append(
            Measured(f"pycasbin, {name}, hot path", _passes(decide, hot_requests, repeats))
        )
    return series


def _peer_requests(world: World, prepared: Sequence[mix.Prepared]) -> list[peer_casbin.PeerRequest]:
    now = int(world.clock.now().timestamp())
    max_age = world.platform.settings.mfa_fresh_seconds
    return [peer_casbin.peer_request(item, max_age, now) for item in prepared]


def _agreement(world: World, every: Sequence[mix.Prepared]) -> tuple[tuple[int, int], float]:
    """How many of the mix's combinations Cedar and the peer decide alike; the allowed share."""
    engine = _engine(world)
    peer = peer_casbin.enforcer(list(world.principals.values()), compile_once=True)
    ours = [engine.evaluate(item.cedar).allowed for item in every]
    theirs = [bool(peer.enforce(*request)) for request in _peer_requests(world, every)]
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    return (same, len(every)), sum(ours) / len(every)


def _engine(world: World) -> PolicyEngine:
    engine = world.platform.authorizer.engine
    if engine is None:
        raise RuntimeError(f"the policies did not load: {world.platform.authorizer.load_error}")
    return engine


def _calls(world: World, asks: Sequence[mix.Ask]) -> list[Call]:
    return [
        (world.principals[ask.principal], ask.capability, world.resources[ask.resource])
        for ask in asks
    ]


def _decision_series(
    database: str, world: World, asks: Sequence[mix.Ask], repeats: int
) -> Measured:
    """What ``Authorizer.decide`` does before it appends to the log: the facts read, the
    quota counted (and taken back on a deny), Cedar, the verdict; in one open transaction."""
    authorizer = world.platform.authorizer
    engine = _engine(world)
    with world.platform.database.session() as session:

        def decide(call: Call) -> object:
            world.clock.advance(TICK)
            principal, action, resource = call
            capability = CAPABILITIES[action]
            now = world.clock.now()
            return authorizer._evaluate(session, engine, principal, capability, resource, now)

        summary = _passes(decide, _calls(world, asks), repeats)
    return Measured(DECISION + database + ", request mix", summary)


def _authorize_series(
    database: str, world: World, asks: Sequence[mix.Ask], repeats: int
) -> Measured:
    authorizer = world.platform.authorizer

    def decide(call: Call) -> None:
        world.clock.advance(TICK)
        # A deny is a decision too: logged, then raised.
        with contextlib.suppress(AccessDeniedError):
            authorizer.authorize(*call)

    summary = _passes(decide, _calls(world, asks), repeats)
    return Measured(GATE + database + ", request mix", summary)


def _authorize_all(world: World, asks: Sequence[mix.Ask]) -> None:
    for call in _calls(world, asks):
        with contextlib.suppress(AccessDeniedError):
            world.platform.authorizer.authorize(*call)


def _postgres_series(
    sizes: Sizes, workdir: Path, url: str | None, asks: Sequence[mix.Ask]
) -> list[Measured]:
    """(b) and (c) on PostgreSQL, in that order; none without a server."""
    if url is None:
        return []
    with postgres.fresh_schema(url) as schema_url:
        # The same asks by name: the seeded world is the same, only its ids differ.
        world = open_world(workdir / "authz-postgres", schema_url)
        try:
            return [
                _decision_series("PostgreSQL", world, asks, sizes.repeats),
                _authorize_series("PostgreSQL", world, asks[: sizes.authorizations], sizes.repeats),
            ]
        finally:
            world.close()


def _passes(operation: Callable[[T], object], items: Sequence[T], repeats: int) -> Summary:
    operation(items[0])  # warm up first-use parsing and caches
    return summarize([time_each(operation, items) for _ in range(repeats)])
