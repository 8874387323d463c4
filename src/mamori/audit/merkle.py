"""RFC 9162 Merkle tree hashing, proofs and their verification, over stored subtrees.

Hashes follow RFC 9162 §2.1.1: a leaf is SHA-256(0x00 || data), an interior node
SHA-256(0x01 || left || right), the empty tree SHA-256("").

Every range of leaves that the RFC's recursive definitions (MTH, PATH, PROOF)
ever hash is made of a few *perfect, aligned* subtrees: node (level, index)
covers leaves ``index·2^level … (index+1)·2^level - 1``. The log stores those
nodes as they complete, so roots and proofs here are folds of O(log n) stored
hashes fetched in one batch through a :data:`NodeLookup`; nothing rehashes leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]
"""(level, index) of a perfect subtree; level 0 is a leaf."""

NodeLookup = Callable[[Sequence[NodeKey]], Mapping[NodeKey, bytes]]
"""Fetches the hashes of the given perfect subtrees, all at once."""

Range = tuple[int, int]
"""Leaves ``start … end - 1`` of the tree."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of a leaf holding ``data``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node over its two children."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def append_to_frontier(
    frontier: list[bytes], size: int, leaf: bytes
) -> list[tuple[int, int, bytes]]:
    """Add leaf number ``size`` to ``frontier`` (in place); return the subtrees it completes.

    The frontier holds the roots of the perfect subtrees that make up a tree of
    ``size`` leaves, largest (leftmost) first: one per set bit of ``size``.
    """
    completed: list[tuple[int, int, bytes]] = []
    node, level, rest = leaf, 0, size
    while rest & 1:
        node = node_hash(frontier.pop(), node)
        level += 1
        rest >>= 1
        completed.append((level, size >> level, node))
    frontier.append(node)
    return completed


def fold(subtree_hashes: Sequence[bytes]) -> bytes:
    """The root over perfect subtrees given largest first (a frontier, or any MTH range)."""
    if not subtree_hashes:
        return EMPTY_ROOT
    root = subtree_hashes[-1]
    for left in reversed(subtree_hashes[:-1]):
        root = node_hash(left, root)
    return root


def subtrees(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees, largest first, whose fold is MTH of leaves ``start … end-1``.

    ``start`` must be aligned as in every range the RFC's recursion produces
    (a multiple of the largest power of two not above ``end - start``).
    """
    keys: list[NodeKey] = []
    position, length = start, end - start
    for level in range(length.bit_length() - 1, -1, -1):
        if length >> level & 1:
            keys.append((level, position >> level))
            position += 1 << level
    return keys


def _split(length: int) -> int:
    """The largest power of two smaller than ``length`` (RFC 9162's k), for length ≥ 2."""
    return 1 << ((length - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes form PATH(index, D[0:size]), in proof order."""
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    path.reverse()
    return path


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose hashes form PROOF(first, D[0:second]), in order (0 < first ≤ second)."""
    proof: list[Range] = []
    start, end, whole = 0, second, True
    while first - start != end - start:
        k = _split(end - start)
        if first - start <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            start += k
            whole = False
    if not whole:
        proof.append((start, end))
    proof.reverse()
    return proof


def range_hashes(ranges: Sequence[Range], lookup: NodeLookup) -> list[bytes]:
    """MTH of each range, from one batched lookup of the stored subtrees."""
    pieces = [subtrees(start, end) for start, end in ranges]
    found = lookup(sorted({key for keys in pieces for key in keys}))
    return [fold([found[key] for key in keys]) for keys in pieces]


def root_at(size: int, lookup: NodeLookup) -> bytes:
    """MTH of the first ``size`` leaves."""
    return range_hashes([(0, size)], lookup)[0] if size else EMPTY_ROOT


def inclusion_proof(index: int, size: int, lookup: NodeLookup) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1 (0 ≤ index < size)."""
    return range_hashes(inclusion_ranges(index, size), lookup)


def consistency_proof(first: int, second: int, lookup: NodeLookup) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 §2.1.4.1 (0 < first ≤ second)."""
    return range_hashes(consistency_ranges(first, second), lookup)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: whether ``proof`` shows leaf hash ``leaf`` at ``index`` in ``root``."""
    if index < 0 or index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: whether ``proof`` shows tree ``first`` is a prefix of tree ``second``."""
    if first < 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


def memory_lookup(leaves: Sequence[bytes]) -> NodeLookup:
    """A lookup over leaf hashes held in memory (hashes each requested subtree directly)."""

    def lookup(keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        return {key: _perfect(leaves, *key) for key in keys}

    return lookup


def _perfect(leaves: Sequence[bytes], level: int, index: int) -> bytes:
    frontier: list[bytes] = []
    start = index << level
    for offset, leaf in enumerate(leaves[start : start + (1 << level)]):
        append_to_frontier(frontier, offset, leaf)
    return frontier[0]


def root_of(leaves: Iterable[bytes]) -> bytes:
    """MTH over leaf hashes, streamed through a frontier."""
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaves):
        append_to_frontier(frontier, size, leaf)
    return fold(frontier)
