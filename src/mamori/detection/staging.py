"""Files a hunt reads: uploads staged in a private temporary folder, or the demo logs by name.

An upload's name is only ever shown, never used as a path: each file is written under a
name mamori makes (a number and the upload's extension, which the readers use to tell a
format), in a folder only this process can read, and the folder is removed afterwards.
A hunt reads demo logs by name from the list shipped with mamori, never by path.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePath

from mamori.demo.logs import DEMO_LOG_FILES
from mamori.detection.hunts import HuntInputError
from mamori.detection.outputs.records import clean_text
from mamori.detection.stored import HuntSource

MAX_NAME_CHARS = 200
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")
_SEPARATORS = re.compile(r"[/\\]")


def display_name(given: str | None, index: int) -> str:
    """The name to show for the ``index``-th upload: its last path part, printable, bounded."""
    last = _SEPARATORS.split(given or "")[-1]
    shown = "".join(char for char in clean_text(last) if char.isprintable()).strip()
    shown = shown[:MAX_NAME_CHARS]
    return shown if shown not in ("", ".", "..") else f"upload-{index}"


def _suffix(name: str) -> str:
    """The extension to stage ``name`` under (``.evtx``, ``.jsonl.gz``), or none."""
    parts = [part for part in PurePath(name).suffixes[-2:] if _SUFFIX.fullmatch(part)]
    if len(parts) == 2 and parts[-1].lower() != ".gz":
        parts = parts[-1:]
    return "".join(parts).lower()


@contextmanager
def staged(files: Sequence[tuple[str | None, bytes]]) -> Iterator[list[HuntSource]]:
    """Write ``(name, content)`` uploads to a private folder; the sources, until the block ends."""
    with tempfile.TemporaryDirectory(prefix="mamori-hunt-") as folder:
        sources = []
        for index, (given, content) in enumerate(files, start=1):
            name = display_name(given, index)
            path = Path(folder) / f"{index:03d}{_suffix(name)}"
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            sources.append(HuntSource(name, path))
        yield sources


def demo_names() -> tuple[str, ...]:
    """The names of the demo logs shipped with mamori."""
    return tuple(path.name for path in DEMO_LOG_FILES)


def demo_sources(names: Sequence[str] | None = None) -> list[HuntSource]:
    """The demo logs called ``names`` (all of them when None); HuntInputError for another."""
    shipped = {path.name: path for path in DEMO_LOG_FILES}
    chosen = list(shipped) if names is None else list(dict.fromkeys(names))
    unknown = [name for name in chosen if name not in shipped]
    if unknown:
        raise HuntInputError(
            f"{unknown[0][:MAX_NAME_CHARS]!r} is not a demo log",
            where="body.logs",
            hint=f"name demo logs from: {', '.join(shipped)}; other files are uploaded",
        )
    return [HuntSource(name, shipped[name]) for name in chosen]
