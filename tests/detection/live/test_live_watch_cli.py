"""``mamori watch`` as a user runs it (``python -m mamori watch``): stdin to its end, a
followed file stopped by SIGTERM, a syslog listener stopped by Ctrl-C, and usage errors."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import typer
from live_watch_support import (
    AUTH_LOG,
    FAILURE_BURST,
    LOGIN_FAILED,
    SSH_EXHAUSTED,
    SUDO_FAILURES,
    auth_lines,
    eventually,
    login_event,
    login_rules,
)
from typer.testing import CliRunner

from mamori.cli.watch import watch


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAMORI_")}
    env["MAMORI_DATA_DIR"] = str(tmp_path / "data")
    return env


def _watch(tmp_path: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mamori", "watch", "--cache-dir", str(tmp_path / "cache"), *args],
        input=stdin.decode("utf-8"),
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class _Started:
    """``mamori watch`` running in the background, its stderr read line by line."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mamori", "watch", "--cache-dir", str(tmp_path / "cache"),
             *args],
            env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert self.process.stderr is not None
        self.reader = threading.Thread(target=self._read, args=(self.process.stderr,), daemon=True)
        self.reader.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.put(line)

    def wait_stderr(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """The first stderr line that matches ``pattern``; fails at once if the command ends."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None and not self.reader.is_alive():
                    break
                continue
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        self.process.kill()
        raise AssertionError(f"no {pattern!r} on stderr; got {''.join(self.seen)}")

    def stop(self, sig: int) -> tuple[int, str, str]:
        """Send ``sig``; the exit code, stdout, and all of stderr."""
        self.process.send_signal(sig)
        assert self.process.stdout is not None
        out = self.process.stdout.read()
        self.process.wait(timeout=30)
        self.reader.join(timeout=10)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.process.returncode, out, "".join(self.seen)


def test_stdin_to_its_end_gives_the_starter_alerts_and_exit_0(tmp_path: Path) -> None:
    done = _watch(tmp_path, "--stdin", stdin=AUTH_LOG.read_bytes())
    assert done.returncode == 0, done.stderr
    alerts = _jsonl(done.stdout)
    rules = [alert["rule_id"] for alert in alerts]
    assert rules.count(SSH_EXHAUSTED) == 8 and rules.count(SUDO_FAILURES) == 4
    assert {alert["source_file"] for alert in alerts} == {"<stdin>"}
    assert "watch stopped: 122 lines, 122 events, 12 alerts" in done.stderr
    assert "Top rules" in done.stderr


def test_a_malformed_line_on_stdin_is_reported_and_skipped(tmp_path: Path) -> None:
    rules = login_rules(tmp_path / "rules")
    lines = login_event("ann", 1) + b"\n{not json\n" + login_event("bob", 2) + b"\n"
    done = _watch(tmp_path, "--stdin", "-r", str(rules), "--log-format", "json", stdin=lines)
    assert done.returncode == 0, done.stderr
    users = [alert["event"]["user"] for alert in _jsonl(done.stdout)]
    assert users == ["ann", "bob"]
    assert re.search(r"read problem: <stdin>:line 2: ", done.stderr)
    assert "1 read problems" in done.stderr


def test_a_followed_file_alerts_as_it_grows_and_sigterm_stops_cleanly(tmp_path: Path) -> None:
    rules = login_rules(tmp_path / "rules")
    log = tmp_path / "events.jsonl"
    log.write_bytes(login_event("old", 1) + b"\n")  # before the watch: not read by default
    out = tmp_path / "alerts.jsonl"
    out.write_text("", "utf-8")
    watch = _Started(tmp_path, str(log), "-r", str(rules), "-o", str(out))
    watch.wait_stderr(r"^watching .*events\.jsonl")
    with log.open("ab") as handle:
        for second in (10, 20):
            handle.write(login_event("eve", second) + b"\n")
    eventually(lambda: len(_jsonl(out.read_text("utf-8"))) == 2, 30, "two alerts in the file")
    with log.open("ab") as handle:
        handle.write(login_event("eve", 30) + b"\n")
    eventually(lambda: len(_jsonl(out.read_text("utf-8"))) == 4, 30, "the correlation alert")
    code, stdout, stderr = watch.stop(signal.SIGTERM)
    assert code == 0, stderr
    rules_seen = [alert["rule_id"] for alert in _jsonl(out.read_text("utf-8"))]
    assert rules_seen.count(LOGIN_FAILED) == 3 and rules_seen.count(FAILURE_BURST) == 1
    assert "old" not in out.read_text("utf-8")
    assert stdout == ""
    assert "watch stopped: 3 lines, 3 events, 4 alerts" in stderr


def test_a_syslog_listener_on_an_ephemeral_port_stops_on_ctrl_c(tmp_path: Path) -> None:
    watch = _Started(tmp_path, "--syslog", "--port", "0")
    found = watch.wait_stderr(r"udp://127\.0\.0\.1:(\d+), tcp://127\.0\.0\.1:(\d+)")
    udp_port, tcp_port = int(found.group(1)), int(found.group(2))
    exhausted = auth_lines("maximum authentication attempts exceeded")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.sendto(exhausted[0], ("127.0.0.1", udp_port))
    with socket.create_connection(("127.0.0.1", tcp_port)) as client:
        client.sendall(b"".join(str(len(m)).encode() + b" " + m for m in exhausted[1:]))
    assert watch.process.stdout is not None
    alerts = [json.loads(watch.process.stdout.readline()) for _ in exhausted]
    code, stdout, stderr = watch.stop(signal.SIGINT)
    assert code == 0, stderr
    assert {alert["rule_id"] for alert in alerts} == {SSH_EXHAUSTED}
    assert {alert["source_file"] for alert in alerts} == {
        f"udp://127.0.0.1:{udp_port}",
        f"tcp://127.0.0.1:{tcp_port}",
    }
    assert "watch stopped: 4 lines, 4 events, 4 alerts" in stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(watch)
    runner = CliRunner()
    cache = ["--cache-dir", str(tmp_path / "cache")]
    nothing = runner.invoke(app, cache)
    assert nothing.exit_code == 2 and "nothing to watch" in nothing.output
    bad_format = runner.invoke(app, [*cache, "--stdin", "--log-format", "evtx"])
    assert bad_format.exit_code == 2 and "evtx" in bad_format.output
    bad_level = runner.invoke(app, [*cache, "--stdin", "--min-level", "loud"])
    assert bad_level.exit_code == 2 and "unknown level" in bad_level.output
