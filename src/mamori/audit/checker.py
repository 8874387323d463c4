"""The heart of offline verification: a streaming check of entries against checkpoints.

Entries are fed in the order they are stored. For each one the checker
recomputes the leaf hash from the body (naming the entry when it differs from
the recorded hash), tracks the index inside the body against its position
(naming missing, reordered and inserted entries), folds the recorded leaf hash
into a frontier and, whenever the tree reaches a checkpoint's size, compares the
root with the one the checkpoint signs. Memory stays bounded: a frontier of
log2(n) hashes, the checkpoints, the gaps seen so far and at most
``MAX_PROBLEMS`` problems.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from typing import Any

from mamori.audit.merkle import HASH_SIZE, append_to_frontier, fold, leaf_hash
from mamori.audit.models import Checkpoint, Problem, VerifyReport
from mamori.audit.signing import key_id, signature_valid

MAX_PROBLEMS = 1000


class Gaps:
    """Indices skipped so far (removed, or yet to come out of order), as sorted ranges."""

    def __init__(self) -> None:
        self._ranges: list[tuple[int, int]] = []

    def add(self, start: int, end: int) -> None:
        """Record that ``start … end - 1`` were skipped (ranges arrive in increasing order)."""
        self._ranges.append((start, end))

    def take(self, index: int) -> bool:
        """Whether ``index`` was skipped; if so it is no longer."""
        at = bisect.bisect_right(self._ranges, index, key=lambda piece: piece[0]) - 1
        if at < 0 or not self._ranges[at][0] <= index < self._ranges[at][1]:
            return False
        start, end = self._ranges[at]
        pieces = [piece for piece in ((start, index), (index + 1, end)) if piece[0] < piece[1]]
        self._ranges[at : at + 1] = pieces
        return True

    def remaining(self) -> list[tuple[int, int]]:
        """The ranges still skipped."""
        return list(self._ranges)


class LogChecker:
    """Feeds on entries in stored order; reports what does not check."""

    def __init__(self, checkpoints: Sequence[Checkpoint], public_key: bytes, origin: str) -> None:
        self._public_key = public_key
        self._origin = origin
        self._problems: list[Problem] = []
        self._dropped = 0
        self._by_size: dict[int, list[Checkpoint]] = {}
        for item in checkpoints:
            self._check_signature(item)
            self._by_size.setdefault(item.tree_size, []).append(item)
        self._sizes = sorted(self._by_size)
        self._frontier: list[bytes] = []
        self._count = 0
        self._next = 0
        self._gaps = Gaps()
        self._matched = 0  # the largest checkpointed size whose root matched
        self._mismatches = 0
        self._checkpoints = len(checkpoints)

    @property
    def size(self) -> int:
        """How many entries have been fed."""
        return self._count

    @property
    def root(self) -> bytes:
        """The root over the recorded leaf hashes fed so far."""
        return fold(self._frontier)

    def report(self, message: str, index: int | None = None, checkpoint: int | None = None) -> None:
        """Record a problem (past ``MAX_PROBLEMS`` only count it)."""
        if len(self._problems) < MAX_PROBLEMS:
            self._problems.append(Problem(message, index, checkpoint))
        else:
            self._dropped += 1

    def add(self, body: bytes, recorded: bytes | None, parsed: Any) -> list[tuple[int, int, bytes]]:
        """Feed the next entry: its body bytes, recorded leaf hash (None if lost) and parsed body.

        Returns the perfect subtrees this entry completes, for comparison with stored ones.
        """
        position = self._count
        computed = leaf_hash(body)
        index = body_index(parsed)
        name = position if index is None else index
        if index is None:
            self.report(f"entry {position} changed (its body is not a log entry)", position)
        if recorded is None or len(recorded) != HASH_SIZE:
            self.report(f"entry {name} has no readable leaf hash", name)
            recorded = computed
        elif computed != recorded:
            self.report(f"entry {name} changed ({self._committed_by(name)})", name)
        self._track(index, position)
        completed = append_to_frontier(self._frontier, position, recorded)
        self._count += 1
        if self._count in self._by_size:
            self._check_root()
        return completed

    def _committed_by(self, index: int) -> str:
        at = bisect.bisect_right(self._sizes, index)
        if at == len(self._sizes):
            return "its body no longer hashes to its recorded leaf hash"
        first = self._by_size[self._sizes[at]][0]
        return (
            "its body no longer hashes to the leaf hash committed by checkpoint "
            f"{first.id} at size {first.tree_size}"
        )

    def _track(self, index: int | None, position: int) -> None:
        if index is None or index == self._next:
            self._next += 1
        elif index > self._next:
            self._gaps.add(self._next, index)
            self._next = index + 1
        elif self._gaps.take(index):
            self.report(
                f"entries reordered at {index}: entry {index} is stored after later ones", index
            )
        else:
            self.report(
                f"entry inserted at {index}: the entry stored at position {position} "
                f"claims index {index}, which another entry already has",
                index,
            )

    def _check_signature(self, item: Checkpoint) -> None:
        if item.origin != self._origin:
            self.report(
                f"checkpoint {item.id} is for the log {item.origin!r}, not {self._origin!r}",
                checkpoint=item.id,
            )
        elif not signature_valid(item, self._public_key):
            expected = key_id(item.origin, self._public_key)
            why = (
                f"it does not verify with key {expected}"
                if item.key_id == expected
                else f"it names key {item.key_id}, not the trusted key {expected}"
            )
            self.report(f"checkpoint {item.id} signature invalid ({why})", checkpoint=item.id)

    def _check_root(self) -> None:
        root = fold(self._frontier)
        for item in self._by_size[self._count]:
            if item.root_hash == root:
                self._matched = self._count
                continue
            self._mismatches += 1
            if self._mismatches == 1:
                self.report(
                    f"checkpoint {item.id} (size {item.tree_size}) does not match the entries: "
                    f"an entry in {self._matched}..{item.tree_size - 1} was changed, removed, "
                    "inserted or reordered",
                    self._matched,
                    item.id,
                )

    def finish(self, expected_size: int, *, tail_signed: bool) -> VerifyReport:
        """Close the check: entries still missing, unsigned or uncovered; then the report."""
        self._report_missing(max(expected_size, self._sizes[-1] if self._sizes else 0))
        if self._mismatches > 1:
            later = self._mismatches - 1
            self.report(f"{later} later checkpoint(s) do not match the entries either")
        signed = self._sizes[-1] if self._sizes else 0
        if tail_signed and self._count > signed:
            extra = self._count - signed
            lie = "entry lies" if extra == 1 else "entries lie"
            self.report(
                f"entry inserted at {signed}: {extra} {lie} past the last signed checkpoint "
                f"(size {signed})",
                signed,
            )
        # Entries first, in log order; then checkpoints and the rest, as found.
        self._problems.sort(key=lambda p: (p.index is None, p.index or 0))
        if self._dropped:
            self._problems.append(Problem(f"{self._dropped} more problems not listed"))
        return VerifyReport(
            ok=not self._problems,
            entries_checked=self._count,
            checkpoints_checked=self._checkpoints,
            tree_size=self._count,
            root_hash=self.root,
            key_id=key_id(self._origin, self._public_key),
            problems=tuple(self._problems),
        )

    def _report_missing(self, expected_size: int) -> None:
        gaps = self._gaps.remaining()
        if self._next < expected_size:
            gaps.append((self._next, expected_size))
        for start, end in gaps:
            if end - start == 1:
                self.report(f"entry {start} missing", start)
            else:
                self.report(f"entries {start}..{end - 1} missing", start)
        for size in self._sizes:
            if size > self._count:
                item = self._by_size[size][0]
                self.report(
                    f"checkpoint {item.id} covers {size} entries but only {self._count} are there",
                    checkpoint=item.id,
                )


def parse_body(body: bytes) -> Any:
    """The JSON value of an entry body, or None when it is not JSON."""
    try:
        return json.loads(body)
    except ValueError:
        return None


def body_index(value: Any) -> int | None:
    """The index an entry body claims, or None when it claims none."""
    index = value.get("index") if isinstance(value, dict) else None
    return index if isinstance(index, int) and not isinstance(index, bool) and index >= 0 else None
