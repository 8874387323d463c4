"""Reading the log: entries scoped by organization, checkpoints, proofs from stored subtrees."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from audit_helpers import ORG_A, ORG_B, make_entry
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rfc9162_oracle import mth, path, subproof

from mamori.audit import merkle, service
from mamori.audit.errors import AuditRequestError, CheckpointNotFoundError, EntryNotFoundError
from mamori.audit.models import EntryKind
from mamori.audit.signing import Signer, signature_valid
from mamori.audit.tables import EntryRow
from mamori.core.clock import FixedClock
from mamori.store.engine import Database


def _fill(database: Database, n: int) -> list[bytes]:
    """Append ``n`` entries (alternating organizations); return their canonical bodies."""
    with database.session() as session:
        service.append_many(
            session, [make_entry(i, ORG_A if i % 2 == 0 else ORG_B) for i in range(n)]
        )
    with database.session() as session:
        bodies = session.query(EntryRow.body).order_by(EntryRow.leaf_index).all()
    return [body.encode() for (body,) in bodies]


def test_entries_are_read_by_range_and_scoped_to_an_organization(database: Database) -> None:
    _fill(database, 9)
    with database.session() as session:
        everything = service.list_entries(session, org_id=None)
        page = service.list_entries(session, org_id=None, start=3, limit=2)
        own = service.list_entries(session, org_id=ORG_B)
        stranger = service.list_entries(session, org_id="org_" + "c" * 32)
    assert [e.index for e in everything] == list(range(9))
    assert [e.index for e in page] == [3, 4]
    assert [e.index for e in own] == [1, 3, 5, 7]
    assert all(e.org_id == ORG_B for e in own)
    assert stranger == []
    first = everything[0]
    assert (first.kind, first.details, first.org_id) == (EntryKind.PROGRAM, {"n": 0}, ORG_A)
    assert first.leaf_hash == merkle.leaf_hash(first.body.encode())


def test_an_entry_of_another_organization_is_not_found(database: Database) -> None:
    _fill(database, 2)
    with database.session() as session:
        assert service.get_entry(session, 1, org_id=ORG_B).index == 1
        assert service.get_entry(session, 1, org_id=None).index == 1
        with pytest.raises(EntryNotFoundError):
            service.get_entry(session, 1, org_id=ORG_A)
        with pytest.raises(EntryNotFoundError):
            service.get_entry(session, 5, org_id=None)
        with pytest.raises(EntryNotFoundError):
            service.inclusion_proof(session, 1, 2, org_id=ORG_A)


@pytest.mark.parametrize(("start", "limit", "where"), [(-1, 10, "start"), (0, 0, "limit")])
def test_bad_pages_are_refused(database: Database, start: int, limit: int, where: str) -> None:
    with pytest.raises(AuditRequestError) as caught, database.session() as session:
        service.list_entries(session, org_id=None, start=start, limit=limit)
    assert caught.value.where == where


def test_stored_proofs_agree_with_the_rfc_oracle(database: Database) -> None:
    bodies = _fill(database, 13)
    with database.session() as session:
        for size in range(1, 14):
            root = mth(bodies[:size])
            for index in range(size):
                proof = service.inclusion_proof(session, index, size, org_id=None)
                assert list(proof.path) == path(index, bodies[:size])
                assert proof.root_hash == root
                assert merkle.verify_inclusion(proof.leaf_hash, index, size, proof.path, root)
            for first in range(1, size + 1):
                consistency = service.consistency_proof(session, first, size)
                assert list(consistency.path) == subproof(first, bodies[:size], True)
                assert (consistency.first_root, consistency.second_root) == (
                    mth(bodies[:first]),
                    root,
                )


@pytest.mark.parametrize(
    ("index", "size", "where"),
    [(0, 0, "tree_size"), (0, 6, "tree_size"), (3, 3, "index"), (-1, 2, "index")],
)
def test_proofs_outside_the_tree_are_refused(
    database: Database, index: int, size: int, where: str
) -> None:
    _fill(database, 5)
    with pytest.raises(AuditRequestError) as caught, database.session() as session:
        service.inclusion_proof(session, index, size, org_id=None)
    assert caught.value.where == where


@pytest.mark.parametrize(
    ("first", "second", "where"), [(0, 3, "first"), (4, 3, "first"), (1, 6, "second")]
)
def test_consistency_outside_the_tree_is_refused(
    database: Database, first: int, second: int, where: str
) -> None:
    _fill(database, 5)
    with pytest.raises(AuditRequestError) as caught, database.session() as session:
        service.consistency_proof(session, first, second)
    assert caught.value.where == where


def test_checkpoints_sign_the_current_tree_and_are_reused_until_it_grows(
    database: Database, clock: FixedClock
) -> None:
    signer = Signer(Ed25519PrivateKey.generate(), "bank.example/audit")
    with database.session() as session:
        with pytest.raises(CheckpointNotFoundError):
            service.latest_checkpoint(session)
        empty = service.checkpoint(session, signer, clock)
    assert (empty.tree_size, empty.root_hash) == (0, hashlib.sha256(b"").digest())
    bodies = _fill(database, 6)
    clock.advance(60)
    with database.session() as session:
        first = service.checkpoint(session, signer, clock)
    clock.advance(60)
    with database.session() as session:
        again = service.checkpoint(session, signer, clock)
        latest = service.latest_checkpoint(session)
        every = service.all_checkpoints(session)
    assert (first.tree_size, first.root_hash) == (6, mth(bodies))
    assert first.timestamp == clock.now().replace(minute=1)
    assert again == first == latest
    assert [c.id for c in every] == [empty.id, first.id]
    assert all(signature_valid(c, signer.public_key) for c in every)
    with database.session() as session:
        assert service.tree_head(session).root_hash == mth(bodies)


def test_every_pair_of_checkpoints_is_consistent(database: Database, clock: FixedClock) -> None:
    signer = Signer(Ed25519PrivateKey.generate(), "bank.example/audit")
    for n in (1, 3, 4, 9):
        _fill(database, n)
        with database.session() as session:
            service.checkpoint(session, signer, clock)
    with database.session() as session:
        heads = service.all_checkpoints(session)
        for old, new in itertools.combinations(heads, 2):
            proof = service.consistency_proof(session, old.tree_size, new.tree_size)
            assert merkle.verify_consistency(
                old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof.path
            )
