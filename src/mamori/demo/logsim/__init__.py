"""Simulated logs of a bank's working day with an intrusion in it, for demos and tests.

``simulate(seed)`` builds the files in memory; ``write(outdir, seed)`` saves them. The same
seed always gives the same bytes: nothing depends on the clock, the locale or the machine.
The shipped copy lives in :mod:`mamori.demo.logs`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mamori.demo.logsim import evtx, linux, readme
from mamori.demo.logsim import ruleids as R
from mamori.demo.logsim.background import Workday
from mamori.demo.logsim.logons import guessing_burst, password_spray
from mamori.demo.logsim.model import ExpectedAlert, Ids, SysLine
from mamori.demo.logsim.story import Intrusion
from mamori.demo.logsim.sysmon import Sysmon
from mamori.demo.logsim.winlog import WinLog

DEFAULT_SEED = 20261117
AUTH_LOG = "linux-auth.log"
README = "README.md"
LOG_FILES = (*evtx.FILES.values(), AUTH_LOG)
# The group-by fields of the correlation rules the password attacks are written for.
CORRELATION_GROUPS = {R.LOGON_BURST: ("IpAddress", "TargetUserName"), R.SPRAYING: ("IpAddress",)}

__all__ = ["DEFAULT_SEED", "LOG_FILES", "README", "DemoLogs", "ExpectedAlert", "simulate", "write"]


@dataclass(frozen=True)
class DemoLogs:
    """The generated files (log files and README, by name) and the alerts they should raise."""

    files: dict[str, bytes]
    expected: tuple[ExpectedAlert, ...]


def simulate(seed: int = DEFAULT_SEED) -> DemoLogs:
    """Build the demo day for ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret
    ids = Ids(rng)
    sysmon, winlog = Sysmon(ids), WinLog(ids)
    events = Workday(sysmon, winlog, rng).play() + Intrusion(sysmon, winlog).play()
    events += guessing_burst(winlog, rng) + password_spray(winlog, rng)
    files, placed = evtx.render(events, rng)
    auth, numbered = linux.render(linux.AuthLog(rng).play())
    files[AUTH_LOG] = auth
    expected = (*_single(placed), *_grouped(placed), *_syslog(numbered))
    files[README] = readme.render(expected, files, seed)
    return DemoLogs(files, expected)


def write(outdir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the demo files into ``outdir`` (created if missing); the paths written."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in simulate(seed).files.items():
        path = outdir / name
        path.write_bytes(content)
        written.append(path)
    return written


def _single(placed: Iterable[evtx.Placed]) -> list[ExpectedAlert]:
    return [
        ExpectedAlert(
            rule,
            p.file,
            p.event.host,
            (p.line,),
            (p.record_id,),
            p.event.event_id,
            note=p.event.note,
        )
        for p in sorted(placed, key=lambda p: (LOG_FILES.index(p.file), p.line))
        for rule in p.event.alerts
    ]


def _grouped(placed: Iterable[evtx.Placed]) -> list[ExpectedAlert]:
    members: dict[tuple[str, tuple[tuple[str, str], ...]], list[evtx.Placed]] = {}
    for p in placed:
        for rule in p.event.groups:
            group = tuple((field, str(p.event.data[field])) for field in CORRELATION_GROUPS[rule])
            members.setdefault((rule, group), []).append(p)
    return [
        ExpectedAlert(
            rule,
            items[0].file,
            items[0].event.host,
            tuple(sorted(p.line for p in items)),
            tuple(sorted(p.record_id for p in items)),
            items[0].event.event_id,
            group,
            items[0].event.note,
        )
        for (rule, group), items in members.items()
    ]


def _syslog(numbered: Iterable[tuple[SysLine, int]]) -> list[ExpectedAlert]:
    return [
        ExpectedAlert(rule, AUTH_LOG, line.host, (number,), note=line.note)
        for line, number in numbered
        for rule in line.alerts
    ]
