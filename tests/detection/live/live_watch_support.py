"""Building blocks for the live-detection tests: rules in a folder, a collecting sink, a
watcher running in a thread, and polling with a deadline instead of fixed sleeps."""

from __future__ import annotations

import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mamori.demo.logs import DEMO_LOGS
from mamori.detection.live import Watcher, WatchOptions, WatchStats
from mamori.detection.live.source import LiveSource
from mamori.detection.models import Alert
from mamori.detection.ruleset import open_hunt

AUTH_LOG = DEMO_LOGS / "linux-auth.log"
SSH_EXHAUSTED = "ea2b75cc-361e-4499-800f-5b887a73fc4d"
SUDO_FAILURES = "794b5daa-fa53-4b09-90c2-869eecc5ca65"
LOGIN_FAILED = "0b4c7c52-4d44-4f0e-9a0e-0f5f4f6d2a11"
FAILURE_BURST = "6a3e1f0e-2b1d-4d53-8b7e-3f3c1d9b2e77"

_LOGIN_RULES = """
title: Failed Login
id: 0b4c7c52-4d44-4f0e-9a0e-0f5f4f6d2a11
name: failed_login
logsource:
  product: linux
detection:
  selection:
    action: login_failed
  condition: selection
level: low
---
title: Three Failed Logins For One User
id: 6a3e1f0e-2b1d-4d53-8b7e-3f3c1d9b2e77
correlation:
  type: event_count
  rules:
    - failed_login
  group-by:
    - user
  timespan: 1m
  condition:
    gte: 3
  generate: true
level: high
"""


def login_rules(folder: Path) -> Path:
    """A folder with a rule on JSON ``action: login_failed`` events and a correlation rule
    that fires on three of them for one user within a minute (the base rule's own alerts are
    shown too)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logins.yml").write_text(textwrap.dedent(_LOGIN_RULES).lstrip(), "utf-8")
    return folder


def auth_lines(contains: str) -> list[bytes]:
    """The lines of the demo's linux-auth.log that contain ``contains``."""
    return [line for line in AUTH_LOG.read_bytes().splitlines() if contains.encode("utf-8") in line]


def login_event(user: str, second: int, action: str = "login_failed") -> bytes:
    """One JSON line of a login event ``second`` seconds after 09:00 UTC."""
    stamp = f"2026-03-02T09:{second // 60:02d}:{second % 60:02d}Z"
    return (
        f'{{"timestamp": "{stamp}", "host": "app-1", "user": "{user}", "action": "{action}"}}'
    ).encode()


class Collected:
    """A thread-safe alert sink that tests can wait on."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []
        self._changed = threading.Condition()

    def __call__(self, alert: Alert) -> None:
        with self._changed:
            self.alerts.append(alert)
            self._changed.notify_all()

    def wait_for(
        self, predicate: Callable[[list[Alert]], bool], timeout: float = 5.0
    ) -> list[Alert]:
        """The alerts once ``predicate`` holds for them; fails after ``timeout`` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self.alerts), timeout):
                raise AssertionError(f"timed out; alerts so far: {self._summary()}")
            return list(self.alerts)

    def of(self, rule_id: str) -> list[Alert]:
        """The alerts of one rule so far."""
        with self._changed:
            return [alert for alert in self.alerts if alert.rule_id == rule_id]

    def _summary(self) -> list[tuple[str, str, int | None]]:
        return [(a.rule_id, a.source_file, a.record_id) for a in self.alerts]


def count_of(rule_id: str, count: int) -> Callable[[list[Alert]], bool]:
    """A predicate: at least ``count`` alerts of ``rule_id``."""
    return lambda alerts: sum(alert.rule_id == rule_id for alert in alerts) >= count


class Running:
    """A watcher running in a background thread."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.stats: WatchStats | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.stats = self.watcher.run()
        except BaseException as exc:
            self.error = exc

    def finish(self, timeout: float = 5.0) -> WatchStats:
        """Stop the watcher and return its counts."""
        self.watcher.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the watcher did not stop"
        if self.error is not None:
            raise self.error
        assert self.stats is not None
        return self.stats


@contextmanager
def watching(
    sources: list[LiveSource],
    cache_dir: Path,
    rules: list[Path] | None = None,
    options: WatchOptions | None = None,
) -> Iterator[tuple[Running, Collected]]:
    """A started watcher over ``sources`` (mamori's starter rules unless ``rules``), running
    in a thread until the block ends."""
    hunt, _, problems = open_hunt(rules or [], cache_dir=cache_dir)
    assert not problems, problems
    collected = Collected()
    watcher = Watcher(hunt, sources, collected, options or WatchOptions(batch_ms=20))
    watcher.start()
    running = Running(watcher)
    running.thread.start()
    try:
        yield running, collected
    finally:
        if running.thread.is_alive():
            running.finish()


def eventually(check: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
    """Poll ``check`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.01)


class LineLog:
    """A real :class:`~mamori.detection.live.source.LineSink` that records what it is given."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, object]] = []
        self._changed = threading.Condition()

    def lines(self, source: str, lines: list[bytes]) -> bool:
        self._add(("lines", source, lines))
        return True

    def restart(self, source: str) -> bool:
        self._add(("restart", source, None))
        return True

    def end(self, source: str, reason: str | None) -> None:
        self._add(("end", source, reason))

    def received(self) -> list[bytes]:
        """Every line so far, in order."""
        with self._changed:
            chunks = [got for kind, _, got in self.items if kind == "lines"]
        return [line for chunk in chunks for line in chunk]  # type: ignore[attr-defined]

    def kinds(self) -> list[str]:
        """The kind of every item so far (``lines``, ``restart``, ``end``)."""
        with self._changed:
            return [kind for kind, _, _ in self.items]

    def wait_lines(self, expected: list[bytes], timeout: float = 5.0) -> None:
        """Wait until exactly ``expected`` lines have arrived (fails on timeout or extras)."""
        eventually(lambda: len(self.received()) >= len(expected), timeout, f"lines {expected}")
        assert self.received() == expected

    def _add(self, item: tuple[str, str, object]) -> None:
        with self._changed:
            self.items.append(item)
            self._changed.notify_all()
