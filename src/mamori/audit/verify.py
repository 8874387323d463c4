"""Offline verification of a log export, or of a live database.

Both recompute every leaf hash and the tree, check every checkpoint's signature
and that its root is the tree's root at its size, and name each entry that was
changed, removed, reordered or inserted. They stream: memory stays bounded
however long the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from mamori.audit import repository, service
from mamori.audit.checker import LogChecker, parse_body
from mamori.audit.errors import ExportFormatError, LogCorruptError
from mamori.audit.export import parse_checkpoint, parse_header, split_entry_line
from mamori.audit.merkle import fold
from mamori.audit.models import Checkpoint, VerifyReport
from mamori.audit.repository import Head
from mamori.audit.signing import parse_public_key
from mamori.store.engine import Database

CHUNK = 20_000
_CHECKPOINT_LINE = b'{"checkpoint"'


def verify_file(path: Path, public_key: str | bytes | None = None) -> VerifyReport:
    """Check an export against ``public_key`` (PEM, base64 or raw; default: the file's own).

    Raises :class:`ExportFormatError` only when the file is not an export at all.
    """
    try:
        with path.open("rb") as file:
            return _verify_stream(file, str(path), public_key)
    except OSError as exc:
        raise ExportFormatError(f"cannot read the export: {exc}", where=str(path)) from exc


def _verify_stream(file: IO[bytes], source: str, public_key: str | bytes | None) -> VerifyReport:
    header = parse_header(file.readline(), source)
    trusted = header.public_key if public_key is None else parse_public_key(public_key)
    checkpoints, unreadable, first_entry = _read_checkpoints(file)
    checker = LogChecker(checkpoints, trusted, header.origin)
    if trusted != header.public_key:
        checker.report("the export names a different public key than the trusted one")
    for line_number in unreadable:
        checker.report(f"checkpoint on line {line_number} is unreadable")
    if len(checkpoints) + len(unreadable) != header.checkpoints:
        found = len(checkpoints) + len(unreadable)
        checker.report(f"the header lists {header.checkpoints} checkpoints but {found} are there")
    for line in chain(first_entry, file):
        line = line.rstrip(b"\r\n")
        if line:
            checker.add(*split_entry_line(line))
    if checker.size == header.tree_size and checker.root != header.root_hash:
        checker.report("the header's root hash does not match the entries")
    return checker.finish(header.tree_size, tail_signed=True)


def _read_checkpoints(file: IO[bytes]) -> tuple[list[Checkpoint], list[int], list[bytes]]:
    """The checkpoint lines after the header, the numbers of unreadable ones, the next line."""
    checkpoints: list[Checkpoint] = []
    unreadable: list[int] = []
    line_number = 1
    for line in file:
        line_number += 1
        if not line.startswith(_CHECKPOINT_LINE):
            return checkpoints, unreadable, [line]
        try:
            checkpoints.append(_parse_checkpoint_line(line, line_number))
        except ExportFormatError:
            unreadable.append(line_number)
    return checkpoints, unreadable, []


def _parse_checkpoint_line(line: bytes, line_number: int) -> Checkpoint:
    value = parse_body(line)
    inner = value.get("checkpoint") if isinstance(value, dict) else None
    return parse_checkpoint(inner, line_number)


def verify_database(
    database: Database, public_key: str | bytes, origin: str | None = None
) -> VerifyReport:
    """Check the live log: entries, stored subtree hashes, head and checkpoints."""
    trusted = parse_public_key(public_key)
    with database.session() as session:
        checkpoints = service.all_checkpoints(session)
        head_problem, head = _head(session)
        strays = repository.indices_beyond_head(session)
    if origin is None:
        origin = checkpoints[-1].origin if checkpoints else ""
    checker = LogChecker(checkpoints, trusted, origin)
    if head_problem:
        checker.report(head_problem)
    nodes = _NodeCheck(checker)
    for chunk in _chunks(database, head.size):
        completed = []
        for _, text, leaf in chunk:
            body = text.encode()
            completed.extend(checker.add(body, leaf, parse_body(body)))
        nodes.compare(database, completed)
    _check_head(checker, head)
    for index in strays[:10]:
        checker.report(f"entry inserted at {index}: it lies past the log's head", index)
    nodes.count(database, head.size)
    return checker.finish(head.size, tail_signed=False)


def _head(session: Session) -> tuple[str | None, Head]:
    try:
        return None, repository.read_head(session)
    except LogCorruptError as exc:
        size = repository.head_size(session)
        return f"the log's head is damaged: {exc.message}", Head(size=size, frontier=[])


def _check_head(checker: LogChecker, head: Head) -> None:
    if head.frontier and checker.size == head.size and checker.root != fold(head.frontier):
        checker.report(f"the log's head (size {head.size}) does not match the entries")


def _chunks(database: Database, size: int) -> Iterator[list[tuple[int, str, bytes]]]:
    # Short transactions, closed before the caller sees the rows: never hold up appenders.
    for start in range(0, size, CHUNK):
        with database.session() as session:
            rows = repository.entry_chunk(session, start, min(start + CHUNK, size))
        yield rows


class _NodeCheck:
    """Compares the stored subtree hashes (which proofs are built from) with recomputed ones."""

    def __init__(self, checker: LogChecker) -> None:
        self._checker = checker
        self._wrong = 0

    def compare(self, database: Database, completed: list[tuple[int, int, bytes]]) -> None:
        """Check the nodes the last chunk of entries completed."""
        if not completed:
            return
        with database.session() as session:
            stored = repository.nodes_in_ranges(
                session, [(level, index) for level, index, _ in completed]
            )
        for level, index, digest in completed:
            if stored.get((level, index)) != digest:
                self._report(level, index)

    def count(self, database: Database, size: int) -> None:
        """Check that no node lies past the head."""
        with database.session() as session:
            stored = repository.node_count(session)
        expected = size - size.bit_count()
        if stored > expected:
            self._checker.report(f"{stored - expected} stored subtree hashes lie past the head")
        if self._wrong > 1:
            self._checker.report(f"{self._wrong - 1} more stored subtree hashes are wrong")

    def _report(self, level: int, index: int) -> None:
        self._wrong += 1
        if self._wrong == 1:
            first, last = index << level, ((index + 1) << level) - 1
            self._checker.report(
                f"stored subtree hash (level {level}, index {index}) over entries "
                f"{first}..{last} is wrong or missing; proofs that use it will fail",
                first,
            )
