"""The bounds that keep a long watch's memory flat: the inbox and the recent alert keys."""

from __future__ import annotations

import threading

from mamori.detection.live import Inbox, RecentKeys


def test_recent_keys_forget_the_oldest_beyond_their_size() -> None:
    keys = RecentKeys(3)
    assert [keys.add(k) for k in "abc"] == [True, True, True]
    assert keys.add("a") is False  # a repeat, and now the most recent
    assert keys.add("d") is True  # pushes out "b", the oldest
    assert len(keys) == 3
    assert keys.add("b") is True
    assert keys.add("a") is False


def _put_in_thread(inbox: Inbox, line: bytes, results: list[bool]) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(inbox.lines("s", [line])))
    thread.start()
    return thread


def test_a_full_inbox_holds_sources_back_until_there_is_room_or_it_closes() -> None:
    inbox = Inbox(max_chunks=2)
    assert inbox.lines("s", [b"1"]) and inbox.lines("s", [b"2"])
    results: list[bool] = []
    waiting = _put_in_thread(inbox, b"3", results)
    waiting.join(0.3)
    assert waiting.is_alive() and results == []  # full: the source waits, memory stays bounded
    assert inbox.take(1.0) == ("lines", "s", [b"1"])
    waiting.join(2.0)
    assert results == [True]
    refused = _put_in_thread(inbox, b"4", results)  # full again: [2, 3]
    inbox.close()
    refused.join(2.0)
    assert not refused.is_alive() and results == [True, False]
    assert inbox.take(0) == ("lines", "s", [b"2"])
