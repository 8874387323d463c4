"""Figure 2: gated API requests per second through the real HTTP server, on loopback.

``mamori serve`` runs in a child process over a data directory seeded with the demo
program; client processes send the gated ``POST /orgs/{org}/authorize`` (the route
engines call before each use) with the demo service key, and the same server's
public ``GET /health`` as the baseline, in alternating passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench import server
from bench.loadgen import WARM_UP, LoadGenerator, PassResult, Target
from bench.report import Figure, Table, micros, rate, ratio
from bench.sizes import Sizes
from bench.stats import median
from mamori.core.settings import load_settings
from mamori.demo import seed
from mamori.platform import open_platform

CAPABILITY = "anomaly.score"


@dataclass(frozen=True)
class RouteResult:
    """One route's passes, and their medians."""

    label: str
    gate: str
    passes: tuple[PassResult, ...]

    @property
    def rate(self) -> float:
        return median(item.rate for item in self.passes)

    @property
    def p50(self) -> float:
        return median(item.p50 for item in self.passes)

    @property
    def p99(self) -> float:
        return median(item.p99 for item in self.passes)

    @property
    def unexpected(self) -> int:
        return sum(item.unexpected for item in self.passes)

    @property
    def requests(self) -> int:
        return sum(item.requests for item in self.passes)


def run(sizes: Sizes, workdir: Path) -> Figure:
    """Serve a seeded data directory and load the gated and the public route in turn."""
    data_dir = workdir / "http"
    credentials = _seed(data_dir)
    gated_passes: list[PassResult] = []
    public_passes: list[PassResult] = []
    with server.running(data_dir) as (base_url, command), LoadGenerator(sizes.http_clients) as load:
        gated, public = _targets(base_url, credentials)
        for _ in range(sizes.repeats):
            public_passes.append(load.run(public, sizes.http_requests, sizes.http_seconds))
            gated_passes.append(load.run(gated, sizes.http_requests, sizes.http_seconds))
    gated_result = RouteResult(
        f'POST /orgs/{{org}}/authorize {{"capability": "{CAPABILITY}"}}',
        "authenticated service key, then Authorizer.authorize (logged)",
        tuple(gated_passes),
    )
    public_result = RouteResult(
        "GET /health", "public (runs SELECT 1 in a transaction)", tuple(public_passes)
    )
    return _figure(sizes, gated_result, public_result, command)


def _seed(data_dir: Path) -> seed.DemoCredentials:
    """Seed the demo program with the real clock (the server's keys must not have expired)."""
    platform = open_platform(load_settings(data_dir=data_dir, database_url=None))
    try:
        return seed.ensure_demo(platform)
    finally:
        platform.close()


def _targets(base_url: str, credentials: seed.DemoCredentials) -> tuple[Target, Target]:
    gated = Target(
        base_url=base_url,
        method="POST",
        path=f"/orgs/{credentials.org_id}/authorize",
        expected_status=200,
        headers=(("authorization", f"Bearer {credentials.api_key}"),),
        body={"capability": CAPABILITY},
    )
    return gated, Target(base_url=base_url, method="GET", path="/health", expected_status=200)


def _row(result: RouteResult) -> tuple[str, ...]:
    return (
        result.label,
        result.gate,
        rate(result.rate),
        micros(result.p50),
        micros(result.p99),
        f"{result.requests:,}",
        str(result.unexpected),
    )


def _figure(sizes: Sizes, gated: RouteResult, public: RouteResult, command: list[str]) -> Figure:
    return Figure(
        title="Gated API requests per second through the HTTP server",
        summary=(
            "The real server (`mamori serve`, uvicorn, one process) on 127.0.0.1 with the embedded "
            "SQLite store; every gated request authenticates the key, asks the one gate and "
            "appends its decision to the transparency log before answering. The baseline is "
            "the same server's public health route. There is no target for this figure: the "
            "figure is reported with the machine it ran on."
        ),
        tables=_tables(gated, public),
        dataset=(
            "A data directory seeded with the demo program (`mamori.demo.seed.ensure_demo`, real "
            "clock): the demo bank (tier verified) and its service key (role analyst; scopes "
            "anomaly.score, detection.hunt, intel.read, demo.read).",
            f"Gated request: `POST /orgs/<demo bank>/authorize` with body "
            f'`{{"capability": "{CAPABILITY}"}}` and `Authorization: Bearer <demo key>`; '
            "every one is allowed (200) and logged.",
        ),
        method=_method(sizes, command),
    )


def _tables(gated: RouteResult, public: RouteResult) -> tuple[Table, Table]:
    routes = Table(
        ("route", "gate", "requests/s", "p50", "p99", "requests sent", "unexpected status"),
        (_row(gated), _row(public)),
        "Median of the passes:",
    )
    ratios = Table(
        ("gated / public", "throughput", "p50 latency", "p99 latency"),
        (
            (
                "POST /orgs/{org}/authorize vs GET /health",
                ratio(gated.rate, public.rate),
                ratio(gated.p50, public.p50),
                ratio(gated.p99, public.p99),
            ),
        ),
    )
    return routes, ratios


def _method(sizes: Sizes, command: list[str]) -> tuple[str, ...]:
    return (
        f"Server: `{' '.join(_display(command))}` (single uvicorn process, access log off, "
        "log level warning).",
        f"Load: {sizes.http_clients} client processes (Python, `httpx.Client`, one keep-alive "
        f"connection each, {WARM_UP} warm-up requests), each sending requests back to back, up "
        f"to {sizes.http_requests:,} per pass or {sizes.http_seconds:.0f} s, whichever comes "
        "first; throughput is all clients' requests over the pass's wall time from a common "
        "start.",
        f"{sizes.repeats} passes per route, the two routes alternating; medians reported. "
        "Clients and server share the machine's cores, so the client side's own cost is in "
        "both figures; the ratio is the fairer number.",
    )


def _display(command: list[str]) -> list[str]:
    """The command as a user would type it: ``mamori`` for the script, no port number."""
    shown = ["mamori", *command[1:]] if command and Path(command[0]).name == "mamori" else command
    return [*shown[:-1], "<free port>"] if len(shown) > 1 and shown[-2] == "--port" else shown
