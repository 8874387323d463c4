"""``mamori watch``: live Sigma detection on followed files, a syslog listener and stdin.

Alerts are written as they are raised (JSON Lines by default, one per line, flushed at once);
Ctrl-C or SIGTERM stops the watch cleanly: correlation is flushed and a summary printed on
stderr. Exit codes: 0 the watch ended (stopped, or every source reached its end); 2 bad usage
(nothing to watch, unknown format or level, a broken rule with ``--strict``); 3 any other
error (the syslog port is taken, or a source failed while being read).
"""

from __future__ import annotations

import enum
import ipaddress
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import NoReturn, TextIO

import typer

from mamori.cli.common import EXIT_ERROR, EXIT_USAGE, reported_errors
from mamori.detection.errors import RuleError
from mamori.detection.live import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    FileTail,
    LiveSource,
    StreamSource,
    Watcher,
    WatchOptions,
    WatchSourceError,
    WatchStats,
    listeners,
)
from mamori.detection.live.syslog import Transport
from mamori.detection.models import Alert, Level
from mamori.detection.outputs import (
    HuntSummary,
    OutputFormat,
    SummaryBuilder,
    render_summary,
    writer_for,
)
from mamori.detection.ruleset import open_hunt
from mamori.events.errors import UnknownFormatError
from mamori.events.models import DEFAULT_MAX_LINE_BYTES

LEVELS = [level.label for level in Level]


class WatchFormat(enum.StrEnum):
    """The outputs that can be written one alert at a time."""

    JSONL = "jsonl"
    TABLE = "table"


class SyslogTransport(enum.StrEnum):
    """Which syslog listeners to open."""

    BOTH = "both"
    UDP = "udp"
    TCP = "tcp"


_TRANSPORTS: dict[SyslogTransport, tuple[Transport, ...]] = {
    SyslogTransport.BOTH: ("udp", "tcp"),
    SyslogTransport.UDP: ("udp",),
    SyslogTransport.TCP: ("tcp",),
}


def watch(
    files: list[Path] = typer.Argument(None, help="Log files to follow (like tail -F)."),
    stdin: bool = typer.Option(False, "--stdin", help="Read lines from stdin until it ends."),
    syslog: bool = typer.Option(False, "--syslog", help="Listen for syslog on UDP and TCP."),
    bind: str = typer.Option(
        DEFAULT_HOST, "--bind", help="Address to listen on; 0.0.0.0 opens it to the network."
    ),
    port: int = typer.Option(DEFAULT_PORT, "--port", min=0, max=65535, help="Syslog port."),
    transport: SyslogTransport = typer.Option(
        SyslogTransport.BOTH, help="Syslog over udp, tcp or both."
    ),
    from_start: bool = typer.Option(
        False, "--from-start", help="Read what the files already hold (default: new lines)."
    ),
    rules: list[Path] = typer.Option(
        [], "--rules", "-r", help="Sigma rule file or folder (repeatable); default: starter."
    ),
    fmt: WatchFormat = typer.Option(WatchFormat.JSONL, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Append alerts to this file."),
    strict: bool = typer.Option(False, help="Refuse to run when any rule fails to load."),
    log_format: str | None = typer.Option(
        None, "--log-format", help="Line format of every source (json, syslog, zeek, cef)."
    ),
    min_level: str = typer.Option(
        "informational", help=f"Report alerts at this level and above: {', '.join(LEVELS)}."
    ),
    batch_lines: int = typer.Option(500, min=1, help="Match once this many lines wait."),
    batch_ms: int = typer.Option(200, min=1, help="... or once the first waited this long."),
    max_line_bytes: int = typer.Option(
        DEFAULT_MAX_LINE_BYTES, min=1, help="Longer lines are skipped and counted."
    ),
    cache_dir: Path | None = typer.Option(
        None, help="Where compiled rules are cached (default: ~/.cache/mamori/rules)."
    ),
) -> None:
    """Watch live logs with Sigma rules; alerts to stdout or --output as they happen."""
    floor = _level(min_level)
    options = WatchOptions(
        batch_lines=batch_lines, batch_ms=batch_ms, format=log_format, max_line_bytes=max_line_bytes
    )
    sources = _sources(files or [], stdin, syslog, bind, port, transport, from_start, options)
    with reported_errors():
        try:
            hunter, compiled, problems = open_hunt(
                rules,
                cache_dir=cache_dir or Path.home() / ".cache" / "mamori" / "rules",
                strict=strict,
            )
        except RuleError as exc:
            _usage(str(exc))
        for problem in problems[:20]:
            typer.echo(f"rule skipped: {problem.where}: {problem.reason}", err=True)
        if len(problems) > 20:
            typer.echo(f"... and {len(problems) - 20} more rules skipped", err=True)
        summary = SummaryBuilder(rules_loaded=len(compiled.rules), rule_problems=len(problems))
        with _alert_output(output) as out:
            writer = writer_for(OutputFormat(fmt.value), out)
            writer.begin()
            out.flush()

            def sink(alert: Alert) -> None:
                if alert.level >= floor:
                    writer.write(alert)
                    out.flush()
                    summary.add(alert)

            try:
                watcher = Watcher(hunter, sources, sink, options)
            except UnknownFormatError as exc:
                _usage(str(exc))
            stats = _run(watcher, len(compiled.rules), bind if syslog else None)
            summary.add_events(stats.events)
            summary.add_read_problems(stats.problem_count)
            built = summary.build(elapsed_s=stats.elapsed_s)
            writer.finish(built)
        _report(stats, built)
    if any(reason is not None for reason in stats.ended.values()):
        raise typer.Exit(EXIT_ERROR)


def _sources(
    files: list[Path],
    stdin: bool,
    syslog: bool,
    bind: str,
    port: int,
    transport: SyslogTransport,
    from_start: bool,
    options: WatchOptions,
) -> list[LiveSource]:
    """The sources the options name; none at all is a usage error."""
    limit = options.max_line_bytes
    found: list[LiveSource] = [
        FileTail(path, from_start=from_start, max_line_bytes=limit) for path in dict.fromkeys(files)
    ]
    if syslog:
        found.extend(listeners(bind, port, _TRANSPORTS[transport], max_line_bytes=limit))
    if stdin:
        found.append(StreamSource(max_line_bytes=limit))
    if not found:
        _usage("nothing to watch: name log files, --syslog or --stdin")
    return found


def _run(watcher: Watcher, rule_count: int, bind: str | None) -> WatchStats:
    """Start the sources, say what is watched, and watch until stopped."""
    try:
        watcher.start()
    except WatchSourceError as exc:
        _usage(str(exc))
    names = ", ".join(_shown(source) for source in watcher.sources)
    typer.echo(f"watching {names} with {rule_count} rules (Ctrl-C to stop)", err=True)
    if bind is not None and not _is_loopback(bind):
        typer.echo(f"warning: listening on {bind}: anyone who can reach it can send", err=True)
    try:
        with _stop_on_signals(watcher):
            return watcher.run()
    except BrokenPipeError:
        # the reader of our output went away (`| head`): end quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None


def _shown(source: LiveSource) -> str:
    if isinstance(source, FileTail) and not source.path.exists():
        return f"{source.name} (not there yet: waiting for it)"
    return source.name


@contextmanager
def _stop_on_signals(watcher: Watcher) -> Iterator[None]:
    """The first Ctrl-C or SIGTERM stops the watch cleanly; a second one interrupts it."""
    asked = [False]

    def handle(signum: int, frame: FrameType | None) -> None:
        if asked[0]:
            raise KeyboardInterrupt
        asked[0] = True
        watcher.stop()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _alert_output(path: Path | None) -> Iterator[TextIO]:
    """stdout, or the ``--output`` file opened for appending."""
    if path is None:
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        yield sys.stdout
        return
    try:
        handle = path.open("a", encoding="utf-8")
    except OSError as exc:
        _usage(f"cannot write alerts to {path}: {exc.strerror or exc}")
    with handle:
        yield handle


def _report(stats: WatchStats, summary: HuntSummary) -> None:
    typer.echo(
        f"watch stopped: {stats.lines:,} lines, {stats.events:,} events, "
        f"{stats.alerts:,} alerts, {stats.problem_count:,} read problems, "
        f"{stats.duplicates:,} repeated alerts dropped, {stats.restarts:,} file restarts",
        err=True,
    )
    for problem in stats.problems:
        typer.echo(f"read problem: {problem}", err=True)
    for source, reason in stats.ended.items():
        if reason is not None:
            typer.echo(f"source failed: {source}: {reason}", err=True)
    for rule_id, seconds in stats.disabled_rules.items():
        typer.echo(f"rule disabled: {rule_id} took {seconds:.1f} s on one batch", err=True)
    typer.echo(render_summary(summary), err=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _level(text: str) -> Level:
    try:
        return Level.parse(text)
    except KeyError:
        _usage(f"--min-level: unknown level {text!r} (one of {', '.join(LEVELS)})")


def _usage(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)
