"""Turning the paths a user names into sources: files, gzip files, zip members, directories.

Directories are walked in name order, following symlinks but never into a
directory twice, so a symlink loop ends. A zip member is its own source, named
``archive.zip!member``. Nothing here reads a whole file into memory.
"""

from __future__ import annotations

import gzip
import os
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import IO

from mamori.events.lines import STREAM_ERRORS
from mamori.events.models import ByteStream, ReadContext, Source

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"


def expand(paths: list[Path], ctx: ReadContext) -> Iterator[Source]:
    """Every source under ``paths``, in order; what cannot be opened becomes a problem.

    A zip member's source is readable only until the next source is asked for.
    """
    seen: set[tuple[int, int]] = set()
    for path in paths:
        if path.is_dir():
            yield from _directory(path, seen, ctx)
        else:
            yield from _file(path, ctx)


def _directory(path: Path, seen: set[tuple[int, int]], ctx: ReadContext) -> Iterator[Source]:
    try:
        info = path.stat()
        entries = sorted(os.scandir(path), key=lambda entry: entry.name)
    except OSError as exc:
        ctx.problem(str(path), "", f"unreadable directory: {exc.strerror or exc}")
        return
    key = (info.st_dev, info.st_ino)
    if key in seen:
        ctx.problem(str(path), "", "directory already read (a symlink loop or a second link)")
        return
    seen.add(key)
    for entry in entries:
        child = Path(entry.path)
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError:
            is_dir = is_file = False
        if is_dir:
            yield from _directory(child, seen, ctx)
        elif is_file:
            yield from _file(child, ctx)
        else:
            ctx.problem(str(child), "", "not a regular file (a broken link, socket or device)")


def _file(path: Path, ctx: ReadContext) -> Iterator[Source]:
    name = str(path)
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        ctx.problem(name, "", f"unreadable: {exc.strerror or exc}")
        return
    if magic.startswith(_GZIP_MAGIC):
        inner = path.name[: -len(".gz")] if path.name.lower().endswith(".gz") else path.name
        yield Source(name, partial(_open_gzip, path), hint=inner)
    elif magic in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
        yield from _zip(path, ctx)
    else:
        yield Source(name, partial(_open_file, path), path=path, hint=path.name)


def _open_file(path: Path) -> ByteStream:
    return path.open("rb")


def _open_gzip(path: Path) -> ByteStream:
    return gzip.GzipFile(path, "rb")


def _zip(path: Path, ctx: ReadContext) -> Iterator[Source]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        ctx.problem(str(path), "", f"unreadable zip archive: {exc}")
        return
    with archive:
        members = sorted((m for m in archive.infolist() if not m.is_dir()), key=_member_name)
        for member in members:
            yield from _member(archive, member, f"{path}!{member.filename}", ctx)


def _member_name(member: zipfile.ZipInfo) -> str:
    return member.filename


def _member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, ctx: ReadContext
) -> Iterator[Source]:
    try:
        with archive.open(member) as handle:
            magic = handle.read(4)
    except (*STREAM_ERRORS, RuntimeError, zipfile.BadZipFile, NotImplementedError) as exc:
        ctx.problem(name, "", f"unreadable zip member: {exc}")
        return
    inner = member.filename.rpartition("/")[2]
    if magic.startswith(_GZIP_MAGIC):
        hint = inner[: -len(".gz")] if inner.lower().endswith(".gz") else inner
        yield Source(name, partial(_open_gzip_member, archive, member), hint=hint)
    elif magic in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
        ctx.problem(name, "", "a zip inside a zip is not read; unpack the outer archive first")
    else:
        opener = partial(archive.open, member)
        yield Source(name, opener, hint=inner)


def _open_gzip_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> ByteStream:
    return _GzipMember(archive.open(member))


class _GzipMember(gzip.GzipFile):
    """A gzip stream over a zip member that closes the member too."""

    def __init__(self, member: IO[bytes]) -> None:
        super().__init__(fileobj=member, mode="rb")
        self._member = member

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._member.close()
