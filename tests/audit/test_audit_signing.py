"""The signing key and signed-note checkpoints."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mamori.audit.errors import SigningKeyError, SigningKeyExistsError
from mamori.audit.models import Checkpoint
from mamori.audit.signing import (
    Signer,
    checkpoint_body,
    generate_key_file,
    key_id,
    load_or_create_signer,
    load_signer,
    parse_public_key,
    signature_valid,
    signed_note,
)
from mamori.core.settings import Settings, load_settings

ROOT = hashlib.sha256(b"root").digest()


def _checkpoint(signer: Signer, size: int = 7) -> Checkpoint:
    timestamp = dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    draft = Checkpoint(0, signer.origin, size, ROOT, timestamp, signer.key_id, b"")
    return dataclasses.replace(draft, signature=signer.sign(checkpoint_body(draft)))


def test_first_load_creates_a_private_key_readable_only_by_its_owner(settings: Settings) -> None:
    path = settings.signing_key_path
    assert not path.exists() and not path.parent.exists()
    signer = load_signer(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    again = load_signer(settings)
    assert again.public_key == signer.public_key
    assert list(path.parent.iterdir()) == [path]


def test_load_without_create_refuses_a_missing_key(settings: Settings) -> None:
    with pytest.raises(SigningKeyError) as caught:
        load_signer(settings, create=False)
    assert caught.value.where == str(settings.signing_key_path)


def test_generating_never_overwrites_a_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.pem"
    generate_key_file(path)
    before = path.read_bytes()
    with pytest.raises(SigningKeyExistsError):
        generate_key_file(path)
    assert path.read_bytes() == before


def test_a_key_that_is_not_ed25519_pem_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.pem"
    path.write_text("not a key")
    with pytest.raises(SigningKeyError):
        load_signer(load_settings(data_dir=tmp_path, audit_signing_key_file=path))


def test_public_key_exports_and_key_id_follow_signed_notes(settings: Settings) -> None:
    signer = load_signer(settings)
    assert len(signer.public_key) == 32
    assert parse_public_key(signer.public_key_pem) == signer.public_key
    assert parse_public_key(signer.public_key_b64) == signer.public_key
    assert parse_public_key(signer.public_key) == signer.public_key
    expected = hashlib.sha256(b"mamori.local/audit\n\x01" + signer.public_key).digest()[:4]
    assert signer.key_id == expected.hex() == key_id(signer.origin, signer.public_key)
    with pytest.raises(SigningKeyError):
        parse_public_key("AAAA")


def test_checkpoint_note_has_the_c2sp_shape_and_verifies() -> None:
    signer = Signer(Ed25519PrivateKey.generate(), "bank.example/audit")
    item = _checkpoint(signer)
    root = base64.b64encode(ROOT).decode()
    body = f"bank.example/audit\n7\n{root}\nTimestamp: 2026-01-02T03:04:05.000006Z\n"
    assert checkpoint_body(item) == body.encode()
    note = signed_note(item)
    assert note.startswith(body + "\n\u2014 bank.example/audit ")
    stamp = base64.b64decode(note.rsplit(" ", 1)[1])
    assert stamp[:4].hex() == signer.key_id and stamp[4:] == item.signature
    assert signature_valid(item, signer.public_key)


def test_changed_or_foreign_checkpoints_do_not_verify() -> None:
    signer = Signer(Ed25519PrivateKey.generate(), "bank.example/audit")
    other = Signer(Ed25519PrivateKey.generate(), "bank.example/audit")
    item = _checkpoint(signer)
    assert not signature_valid(dataclasses.replace(item, tree_size=8), signer.public_key)
    assert not signature_valid(dataclasses.replace(item, root_hash=b"\0" * 32), signer.public_key)
    assert not signature_valid(item, other.public_key)
    flipped = bytes([item.signature[0] ^ 1]) + item.signature[1:]
    assert not signature_valid(dataclasses.replace(item, signature=flipped), signer.public_key)


def test_an_origin_that_cannot_name_a_note_key_is_refused() -> None:
    with pytest.raises(SigningKeyError):
        Signer(Ed25519PrivateKey.generate(), "two words")


def test_a_signer_can_be_opened_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.pem"
    first = load_or_create_signer(path, "bank.example/audit")
    second = load_or_create_signer(path)
    assert first.public_key == second.public_key
    assert (first.origin, second.origin) == ("bank.example/audit", "mamori.local/audit")
