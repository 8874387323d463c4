"""Export and offline verification: a clean log checks; every kind of tampering is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_helpers import make_entry
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from mamori.audit import merkle, service
from mamori.audit.errors import ExportFormatError
from mamori.audit.export import export_log
from mamori.audit.models import VerifyReport
from mamori.audit.signing import Signer
from mamori.audit.tables import CheckpointRow, EntryRow, HeadRow, NodeRow
from mamori.audit.verify import verify_database, verify_file
from mamori.core.clock import FixedClock
from mamori.store.engine import Database

SIZE = 40


@pytest.fixture
def signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate(), "bank.example/audit")


@pytest.fixture
def logged(database: Database, signer: Signer, clock: FixedClock) -> Database:
    """A log of 40 entries with checkpoints at 10, 20 and 40."""
    for start, end in ((0, 10), (10, 20), (20, 40)):
        with database.session() as session:
            service.append_many(session, [make_entry(n) for n in range(start, end)])
            clock.advance(1)
            service.checkpoint(session, signer, clock)
    return database


@pytest.fixture
def exported(logged: Database, signer: Signer, clock: FixedClock, tmp_path: Path) -> Path:
    path = tmp_path / "audit-log.jsonl"
    summary = export_log(logged, path, signer, clock)
    assert (summary.entries, summary.checkpoints) == (SIZE, 3)
    return path


class Lines:
    """An export split into its header, checkpoint and entry lines, to tamper with."""

    def __init__(self, path: Path) -> None:
        self.path = path
        lines = path.read_bytes().splitlines(keepends=True)
        count = json.loads(lines[0])["checkpoints"]
        self.header, self.checkpoints, self.entries = (
            lines[0],
            lines[1 : 1 + count],
            lines[1 + count :],
        )

    def save(self) -> VerifyReport:
        self.path.write_bytes(b"".join([self.header, *self.checkpoints, *self.entries]))
        return verify_file(self.path)


def _messages(report: VerifyReport) -> list[str]:
    return [problem.message for problem in report.problems]


def _indices(report: VerifyReport) -> list[int | None]:
    return [problem.index for problem in report.problems]


def test_an_untouched_export_verifies(exported: Path, signer: Signer) -> None:
    report = verify_file(exported, signer.public_key_pem)
    assert report.ok, report.problems
    assert (report.entries_checked, report.checkpoints_checked) == (SIZE, 3)
    assert report.key_id == signer.key_id


def test_the_export_holds_canonical_bodies_hashes_checkpoints_and_key(
    exported: Path, signer: Signer, logged: Database
) -> None:
    lines = Lines(exported)
    header = json.loads(lines.header)
    assert (header["format"], header["version"], header["tree_size"]) == ("mamori.audit.log", 1, 40)
    assert header["public_key"] == signer.public_key_b64
    assert header["public_key_pem"] == signer.public_key_pem
    checkpoint = json.loads(lines.checkpoints[-1])["checkpoint"]
    assert checkpoint["note"].startswith("bank.example/audit\n40\n")
    first = lines.entries[0]
    with logged.session() as session:
        body = session.scalar(select(EntryRow.body).where(EntryRow.leaf_index == 0))
    leaf = merkle.leaf_hash(body.encode()).hex()
    assert first == f'{{"leaf_hash":"{leaf}","entry":{body}}}\n'.encode()


def test_a_changed_entry_is_named(exported: Path) -> None:
    lines = Lines(exported)
    lines.entries[17] = lines.entries[17].replace(b'"n":17', b'"n":99')
    report = lines.save()
    assert not report.ok
    assert _indices(report) == [17]
    assert _messages(report)[0].startswith("entry 17 changed (")
    assert "checkpoint" in _messages(report)[0]


def test_a_changed_entry_with_a_recomputed_hash_breaks_its_checkpoint(exported: Path) -> None:
    lines = Lines(exported)
    body = lines.entries[15][88:-2].replace(b'"n":15', b'"n":99')
    lines.entries[15] = b'{"leaf_hash":"%s","entry":%s}\n' % (
        merkle.leaf_hash(body).hex().encode(),
        body,
    )
    report = lines.save()
    assert not report.ok
    assert "does not match the entries: an entry in 10..19" in _messages(report)[0]
    assert report.problems[0].index == 10


def test_a_removed_entry_is_named(exported: Path) -> None:
    lines = Lines(exported)
    del lines.entries[5]
    report = lines.save()
    assert "entry 5 missing" in _messages(report)
    assert not report.ok


def test_reordered_entries_are_named(exported: Path) -> None:
    lines = Lines(exported)
    lines.entries[8], lines.entries[9] = lines.entries[9], lines.entries[8]
    report = lines.save()
    assert any(m.startswith("entries reordered at 8") for m in _messages(report))
    assert "entry 8 missing" not in _messages(report)


def test_an_inserted_entry_is_named(exported: Path) -> None:
    lines = Lines(exported)
    forged = lines.entries[12].replace(b'"n":12', b'"n":1000')
    lines.entries.insert(12, forged)
    report = lines.save()
    assert any(m.startswith("entry inserted at 12") for m in _messages(report))


def test_an_entry_added_after_the_last_checkpoint_is_named(exported: Path) -> None:
    lines = Lines(exported)
    lines.entries.append(lines.entries[-1].replace(b'"index":39', b'"index":40'))
    report = lines.save()
    assert any(m.startswith("entry inserted at 40") for m in _messages(report))


def test_a_truncated_export_names_the_missing_entries(exported: Path) -> None:
    lines = Lines(exported)
    del lines.entries[37:]
    report = lines.save()
    assert "entries 37..39 missing" in _messages(report)


def test_a_corrupted_checkpoint_signature_is_named(exported: Path) -> None:
    lines = Lines(exported)
    value = json.loads(lines.checkpoints[1])
    signature = value["checkpoint"]["signature"]
    value["checkpoint"]["signature"] = ("B" if signature[0] == "A" else "A") + signature[1:]
    lines.checkpoints[1] = json.dumps(value).encode() + b"\n"
    report = lines.save()
    checkpoint_id = value["checkpoint"]["id"]
    assert any(
        m.startswith(f"checkpoint {checkpoint_id} signature invalid") for m in _messages(report)
    )
    assert [p.checkpoint_id for p in report.problems] == [checkpoint_id]


def test_a_checkpoint_with_a_changed_size_fails_its_signature(exported: Path) -> None:
    lines = Lines(exported)
    lines.checkpoints[0] = lines.checkpoints[0].replace(b'"tree_size": 10', b'"tree_size": 11')
    assert not lines.save().ok


def test_an_export_checked_against_another_key_fails(exported: Path) -> None:
    other = Signer(Ed25519PrivateKey.generate(), "bank.example/audit")
    report = verify_file(exported, other.public_key_b64)
    assert not report.ok
    assert "the export names a different public key than the trusted one" in _messages(report)
    assert sum("signature invalid" in m for m in _messages(report)) == 3


def test_a_reformatted_but_unchanged_export_still_verifies(exported: Path) -> None:
    lines = Lines(exported)
    lines.entries = [
        json.dumps(json.loads(line), indent=None).encode() + b"\n" for line in lines.entries
    ]
    assert lines.save().ok


def test_a_file_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"hello": "world"}\n')
    with pytest.raises(ExportFormatError) as caught:
        verify_file(path)
    assert caught.value.where == f"{path}:1"
    with pytest.raises(ExportFormatError):
        verify_file(tmp_path / "absent.jsonl")


def test_an_untouched_database_verifies(logged: Database, signer: Signer) -> None:
    report = verify_database(logged, signer.public_key_pem, "bank.example/audit")
    assert report.ok, report.problems
    assert (report.entries_checked, report.checkpoints_checked) == (SIZE, 3)


def test_database_tampering_is_named(logged: Database, signer: Signer) -> None:
    with logged.session() as session:
        body = session.scalar(select(EntryRow.body).where(EntryRow.leaf_index == 7))
        session.execute(
            update(EntryRow)
            .where(EntryRow.leaf_index == 7)
            .values(body=body.replace('"n":7', '"n":70'))
        )
        session.execute(delete(EntryRow).where(EntryRow.leaf_index == 25))
    report = verify_database(logged, signer.public_key)
    assert "entry 25 missing" in _messages(report)
    assert any(m.startswith("entry 7 changed") for m in _messages(report))


def test_database_reorder_and_insert_are_named(logged: Database, signer: Signer) -> None:
    with logged.session() as session:
        rows = {
            row.leaf_index: (row.body, row.leaf_hash)
            for row in session.scalars(select(EntryRow).where(EntryRow.leaf_index.in_([8, 9])))
        }
        for index, other in ((8, 9), (9, 8)):
            session.execute(
                update(EntryRow)
                .where(EntryRow.leaf_index == index)
                .values(body=rows[other][0], leaf_hash=rows[other][1])
            )
        forged = rows[8][0].replace('"index":8', f'"index":{SIZE}')
        values = {"leaf_index": SIZE, "kind": "program", "action": "x", "actor": "y"}
        values |= {"org_id": None, "at": make_entry().at, "body": forged, "leaf_hash": b"0" * 32}
        session.execute(insert(EntryRow).values(values))
    report = verify_database(logged, signer.public_key)
    assert any(m.startswith("entries reordered at 8") for m in _messages(report))
    assert any(m.startswith(f"entry inserted at {SIZE}") for m in _messages(report))


def test_database_checkpoint_and_subtree_damage_is_named(logged: Database, signer: Signer) -> None:
    with logged.session() as session:
        session.execute(
            update(NodeRow)
            .where(NodeRow.level == 2, NodeRow.node_index == 3)
            .values(hash=b"\0" * 32)
        )
        first = session.scalar(select(CheckpointRow.id).order_by(CheckpointRow.id))
        session.execute(
            update(CheckpointRow).where(CheckpointRow.id == first).values(signature=b"\0" * 64)
        )
    report = verify_database(logged, signer.public_key)
    assert any(m.startswith(f"checkpoint {first} signature invalid") for m in _messages(report))
    assert any("(level 2, index 3) over entries 12..15" in m for m in _messages(report))


def test_a_damaged_head_is_reported_not_raised(logged: Database, signer: Signer) -> None:
    with logged.session() as session:
        session.execute(update(HeadRow).values(frontier=b"\1" * 31))
    report = verify_database(logged, signer.public_key)
    assert not report.ok
    assert any(m.startswith("the log's head is damaged") for m in _messages(report))


def test_an_empty_log_verifies(database: Database, signer: Signer) -> None:
    report = verify_database(database, signer.public_key)
    assert (report.ok, report.entries_checked, report.root_hash) == (True, 0, merkle.EMPTY_ROOT)


tampering = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, SIZE - 1)),
    st.tuples(st.just("swap"), st.integers(0, SIZE - 2)),
    st.tuples(st.just("duplicate"), st.integers(0, SIZE - 1)),
    st.tuples(st.just("change"), st.integers(0, SIZE - 1)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tampering)
def test_any_single_tampering_is_detected_and_names_the_entry(
    exported: Path, change: tuple[str, int]
) -> None:
    lines = Lines(exported)
    original = list(lines.entries)
    operation, at = change
    if operation == "delete":
        del lines.entries[at]
    elif operation == "swap":
        lines.entries[at], lines.entries[at + 1] = lines.entries[at + 1], lines.entries[at]
    elif operation == "duplicate":
        lines.entries.insert(at, lines.entries[at])
    else:
        lines.entries[at] = lines.entries[at].replace(b'"n":', b'"n":1')
    report = lines.save()
    lines.entries = original
    lines.save()
    assert not report.ok
    assert at in _indices(report)
