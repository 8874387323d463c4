"""RFC 9162 proofs, checked against an independent implementation of the RFC's definitions."""

from __future__ import annotations

import hashlib

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rfc9162_oracle import mth, path, subproof

from mamori.audit import merkle


def _data(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


def _lookup(d: list[bytes]) -> merkle.NodeLookup:
    return merkle.memory_lookup([merkle.leaf_hash(x) for x in d])


def _flip(proof: list[bytes], which: int, byte: int) -> list[bytes]:
    changed = list(proof)
    item = bytearray(changed[which])
    item[byte] ^= 0x01
    changed[which] = bytes(item)
    return changed


def _shape(m: int, n: int) -> list[bool]:
    """For each step of PATH(m, D[n]): whether the sibling lies to the left."""
    return [start <= m for start, _ in merkle.inclusion_ranges(m, n)]


sizes = st.integers(min_value=1, max_value=70)


@given(st.integers(min_value=0, max_value=70))
def test_root_matches_the_rfc_definition(n: int) -> None:
    d = _data(n)
    leaves = [merkle.leaf_hash(x) for x in d]
    assert merkle.root_of(leaves) == mth(d)
    assert merkle.root_at(n, _lookup(d)) == mth(d)


def test_known_answers() -> None:
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


@given(sizes, st.data())
def test_incremental_frontier_stores_every_perfect_subtree(n: int, data: st.DataObject) -> None:
    d = _data(n)
    frontier: list[bytes] = []
    stored: dict[tuple[int, int], bytes] = {}
    for size, x in enumerate(d):
        for level, index, digest in merkle.append_to_frontier(frontier, size, merkle.leaf_hash(x)):
            stored[(level, index)] = digest
    assert merkle.fold(frontier) == mth(d)
    assert len(stored) == n - n.bit_count()
    level = data.draw(st.integers(min_value=1, max_value=max(1, n.bit_length() - 1)))
    assume(n >> level)
    index = data.draw(st.integers(min_value=0, max_value=(n >> level) - 1))
    assert stored[(level, index)] == mth(d[index << level : (index + 1) << level])


@settings(max_examples=200)
@given(sizes, st.data())
def test_inclusion_proofs_match_the_rfc_and_verify(n: int, data: st.DataObject) -> None:
    d = _data(n)
    m = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = merkle.inclusion_proof(m, n, _lookup(d))
    assert proof == path(m, d)
    leaf, root = merkle.leaf_hash(d[m]), mth(d)
    assert merkle.verify_inclusion(leaf, m, n, proof, root)
    assert not merkle.verify_inclusion(leaf, m, n, proof, hashlib.sha256(b"another root").digest())
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), m, n, proof, root)
    if proof:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        byte = data.draw(st.integers(min_value=0, max_value=31))
        assert not merkle.verify_inclusion(leaf, m, n, _flip(proof, which, byte), root)
        assert not merkle.verify_inclusion(leaf, m, n, proof[:-1], root)
    assert not merkle.verify_inclusion(leaf, m, n, [*proof, root], root)
    other = data.draw(st.integers(min_value=0, max_value=n + 3))
    if other != m:
        assert not merkle.verify_inclusion(leaf, other, n, proof, root)
    wrong_size = data.draw(st.integers(min_value=m + 1, max_value=n + 8))
    if wrong_size != n:
        # The size is not hashed into the path: a proof read against another size takes the
        # same steps only when that size gives the path the same shape (which is why mamori
        # proves against sizes its checkpoints sign); any other size fails.
        same_shape = _shape(m, wrong_size) == _shape(m, n)
        assert merkle.verify_inclusion(leaf, m, wrong_size, proof, root) == same_shape


@settings(max_examples=200)
@given(sizes, st.data())
def test_consistency_proofs_match_the_rfc_and_verify(n: int, data: st.DataObject) -> None:
    d = _data(n)
    m = data.draw(st.integers(min_value=1, max_value=n))
    proof = merkle.consistency_proof(m, n, _lookup(d))
    assert proof == subproof(m, d, True)
    first, second = mth(d[:m]), mth(d)
    assert merkle.verify_consistency(m, n, first, second, proof)
    assert not merkle.verify_consistency(m, n, hashlib.sha256(b"x").digest(), second, proof)
    assert not merkle.verify_consistency(m, n, first, hashlib.sha256(b"x").digest(), proof)
    if proof:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        byte = data.draw(st.integers(min_value=0, max_value=31))
        assert not merkle.verify_consistency(m, n, first, second, _flip(proof, which, byte))
        assert not merkle.verify_consistency(m, n, first, second, proof[:-1])
    other = data.draw(st.integers(min_value=1, max_value=n + 3))
    if other != m:
        assert not merkle.verify_consistency(other, n, first, second, proof)


def test_consistency_edge_cases() -> None:
    d = _data(5)
    root = mth(d)
    assert merkle.verify_consistency(5, 5, root, root, [])
    assert not merkle.verify_consistency(5, 5, root, hashlib.sha256(b"x").digest(), [])
    assert not merkle.verify_consistency(4, 5, mth(d[:4]), root, [])
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, root, [])
    assert not merkle.verify_consistency(6, 5, root, root, [])
    assert not merkle.verify_inclusion(merkle.leaf_hash(d[0]), 0, 0, [], root)


@given(sizes, st.data())
def test_ranges_are_made_of_aligned_perfect_subtrees(n: int, data: st.DataObject) -> None:
    m = data.draw(st.integers(min_value=0, max_value=n - 1))
    for start, end in merkle.inclusion_ranges(m, n) + merkle.consistency_ranges(m + 1, n):
        keys = merkle.subtrees(start, end)
        assert sum(1 << level for level, _ in keys) == end - start
        assert keys[0][1] << keys[0][0] == start
        assert [level for level, _ in keys] == sorted((level for level, _ in keys), reverse=True)
