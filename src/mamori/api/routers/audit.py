"""The transparency log over HTTP: entries, signed checkpoints, inclusion and consistency proofs.

Each read exists twice: under ``/orgs/{org_id}/audit`` an organization reads its
own entries; under ``/audit`` the program (regulators, operators) reads them all,
optionally filtered with ``?org_id=``. The gate tells the two apart by the path.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from mamori.api.gate import Caller, gate, platform_of, public
from mamori.audit import service as audit
from mamori.audit.models import Checkpoint, Entry
from mamori.audit.signing import signed_note

router = APIRouter(tags=["audit"])

# Entry indices are 64-bit in the store; a larger number names no entry, and would
# overflow the database driver (a server error) if it reached a query.
MAX_INDEX = 2**63 - 1


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class EntryOut(BaseModel):
    index: int
    kind: str
    action: str
    actor: str
    org_id: str | None
    at: dt.datetime
    details: dict[str, Any]
    body: str
    leaf_hash: str

    @classmethod
    def of(cls, entry: Entry) -> EntryOut:
        return cls(
            index=entry.index,
            kind=entry.kind.value,
            action=entry.action,
            actor=entry.actor,
            org_id=entry.org_id,
            at=entry.at,
            details=dict(entry.details),
            body=entry.body,
            leaf_hash=b64(entry.leaf_hash),
        )


class EntryPage(BaseModel):
    entries: list[EntryOut]
    next_start: int | None


class CheckpointOut(BaseModel):
    origin: str
    tree_size: int
    root_hash: str
    timestamp: dt.datetime
    key_id: str
    signature: str
    note: str

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointOut:
        return cls(
            origin=checkpoint.origin,
            tree_size=checkpoint.tree_size,
            root_hash=b64(checkpoint.root_hash),
            timestamp=checkpoint.timestamp,
            key_id=checkpoint.key_id,
            signature=b64(checkpoint.signature),
            note=signed_note(checkpoint),
        )


class InclusionOut(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    path: list[str]


class ConsistencyOut(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    path: list[str]


class PublicKeyOut(BaseModel):
    origin: str
    key_id: str
    algorithm: str
    public_key: str
    pem: str


def list_entries(
    request: Request,
    caller: Annotated[Caller, gate("audit.read")],
    org_id: str | None = None,
    start: Annotated[int, Query(ge=0, le=MAX_INDEX)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EntryPage:
    """Entries from ``start`` on, oldest first."""
    with platform_of(request).database.session() as session:
        entries = audit.list_entries(session, org_id=org_id, start=start, limit=limit)
    next_start = entries[-1].index + 1 if len(entries) == limit else None
    return EntryPage(entries=[EntryOut.of(e) for e in entries], next_start=next_start)


def get_entry(
    request: Request,
    caller: Annotated[Caller, gate("audit.read")],
    index: Annotated[int, Path(ge=0, le=MAX_INDEX)],
    org_id: str | None = None,
) -> EntryOut:
    """One entry by its index."""
    with platform_of(request).database.session() as session:
        return EntryOut.of(audit.get_entry(session, index, org_id=org_id))


def checkpoint(
    request: Request, caller: Annotated[Caller, gate("audit.verify")], org_id: str | None = None
) -> CheckpointOut:
    """The latest signed checkpoint, made fresh if the log has grown since the last one."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return CheckpointOut.of(audit.checkpoint(session, platform.signer, platform.clock))


def inclusion(
    request: Request,
    caller: Annotated[Caller, gate("audit.verify")],
    index: Annotated[int, Query(ge=0)],
    tree_size: Annotated[int, Query(ge=1)],
    org_id: str | None = None,
) -> InclusionOut:
    """RFC 9162 inclusion proof of entry ``index`` in the tree of ``tree_size`` entries."""
    with platform_of(request).database.session() as session:
        proof = audit.inclusion_proof(session, index, tree_size, org_id=org_id)
    return InclusionOut(
        index=proof.index,
        tree_size=proof.tree_size,
        leaf_hash=b64(proof.leaf_hash),
        root_hash=b64(proof.root_hash),
        path=[b64(node) for node in proof.path],
    )


def consistency(
    request: Request,
    caller: Annotated[Caller, gate("audit.verify")],
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
    org_id: str | None = None,
) -> ConsistencyOut:
    """RFC 9162 consistency proof between the trees of ``first`` and ``second`` entries."""
    with platform_of(request).database.session() as session:
        proof = audit.consistency_proof(session, first, second)
    return ConsistencyOut(
        first=proof.first,
        second=proof.second,
        first_root=b64(proof.first_root),
        second_root=b64(proof.second_root),
        path=[b64(node) for node in proof.path],
    )


_READS: list[tuple[str, Callable[..., Any]]] = [
    ("/entries", list_entries),
    ("/entries/{index}", get_entry),
    ("/checkpoint", checkpoint),
    ("/proofs/inclusion", inclusion),
    ("/proofs/consistency", consistency),
]

for _path, _handler in _READS:
    router.add_api_route(
        f"/audit{_path}", _handler, methods=["GET"], name=f"program_{_handler.__name__}"
    )
    router.add_api_route(
        f"/orgs/{{org_id}}/audit{_path}", _handler, methods=["GET"], name=f"org_{_handler.__name__}"
    )


@router.get("/audit/public-key")
def public_key(request: Request, _: Annotated[None, public()]) -> PublicKeyOut:
    """The Ed25519 key that signs checkpoints, for offline verification."""
    signer = platform_of(request).signer
    return PublicKeyOut(
        origin=signer.origin,
        key_id=signer.key_id,
        algorithm="ed25519",
        public_key=signer.public_key_b64,
        pem=signer.public_key_pem,
    )
