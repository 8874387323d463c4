"""A small HTTP load generator: client processes with keep-alive connections, on loopback.

Each client process holds one ``httpx.Client`` (one keep-alive connection), warms it
up, waits for a common start time, then sends requests one after another until it has
sent its share or the pass's time is up, timing each one.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import httpx

from bench.stats import percentile

WARM_UP = 5
START_DELAY = 0.25  # seconds for every (already started) client to reach the start line


@dataclass(frozen=True)
class Target:
    """What every request of a pass is."""

    base_url: str
    method: str
    path: str
    expected_status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class ClientRun:
    """What one client measured in one pass."""

    latencies: tuple[float, ...]
    unexpected: int
    finished_at: float


@dataclass(frozen=True)
class PassResult:
    """One pass of every client: requests per second and latency percentiles (seconds)."""

    requests: int
    rate: float
    p50: float
    p99: float
    unexpected: int


def client(target: Target, requests: int, start_at: float, seconds: float) -> ClientRun:
    """One client's share of a pass (runs in a worker process)."""
    latencies: list[float] = []
    unexpected = 0
    with httpx.Client(base_url=target.base_url, headers=dict(target.headers), timeout=30) as http:
        for _ in range(WARM_UP):
            _send(http, target)
        time.sleep(max(0.0, start_at - time.time()))
        deadline = start_at + seconds
        for _ in range(requests):
            before = time.perf_counter()
            status = _send(http, target)
            latencies.append(time.perf_counter() - before)
            unexpected += status != target.expected_status
            if time.time() >= deadline:
                break
    return ClientRun(tuple(latencies), unexpected, time.time())


def ready(seconds: float) -> bool:
    """Occupy a worker for a moment, so that the pool starts every one of them up front."""
    time.sleep(seconds)
    return True


def _send(http: httpx.Client, target: Target) -> int:
    response = http.request(target.method, target.path, json=target.body)
    return response.status_code


class LoadGenerator:
    """A pool of client processes, started once and reused for every pass."""

    def __init__(self, clients: int) -> None:
        self.clients = clients
        self._pool = ProcessPoolExecutor(max_workers=clients, mp_context=get_context("spawn"))
        # Start (and import into) every worker now, not inside the first timed pass.
        for started in [self._pool.submit(ready, 0.2) for _ in range(clients)]:
            started.result()

    def run(self, target: Target, requests_per_client: int, seconds: float) -> PassResult:
        """One pass: every client sends up to ``requests_per_client`` within ``seconds``."""
        start_at = time.time() + START_DELAY
        futures = [
            self._pool.submit(client, target, requests_per_client, start_at, seconds)
            for _ in range(self.clients)
        ]
        runs = [future.result() for future in futures]
        latencies = [value for run in runs for value in run.latencies]
        elapsed = max(run.finished_at for run in runs) - start_at
        return PassResult(
            requests=len(latencies),
            rate=len(latencies) / elapsed if elapsed > 0 else 0.0,
            p50=percentile(latencies, 50),
            p99=percentile(latencies, 99),
            unexpected=sum(run.unexpected for run in runs),
        )

    def close(self) -> None:
        """Stop the client processes."""
        self._pool.shutdown()

    def __enter__(self) -> LoadGenerator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
