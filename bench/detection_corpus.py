"""The data of figure 6: the EVTX attack samples, replicated by symbolic links, and the rules.

Both live in the shared public data folder next to the repository (``../shared/data``, or
``MAMORI_BENCH_DATA``); nothing is copied. A corpus of a million events is the 164 sample
files linked 205 times into ``copy-NNNN/<tactic>/...`` folders of the bench's work folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mamori.events.service import EventStream

DATA_ENV = "MAMORI_BENCH_DATA"
SAMPLES = "evtx-attack-samples"
SIGMA = "sigma"


def shared_data() -> Path:
    """The shared public data folder: ``MAMORI_BENCH_DATA``, else ``../shared/data``."""
    configured = os.environ.get(DATA_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass(frozen=True)
class Samples:
    """The EVTX files of the development set, in folders named by ATT&CK tactic."""

    root: Path
    files: tuple[Path, ...]
    events: int

    def tactic(self, name: str) -> str:
        """The tactic folder of a file named relative to :attr:`root`."""
        return name.split("/", 1)[0]

    def relative(self, path: Path) -> str:
        """A sample file's name relative to :attr:`root`, with forward slashes."""
        return path.relative_to(self.root).as_posix()


def find_samples(root: Path) -> Samples | None:
    """The samples under ``root`` with their event count, or ``None`` when there are none."""
    files = tuple(sorted(root.rglob("*.evtx"))) if root.is_dir() else ()
    if not files:
        return None
    events = sum(batch.num_rows for batch in EventStream(list(files)))
    return Samples(root, files, events)


@dataclass(frozen=True)
class Corpus:
    """A replicated corpus: where it is, and how much it holds."""

    path: Path
    copies: int
    files: int
    events: int


@contextmanager
def replicated(samples: Samples, copies: int, folder: Path) -> Iterator[Corpus]:
    """``copies`` links to every sample file under ``folder``; removed afterwards."""
    folder.mkdir(parents=True)
    try:
        for copy in range(copies):
            for path in samples.files:
                link = folder / f"copy-{copy:04d}" / samples.relative(path)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(path)
        yield Corpus(folder, copies, copies * len(samples.files), copies * samples.events)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def files_under(paths: Sequence[str | Path]) -> list[str]:
    """Every file under ``paths`` in name order, links to files included, as the hunt lists them."""
    found: list[str] = []
    for path in map(Path, paths):
        if not path.is_dir():
            found.append(str(path))
            continue
        for root, dirs, names in os.walk(path):
            dirs.sort()
            found.extend(str(Path(root) / name) for name in sorted(names))
    return found


def shares(files: Sequence[str], workers: int) -> list[list[str]]:
    """Files split between ``workers`` by bytes, largest first: the split the hunt makes."""
    shares_: list[list[str]] = [[] for _ in range(max(1, workers))]
    loads = [0] * len(shares_)
    for name, size in sorted(((f, os.stat(f).st_size) for f in files), key=lambda x: -x[1]):
        lightest = loads.index(min(loads))
        shares_[lightest].append(name)
        loads[lightest] += size
    return [share for share in shares_ if share]
