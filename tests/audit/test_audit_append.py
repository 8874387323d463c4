"""Appending to the log: canonical bodies, dense indices, an incremental tree, concurrency."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
import rfc8785
from audit_helpers import AT, make_entry
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mamori.audit import repository
from mamori.audit.canonical import canonical_bytes
from mamori.audit.errors import EntryInvalidError
from mamori.audit.merkle import EMPTY_ROOT, fold, root_of
from mamori.audit.models import EntryKind, NewEntry
from mamori.audit.service import append, append_many
from mamori.audit.tables import EntryRow, HeadRow, NodeRow
from mamori.store.engine import Database


def _leaves(database: Database) -> list[tuple[int, str, bytes]]:
    with database.session() as session:
        rows = session.execute(
            select(EntryRow.leaf_index, EntryRow.body, EntryRow.leaf_hash).order_by(
                EntryRow.leaf_index
            )
        ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def _stored_root(database: Database) -> bytes:
    with database.session() as session:
        return session.execute(select(HeadRow.root_hash)).scalar_one()


def test_append_returns_dense_indices_from_zero(database: Database) -> None:
    with database.session() as session:
        assert [append(session, make_entry(n)) for n in range(3)] == [0, 1, 2]
    with database.session() as session:
        assert append_many(session, [make_entry(n) for n in range(3, 8)]) == [3, 4, 5, 6, 7]
        assert append_many(session, []) == []
    assert [index for index, _, _ in _leaves(database)] == list(range(8))


def test_body_is_rfc8785_canonical_json_and_leaf_hash_has_the_leaf_prefix(
    database: Database,
) -> None:
    entry = NewEntry(
        kind=EntryKind.DECISION,
        action="program.stop.set",
        actor="user:usr_" + "2" * 32,
        org_id=None,
        at=AT,
        details={"z": [1, "é"], "a": {"b": True, "a": None}},
    )
    with database.session() as session:
        append(session, entry)
    ((_, body, leaf),) = _leaves(database)
    assert body == (
        '{"action":"program.stop.set","actor":"user:usr_' + "2" * 32 + '",'
        '"at":"2026-01-01T09:30:00.000000Z","details":{"a":{"a":null,"b":true},"z":[1,"é"]},'
        '"index":0,"kind":"decision","org_id":null}'
    )
    assert leaf == hashlib.sha256(b"\x00" + body.encode()).digest()


def test_head_root_matches_a_full_recomputation(database: Database) -> None:
    with database.session() as session:
        assert repository.read_head(session).size == 0
    for batch in (1, 2, 5, 13, 1, 31):
        with database.session() as session:
            append_many(session, [make_entry(n) for n in range(batch)])
        leaves = [leaf for _, _, leaf in _leaves(database)]
        assert _stored_root(database) == root_of(leaves)
        with database.session() as session:
            assert fold(repository.read_head(session).frontier) == root_of(leaves)


def test_one_stored_node_per_completed_subtree(database: Database) -> None:
    with database.session() as session:
        append_many(session, [make_entry(n) for n in range(45)])
    with database.session() as session:
        keys = session.execute(select(NodeRow.level, NodeRow.node_index)).all()
    assert len(keys) == 45 - (45).bit_count()
    assert {(level, index) for level, index in keys} == {
        (level, index) for level in range(1, 6) for index in range(45 >> level)
    }


def test_empty_log_has_the_empty_root(database: Database) -> None:
    with database.session() as session:
        head = repository.read_head(session)
    assert (head.size, fold(head.frontier)) == (0, EMPTY_ROOT)


def test_a_rolled_back_transaction_leaves_no_entry_and_no_gap(database: Database) -> None:
    with database.session() as session:
        append(session, make_entry(0))
    with pytest.raises(RuntimeError), database.session() as session:
        append(session, make_entry(1))
        raise RuntimeError("the action failed")
    with database.session() as session:
        assert append(session, make_entry(2)) == 1
    assert [json.loads(body)["details"]["n"] for _, body, _ in _leaves(database)] == [0, 2]


@pytest.mark.parametrize(
    ("details", "where"),
    [({"ratio": 0.5}, "details.ratio"), ({"xs": [1, 2.0]}, "details.xs[1]")],
)
def test_floats_are_refused_with_the_field_named(
    database: Database, details: dict[str, object], where: str
) -> None:
    with pytest.raises(EntryInvalidError) as caught, database.session() as session:
        append(session, make_entry(0, **details))
    assert caught.value.where == where


def test_unserializable_details_and_naive_times_are_refused(database: Database) -> None:
    with pytest.raises(EntryInvalidError), database.session() as session:
        append(session, make_entry(0, when=AT))
    naive = NewEntry(
        kind=EntryKind.PROGRAM, action="a", actor="b", org_id=None, at=AT.replace(tzinfo=None)
    )
    with pytest.raises(EntryInvalidError) as caught, database.session() as session:
        append(session, naive)
    assert caught.value.where == "at"
    with pytest.raises(EntryInvalidError), database.session() as session:
        append(session, make_entry(0, big=2**60))
    with pytest.raises(EntryInvalidError), database.session() as session:
        append(session, make_entry(0, text="lone \ud800 surrogate"))


def test_concurrent_appenders_get_dense_unique_indices(database: Database) -> None:
    workers, per_worker = 6, 15
    returned: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        try:
            for n in range(per_worker):
                with database.session() as session:
                    if n % 3 == 0:
                        got = append_many(session, [make_entry(n), make_entry(n + 1000)])
                    else:
                        got = [append(session, make_entry(worker * 100 + n))]
                with lock:
                    returned.extend(got)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    total = workers * (per_worker + per_worker // 3)
    assert sorted(returned) == list(range(total))
    leaves = _leaves(database)
    assert [index for index, _, _ in leaves] == list(range(total))
    assert all(json.loads(body)["index"] == index for index, body, _ in leaves)
    assert _stored_root(database) == root_of(leaf for _, _, leaf in leaves)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300)
@given(json_values, st.dictionaries(st.text(), json_values, max_size=4))
def test_canonical_bytes_equal_the_rfc8785_reference(
    value: object, details: dict[str, object]
) -> None:
    body = {"index": 0, "details": {"value": value, **details}}
    try:
        expected = rfc8785.dumps(body)
    except rfc8785.CanonicalizationError:
        with pytest.raises(EntryInvalidError):
            canonical_bytes(body)
        return
    assert canonical_bytes(body) == expected


def test_keys_outside_the_bmp_are_ordered_by_utf16_code_units() -> None:
    body = {"details": {"\U0001f600": 1, "\uff61": 2}}
    assert canonical_bytes(body) == rfc8785.dumps(body)
    assert canonical_bytes(body).index("\U0001f600".encode()) < canonical_bytes(body).index(
        "\uff61".encode()
    )
