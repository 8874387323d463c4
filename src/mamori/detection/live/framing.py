"""Cutting a byte stream into lines with bounded memory: plain newlines, and syslog over TCP.

Neither framer ever holds more than about ``max_line_bytes`` of one message. A message over
the limit is handed on as its first ``max_line_bytes + 1`` bytes, the rest dropped, so that
the line parser that receives it counts it as too long (with its line number) and skips it.
"""

from __future__ import annotations

import re

# RFC 6587 octet counting: "LEN SP MSG". Ten digits is far beyond any sane frame.
_OCTET_HEADER = re.compile(rb"([1-9]\d{0,9}) ")
_DIGITS = re.compile(rb"\d{1,10}")


class LineSplitter:
    """Splits chunks of bytes at newlines, carrying a partial last line to the next chunk."""

    def __init__(self, max_line_bytes: int) -> None:
        self.limit = max_line_bytes
        self._parts: list[bytes] = []
        self._held = 0
        self._overlong: bytes | None = None

    def feed(self, data: bytes) -> list[bytes]:
        """The complete lines that ``data`` finishes, without their newlines."""
        lines: list[bytes] = []
        if self._overlong is not None:
            newline = data.find(b"\n")
            if newline < 0:
                return lines
            lines.append(self._overlong)
            self._overlong = None
            data = data[newline + 1 :]
        pieces = data.split(b"\n")
        rest = pieces.pop()
        if pieces and self._parts:
            pieces[0] = b"".join((*self._parts, pieces[0]))
            self._parts, self._held = [], 0
        cap = self.limit + 1
        lines.extend(piece if len(piece) <= cap else piece[:cap] for piece in pieces)
        if rest:
            self._hold(rest)
        return lines

    def flush(self) -> bytes | None:
        """The partial last line, if any (at the end of a file or connection); clears it."""
        line = self._overlong if self._overlong is not None else b"".join(self._parts)
        self.reset()
        return line or None

    def reset(self) -> None:
        """Forget any partial line (the file under it was truncated)."""
        self._parts, self._held, self._overlong = [], 0, None

    def _hold(self, rest: bytes) -> None:
        self._parts.append(rest)
        self._held += len(rest)
        if self._held > self.limit:
            self._overlong = b"".join(self._parts)[: self.limit + 1]
            self._parts, self._held = [], 0


class SyslogFramer:
    """Syslog messages on one TCP connection: octet-counted (RFC 6587 / RFC 5425 style, a
    message prefixed by its length and a space) or newline-terminated, decided per message
    as rsyslog and syslog-ng do: a message that starts with a length field is octet-counted."""

    def __init__(self, max_line_bytes: int) -> None:
        self.limit = max_line_bytes
        self._buffer = bytearray()
        self._skip = 0
        self._discarding = False

    def feed(self, data: bytes) -> list[bytes]:
        """The messages that ``data`` completes."""
        messages: list[bytes] = []
        data = self._drop(data)
        if not data:
            return messages
        buffer = self._buffer
        buffer += data
        position = 0
        while position < len(buffer):
            step = self._octet_frame(buffer, position, messages)
            if step is None:
                step = self._line(buffer, position, messages)
            if step == position:
                break
            position = step
        del buffer[:position]
        return messages

    def flush(self) -> bytes | None:
        """A newline-framed message the peer did not terminate before closing, if any."""
        rest = bytes(self._buffer).rstrip(b"\r\n")
        self._buffer.clear()
        if self._discarding or self._skip or not rest or _OCTET_HEADER.match(rest):
            return None
        return rest[: self.limit + 1]

    def _drop(self, data: bytes) -> bytes:
        """What is left of ``data`` after the rest of an oversized message is dropped."""
        if self._skip:
            taken = min(self._skip, len(data))
            self._skip -= taken
            data = data[taken:]
        if self._discarding and data:
            newline = data.find(b"\n")
            if newline < 0:
                return b""
            self._discarding = False
            data = data[newline + 1 :]
        return data

    def _octet_frame(self, buffer: bytearray, start: int, out: list[bytes]) -> int | None:
        """The position after an octet-counted frame at ``start`` (``start`` to wait for more
        bytes), or ``None`` when the message there is not octet-counted."""
        if not 0x30 <= buffer[start] <= 0x39:
            return None
        header = _OCTET_HEADER.match(buffer, start)
        if header is None:
            waiting = _DIGITS.fullmatch(buffer, start) is not None
            return start if waiting else None
        length, body = int(header.group(1)), header.end()
        available = len(buffer) - body
        if length <= self.limit:
            if available < length:
                return start
            message = bytes(buffer[body : body + length]).rstrip(b"\r\n")
            if message:
                out.append(message)
            return body + length
        if available < self.limit + 1:
            return start
        out.append(bytes(buffer[body : body + self.limit + 1]))
        taken = min(length, available)
        self._skip = length - taken
        return body + taken

    def _line(self, buffer: bytearray, start: int, out: list[bytes]) -> int:
        """The position after a newline-terminated message at ``start`` (``start`` to wait)."""
        newline = buffer.find(b"\n", start)
        if newline < 0:
            if len(buffer) - start <= self.limit:
                return start
            out.append(bytes(buffer[start : start + self.limit + 1]))
            self._discarding = True
            return len(buffer)
        message = bytes(buffer[start:newline]).rstrip(b"\r")
        if message:
            out.append(message if len(message) <= self.limit else message[: self.limit + 1])
        return newline + 1
