"""``mamori hunt``: run Sigma rules over log files, archives and directories.

Exit codes: 0 the hunt finished (and no alert reached ``--fail-on``); 1 an alert at or above
``--fail-on``; 2 bad usage (no such path, unknown format, a broken rule with ``--strict``);
3 any other error.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

import typer
import yaml

from mamori.cli.common import EXIT_FAILED_CHECK, EXIT_USAGE, reported_errors
from mamori.core.errors import MamoriError
from mamori.detection.cache import CompiledRuleSet
from mamori.detection.errors import RuleError
from mamori.detection.models import Alert, Level
from mamori.detection.outputs import OutputFormat, SummaryBuilder, render_summary, writer_for
from mamori.detection.rules import RuleProblem
from mamori.detection.ruleset import open_hunt
from mamori.detection.service import Hunt, Progress

LEVELS = [level.label for level in Level]


def hunt(
    paths: list[Path] = typer.Argument(..., help="Log files, archives (.gz, .zip) or folders."),
    rules: list[Path] = typer.Option(
        [],
        "--rules",
        "-r",
        help="Sigma rule file or folder (repeatable); default: mamori's starter rules.",
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write alerts to this file."),
    strict: bool = typer.Option(False, help="Refuse to run when any rule fails to load."),
    placeholders: Path | None = typer.Option(
        None, help="YAML file of values for %placeholder% rules (name: [values])."
    ),
    log_format: str | None = typer.Option(
        None, "--log-format", help="Read every file as this format (evtx, json, syslog, zeek, cef)."
    ),
    workers: int = typer.Option(2, min=1, max=64, help="Processes reading and matching."),
    min_level: str = typer.Option(
        "informational", help=f"Report alerts at this level and above: {', '.join(LEVELS)}."
    ),
    fail_on: str | None = typer.Option(None, help="Exit 1 when an alert reaches this level."),
    progress: bool = typer.Option(True, help="Show a progress line with events/s on stderr."),
    cache_dir: Path | None = typer.Option(
        None, help="Where compiled rules are cached (default: ~/.cache/mamori/rules)."
    ),
) -> None:
    """Hunt through logs with Sigma rules; alerts to stdout or --output, a summary to stderr."""
    floor, threshold = _level(min_level, "--min-level"), _level(fail_on, "--fail-on")
    with reported_errors():
        _check_paths(paths)
        hunter, compiled, problems = _open(
            rules,
            cache_dir=cache_dir or Path.home() / ".cache" / "mamori" / "rules",
            strict=strict,
            placeholders=_placeholders(placeholders),
            workers=workers,
            format=log_format,
        )
        for problem in problems[:20]:
            typer.echo(f"rule skipped: {problem.where}: {problem.reason}", err=True)
        if len(problems) > 20:
            typer.echo(f"... and {len(problems) - 20} more rules skipped", err=True)
        summary = SummaryBuilder(rules_loaded=len(compiled.rules), rule_problems=len(problems))
        worst: list[Level] = []
        with _open_output(output, fmt) as out:
            writer = writer_for(fmt, out)
            writer.begin()

            def sink(alert: Alert) -> None:
                if alert.level >= floor:
                    writer.write(alert)
                    summary.add(alert)
                    worst.append(max(worst[-1], alert.level) if worst else alert.level)

            show = _progress_line if progress and sys.stderr.isatty() else None
            report = hunter.run([str(p) for p in paths], sink, show)
            summary.add_events(report.events)
            summary.add_read_problems(report.read_problem_count)
            built = summary.build(elapsed_s=report.elapsed_s)
            writer.finish(built)
        if show is not None:
            typer.echo("", err=True)
        for rule_id, seconds in report.disabled_rules.items():
            typer.echo(f"rule disabled: {rule_id} took {seconds:.1f} s on one batch", err=True)
        for read_problem in report.read_problems[:20]:
            typer.echo(f"read problem: {read_problem}", err=True)
        typer.echo(render_summary(built), err=True)
    if threshold is not None and worst and worst[-1] >= threshold:
        raise typer.Exit(EXIT_FAILED_CHECK)


def _open(rules: list[Path], **options: Any) -> tuple[Hunt, CompiledRuleSet, list[RuleProblem]]:
    """The hunt; a rule refused under ``--strict`` is a usage error (exit 2)."""
    try:
        return open_hunt(rules, **options)
    except RuleError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc


def _level(text: str | None, option: str) -> Level:
    if text is None:
        return None  # type: ignore[return-value]
    try:
        return Level.parse(text)
    except KeyError:
        typer.echo(
            f"error: {option}: unknown level {text!r} (one of {', '.join(LEVELS)})", err=True
        )
        raise typer.Exit(EXIT_USAGE) from None


def _check_paths(paths: list[Path]) -> None:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        typer.echo(f"error: no such file or folder: {', '.join(missing)}", err=True)
        raise typer.Exit(EXIT_USAGE)


def _placeholders(path: Path | None) -> dict[str, list[str]] | None:
    if path is None:
        return None
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PlaceholderFileError(f"cannot read placeholders: {exc}", where=str(path)) from exc
    if not isinstance(data, dict):
        raise PlaceholderFileError("expected a mapping of name: [values]", where=str(path))
    return {
        str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in data.items()
    }


class PlaceholderFileError(MamoriError):
    """The ``--placeholders`` file is not a mapping of names to values."""

    code = "detection.placeholders_invalid"


class _open_output:
    """stdout, or the ``--output`` file (CSV without newline translation)."""

    def __init__(self, path: Path | None, fmt: OutputFormat) -> None:
        self.path, self.fmt = path, fmt
        self.handle: TextIO | None = None

    def __enter__(self) -> TextIO:
        if self.path is None:
            sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
            return sys.stdout
        newline = "" if self.fmt is OutputFormat.CSV else None
        self.handle = self.path.open("w", encoding="utf-8", newline=newline)
        return self.handle

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


_started = time.monotonic()


def _progress_line(progress: Progress) -> None:
    sys.stderr.write(
        f"\r{progress.events:>12,} events  {progress.events_per_s:>10,.0f} events/s  "
        f"{progress.alerts:>8,} alerts  {progress.elapsed_s:>7.1f} s"
    )
    sys.stderr.flush()
