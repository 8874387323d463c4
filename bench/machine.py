"""What the figures were measured on: CPU, cores, memory, Python, OS, date."""

from __future__ import annotations

import datetime as dt
import os
import platform
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    """The hardware and software a run measured on."""

    cpu: str
    cores: int
    memory_gib: float
    python: str
    system: str
    date: str

    def rows(self) -> list[tuple[str, str]]:
        """The machine as (field, value) pairs for a table."""
        return [
            ("CPU", self.cpu),
            ("cores (logical)", str(self.cores)),
            ("memory", f"{self.memory_gib:.1f} GiB"),
            ("Python", self.python),
            ("OS", self.system),
            ("date", self.date),
        ]


def describe() -> Machine:
    """The machine this process runs on."""
    return Machine(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 0,
        memory_gib=_memory_gib(),
        python=f"{platform.python_implementation()} {platform.python_version()}",
        system=_system(),
        date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _cpu_model() -> str:
    for line in _read_lines(Path("/proc/cpuinfo")):
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    for line in _read_lines(Path("/proc/meminfo")):
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return 0.0


def _system() -> str:
    pretty = ""
    for line in _read_lines(Path("/etc/os-release")):
        if line.startswith("PRETTY_NAME="):
            pretty = line.partition("=")[2].strip().strip('"')
    kernel = f"{platform.system()} {platform.release()}"
    return f"{pretty} ({kernel})" if pretty else kernel


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
