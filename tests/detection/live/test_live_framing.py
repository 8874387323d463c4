"""Cutting byte streams into lines: newlines, syslog octet counting, and the length limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mamori.detection.live import LineSplitter, SyslogFramer

LIMIT = 64


def _feed(framer: LineSplitter | SyslogFramer, data: bytes, cuts: list[int]) -> list[bytes]:
    """Everything ``framer`` makes of ``data`` delivered in pieces cut at ``cuts``."""
    out: list[bytes] = []
    start = 0
    for cut in sorted({c % (len(data) + 1) for c in cuts}) + [len(data)]:
        out.extend(framer.feed(data[start:cut]))
        start = cut
    return out


def test_a_partial_line_waits_for_its_end() -> None:
    splitter = LineSplitter(LIMIT)
    assert splitter.feed(b"first\nsec") == [b"first"]
    assert splitter.feed(b"ond") == []
    assert splitter.feed(b"\nthird\n") == [b"second", b"third"]
    assert splitter.flush() is None


def test_flush_hands_over_an_unterminated_last_line() -> None:
    splitter = LineSplitter(LIMIT)
    splitter.feed(b"a\nno newline at the end")
    assert splitter.flush() == b"no newline at the end"
    assert splitter.flush() is None


def test_an_overlong_line_is_cut_to_one_byte_over_the_limit_and_the_next_line_survives() -> None:
    splitter = LineSplitter(LIMIT)
    out = splitter.feed(b"x" * 50)
    out += splitter.feed(b"y" * 500)  # the line is now far over the limit: nothing more held
    out += splitter.feed(b"z" * 100 + b"\nnext\n")
    assert out == [(b"x" * 50 + b"y" * 500)[: LIMIT + 1], b"next"]


@given(
    lines=st.lists(st.binary(max_size=80).map(lambda b: b.replace(b"\n", b"")), max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=8),
)
def test_lines_do_not_depend_on_how_the_bytes_were_cut(lines: list[bytes], cuts: list[int]) -> None:
    data = b"".join(line + b"\n" for line in lines)
    expected = [line if len(line) <= LIMIT else line[: LIMIT + 1] for line in lines]
    assert _feed(LineSplitter(LIMIT), data, cuts) == expected


def test_octet_counted_frames_may_hold_newlines_and_split_anywhere() -> None:
    message = b"<34>Oct 11 22:14:15 host su: line one\nline two"
    frame = str(len(message)).encode() + b" " + message
    framer = SyslogFramer(LIMIT * 4)
    assert framer.feed(frame[:2]) == []
    assert framer.feed(frame[2:10]) == []
    assert framer.feed(frame[10:] + frame) == [message, message]


def test_newline_and_octet_framing_can_alternate_per_message() -> None:
    framer = SyslogFramer(LIMIT)
    data = b"<13>plain one\n11 <13>counted<13>plain two\r\n2026-01-02T03:04:05Z h app: dated\n"
    assert framer.feed(data) == [
        b"<13>plain one",
        b"<13>counted",
        b"<13>plain two",
        b"2026-01-02T03:04:05Z h app: dated",
    ]


def test_an_oversized_octet_frame_is_cut_and_the_rest_of_it_skipped() -> None:
    framer = SyslogFramer(LIMIT)
    big = b"a" * 300
    data = b"300 " + big + b"5 <1>ok"
    out = _feed(framer, data, [10, 100, 200, 303])
    assert out == [big[: LIMIT + 1], b"<1>ok"]


def test_an_unterminated_newline_frame_is_flushed_when_the_peer_closes() -> None:
    framer = SyslogFramer(LIMIT)
    assert framer.feed(b"<13>first\n<13>last words") == [b"<13>first"]
    assert framer.flush() == b"<13>last words"
    half_counted = SyslogFramer(LIMIT)
    assert half_counted.feed(b"20 <13>cut short") == []
    assert half_counted.flush() is None


@given(
    messages=st.lists(
        st.binary(min_size=1, max_size=100).filter(lambda b: b.strip(b"\r\n")), max_size=10
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=8),
)
def test_octet_counted_messages_survive_any_cutting(messages: list[bytes], cuts: list[int]) -> None:
    data = b"".join(str(len(m)).encode() + b" " + m for m in messages)
    expected = [m if len(m) <= LIMIT else m[: LIMIT + 1] for m in messages]
    expected = [m.rstrip(b"\r\n") if len(m) <= LIMIT else m for m in expected]
    assert _feed(SyslogFramer(LIMIT), data, cuts) == [m for m in expected if m]
