"""Bounded line reading shared by the line formats (JSONL, syslog, Zeek, CEF).

A line is read with a length limit, so a 10 MB line never sits in memory whole:
anything over ``max_line_bytes`` is drained in small pieces and counted as a
problem. Bytes that are not UTF-8 are replaced, and the source gets one problem
that says how many lines were touched.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from mamori.events.models import ByteStream, LineRejected, ReadContext, Record, Source

if TYPE_CHECKING:
    from mamori.events.base import LineDecoder

_DRAIN = 1 << 16
# What a broken compressed stream raises part way through; the source stops there.
STREAM_ERRORS = (OSError, EOFError, zlib.error)


def iter_lines(stream: ByteStream, max_bytes: int) -> Iterator[bytes | None]:
    """Each line without its ending; ``None`` stands for a line longer than ``max_bytes``."""
    readline = stream.readline
    limit = max_bytes + 1
    while True:
        line = readline(limit)
        if not line:
            return
        if len(line) >= limit and line[-1:] != b"\n":
            while True:
                more = readline(_DRAIN)
                if not more or more[-1:] == b"\n":
                    break
            yield None
            continue
        yield line.rstrip(b"\r\n")


def decode_line(line: bytes) -> tuple[str, bool]:
    """The line as text, and whether bytes that are not UTF-8 had to be replaced."""
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        return line.decode("utf-8", "replace"), True


def read_lines(decoder: LineDecoder, source: Source, ctx: ReadContext) -> Iterator[Record]:
    """Every record ``decoder`` makes of the lines of ``source``; bad lines become problems."""
    name, lineno, nbytes = source.name, 0, 0
    bad_text: list[int] = []
    try:
        with source.open() as stream:
            for line in iter_lines(stream, ctx.max_line_bytes):
                lineno += 1
                if line is None:
                    ctx.problem(name, f"line {lineno}", too_long(ctx.max_line_bytes))
                    continue
                nbytes += len(line) + 1
                text, replaced = decode_line(line)
                if replaced:
                    bad_text.append(lineno)
                yield from decode_one(decoder, text, lineno, name, ctx)
    except STREAM_ERRORS as exc:
        ctx.problem(name, f"line {lineno + 1}", f"unreadable from here on: {exc}")
    finally:
        ctx.stats.bytes += nbytes
        report_replaced(ctx, name, bad_text)


def decode_one(
    decoder: LineDecoder, text: str, lineno: int, name: str, ctx: ReadContext
) -> Sequence[Record]:
    """One line through ``decoder``; a rejected line is reported and gives no record."""
    if lineno == 1 and text.startswith("\ufeff"):
        text = text[1:]
    try:
        return decoder.decode(text, lineno)
    except LineRejected as exc:
        ctx.problem(name, f"line {lineno}", str(exc))
        return ()


def too_long(max_bytes: int) -> str:
    """The reason given for a skipped overlong line."""
    return f"line longer than {max_bytes} bytes skipped (raise the line limit to read it)"


def report_replaced(ctx: ReadContext, name: str, lines: list[int]) -> None:
    """One problem per source for all its lines that held bytes that are not UTF-8."""
    if lines:
        count = len(lines)
        ctx.problem(
            name,
            f"line {lines[0]}",
            f"{count} line(s) held bytes that are not UTF-8; replaced with U+FFFD",
        )
