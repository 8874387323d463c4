"""The log's Ed25519 signing key and C2SP signed-note checkpoints.

A checkpoint body is ``<origin>\\n<tree size>\\n<base64 root>\\nTimestamp: <RFC 3339>\\n``
(tlog-checkpoint, with the time as an extension line). The note's signature line
is ``— <origin> base64(key id || signature)``, the key id being the first four
bytes of SHA-256(origin || "\\n" || 0x01 || raw public key), as signed notes define
it for Ed25519 keys, so any signed-note verifier can check a mamori checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mamori.audit.canonical import format_time
from mamori.audit.errors import SigningKeyError, SigningKeyExistsError
from mamori.audit.models import Checkpoint
from mamori.core.settings import Settings

ED25519_NOTE_ALGORITHM = b"\x01"
DEFAULT_ORIGIN = "mamori.local/audit"


class Signer:
    """Signs checkpoints for one log ``origin`` with an Ed25519 private key."""

    def __init__(self, private_key: Ed25519PrivateKey, origin: str) -> None:
        _check_origin(origin)
        self.origin = origin
        self._private_key = private_key
        self.public_key = raw_public_key(private_key.public_key())
        self.key_id = key_id(origin, self.public_key)

    @property
    def public_key_b64(self) -> str:
        """The raw 32-byte public key, base64."""
        return base64.b64encode(self.public_key).decode("ascii")

    @property
    def public_key_pem(self) -> str:
        """The public key as a SubjectPublicKeyInfo PEM block."""
        return public_key_pem(self.public_key)

    def sign(self, message: bytes) -> bytes:
        """An Ed25519 signature over ``message``."""
        return self._private_key.sign(message)


def _check_origin(origin: str) -> None:
    if not origin or any(c.isspace() or c == "+" for c in origin):
        raise SigningKeyError(
            f"the log origin {origin!r} cannot name a signed-note key",
            where="audit_origin",
            hint="use a non-empty name without spaces or '+', e.g. bank.example/audit",
        )


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem(raw: bytes) -> str:
    """The PEM (SubjectPublicKeyInfo) text of a raw Ed25519 public key."""
    key = Ed25519PublicKey.from_public_bytes(raw)
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def key_id(origin: str, public_key: bytes) -> str:
    """The signed-note key id of ``public_key`` under the name ``origin`` (8 hex digits)."""
    digest = hashlib.sha256(origin.encode() + b"\n" + ED25519_NOTE_ALGORITHM + public_key)
    return digest.digest()[:4].hex()


def parse_public_key(value: str | bytes) -> bytes:
    """A raw Ed25519 public key from raw bytes, base64 text or a PEM block."""
    if isinstance(value, bytes) and len(value) == 32:
        return value
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("not an Ed25519 key")
            return raw_public_key(key)
        raw = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise SigningKeyError(
            f"cannot read the public key: {exc}",
            where="public_key",
            hint="pass the PEM or the base64 key that `mamori audit public-key` prints",
        ) from exc
    if len(raw) != 32:
        raise SigningKeyError(
            f"an Ed25519 public key has 32 bytes, not {len(raw)}",
            where="public_key",
            hint="pass the PEM or the base64 key that `mamori audit public-key` prints",
        )
    return raw


def generate_key_file(path: Path) -> None:
    """Write a fresh Ed25519 private key to ``path`` (mode 0600); refuse to overwrite one."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as file:
            file.write(pem)
        # A hard link appears whole and fails if the name exists, so two processes
        # initializing at once never see half a key nor overwrite each other's.
        os.link(draft, path)
    except FileExistsError as exc:
        raise SigningKeyExistsError(
            "a signing key already exists there",
            where=str(path),
            hint="keep it (checkpoints depend on it) or choose another path",
        ) from exc
    except OSError as exc:
        raise SigningKeyError(f"cannot create the signing key: {exc}", where=str(path)) from exc
    finally:
        draft.unlink(missing_ok=True)


def load_key_file(path: Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key (PEM, unencrypted) from ``path``."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"cannot read the signing key: {exc}",
            where=str(path),
            hint="point MAMORI_AUDIT_SIGNING_KEY_FILE at an unencrypted Ed25519 PEM key",
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the signing key is not an Ed25519 key", where=str(path))
    return key


def load_signer(settings: Settings, *, create: bool = True) -> Signer:
    """The signer at ``settings.signing_key_path`` for ``settings.audit_origin``.

    With ``create`` (the default) the key is generated first when absent.
    """
    path = settings.signing_key_path
    if not create:
        return Signer(load_key_file(path), settings.audit_origin)
    return load_or_create_signer(path, settings.audit_origin)


def load_or_create_signer(path: Path, origin: str = DEFAULT_ORIGIN) -> Signer:
    """The signer whose key is at ``path``, generating the key first if absent."""
    if not path.exists():
        # Another process may create it first; then its key is the one to use.
        with contextlib.suppress(SigningKeyExistsError):
            generate_key_file(path)
    return Signer(load_key_file(path), origin)


def note_body(origin: str, tree_size: int, root_hash: bytes, timestamp: dt.datetime) -> bytes:
    """The signed text of a checkpoint."""
    root = base64.b64encode(root_hash).decode("ascii")
    return f"{origin}\n{tree_size}\n{root}\nTimestamp: {format_time(timestamp)}\n".encode()


def checkpoint_body(checkpoint: Checkpoint) -> bytes:
    """The signed text of ``checkpoint``."""
    return note_body(
        checkpoint.origin, checkpoint.tree_size, checkpoint.root_hash, checkpoint.timestamp
    )


def signed_note(checkpoint: Checkpoint) -> str:
    """The checkpoint as a complete signed note: body, blank line, signature line."""
    stamp = base64.b64encode(bytes.fromhex(checkpoint.key_id) + checkpoint.signature)
    body = checkpoint_body(checkpoint).decode()
    return f"{body}\n\u2014 {checkpoint.origin} {stamp.decode('ascii')}\n"


def signature_valid(checkpoint: Checkpoint, public_key: bytes) -> bool:
    """Whether ``checkpoint`` carries a valid signature by ``public_key`` under its origin."""
    if checkpoint.key_id != key_id(checkpoint.origin, public_key):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            checkpoint.signature, checkpoint_body(checkpoint)
        )
    except (InvalidSignature, ValueError):
        return False
    return True
