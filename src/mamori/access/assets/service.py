"""Registering an organization's assets, reading them, and verifying their ownership.

Every function is scoped to one organization: another organization's asset is
reported as not found, exactly as if it did not exist. Who may call what is the
gate's decision, never this module's.
"""

from __future__ import annotations

import enum
import logging
from typing import TypeVar

from sqlalchemy.orm import Session

from mamori.access.assets import repository as repo
from mamori.access.assets.base import Verifiers
from mamori.access.assets.errors import (
    AssetNotFoundError,
    DuplicateAssetError,
    InvalidAssetError,
    VerifierUnavailableError,
)
from mamori.access.assets.models import Asset, ProofInstruction, ProofResult, Registration
from mamori.access.assets.proofs import check_method, instructions, methods_for, new_token
from mamori.access.assets.values import normalize
from mamori.access.models import AssetKind, AssetStatus, Principal, ProofMethod
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.core.errors import NotFoundError
from mamori.core.ids import AssetId, OrgId, new_id
from mamori.core.logging import event, get_logger

log = get_logger(__name__)

E = TypeVar("E", bound=enum.Enum)


def _choice(enum_type: type[E], value: E | str, where: str) -> E:
    """``value`` as a member of ``enum_type``; InvalidAssetError naming the choices otherwise."""
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(str(member.value) for member in enum_type)
        raise InvalidAssetError(f"{value!r} is not one of: {choices}", where=where) from None


def register_asset(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId,
    kind: AssetKind | str,
    value: str,
    method: ProofMethod | str | None = None,
) -> Registration:
    """Register an asset, pending until proven, and say how to publish its challenge.

    ``method`` defaults to the first that fits the asset. Raises InvalidAssetError for a
    bad value or a method that cannot prove it, DuplicateAssetError when the organization
    already has the asset; nothing is written then.
    """
    asset = _new_asset(org_id, kind, value, method, clock)
    if not repo.organization_exists(session, org_id):
        raise NotFoundError(f"no organization {org_id}", where="org_id")
    existing = repo.find_asset(session, org_id, asset.kind, asset.value)
    if existing is not None or not repo.insert_asset(session, asset):
        raise DuplicateAssetError(
            f"the {asset.kind.value} {asset.value} is already registered",
            where="value",
            hint="read the existing asset instead of registering it again",
        )
    details = {
        "asset_id": asset.id,
        "kind": asset.kind.value,
        "value": asset.value,
        "proof_method": asset.proof_method.value,
    }
    record(session, clock, "assets.registered", actor=actor.label, org_id=org_id, details=details)
    return Registration(asset, challenge(asset))


def _new_asset(
    org_id: OrgId,
    kind: AssetKind | str,
    value: str,
    method: ProofMethod | str | None,
    clock: Clock,
) -> Asset:
    kind = _choice(AssetKind, kind, "kind")
    normalized = normalize(kind, value)
    chosen = methods_for(kind, normalized)[0] if method is None else method
    chosen = _choice(ProofMethod, chosen, "proof_method")
    check_method(kind, normalized, chosen)
    return Asset(
        id=AssetId(new_id("ast")),
        org_id=org_id,
        kind=kind,
        value=normalized,
        proof_method=chosen,
        challenge_token=new_token(),
        status=AssetStatus.PENDING,
        verified_at=None,
        last_checked_at=None,
        last_error=None,
        created_at=clock.now(),
    )


def challenge(asset: Asset) -> tuple[ProofInstruction, ...]:
    """How to publish the asset's token, for every method that fits it, its own first."""
    return instructions(asset.kind, asset.value, asset.challenge_token, asset.proof_method)


def get_asset(session: Session, org_id: OrgId, asset_id: str) -> Asset:
    """The organization's asset; AssetNotFoundError if it has none with this id."""
    asset = repo.get_asset(session, org_id, asset_id)
    if asset is None:
        raise AssetNotFoundError(f"no asset {asset_id} in this organization", where="asset_id")
    return asset


def list_assets(
    session: Session,
    org_id: OrgId,
    *,
    kind: AssetKind | None = None,
    status: AssetStatus | None = None,
) -> list[Asset]:
    """The organization's assets, oldest first, optionally of one kind or status."""
    return repo.list_assets(session, org_id, kind=kind, status=status)


def find_asset(session: Session, org_id: OrgId, kind: AssetKind, value: str) -> Asset | None:
    """The organization's asset of ``kind`` spelled ``value`` in any accepted form, or None."""
    return repo.find_asset(session, org_id, kind, normalize(kind, value))


def asset_verified(session: Session, org_id: OrgId, asset_id: str) -> tuple[bool, str]:
    """Whether ``asset_id`` is a verified asset of the organization, and why (for the gate)."""
    asset = repo.get_asset(session, org_id, asset_id)
    if asset is None:
        return False, f"asset {asset_id} is not an asset of organization {org_id}"
    if not asset.is_verified:
        return False, f"asset {asset_id} ({asset.value}) is {asset.status.value}, not verified"
    return True, f"asset {asset_id} ({asset.value}) is verified"


def verify(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId,
    asset_id: str,
    verifiers: Verifiers,
    *,
    method: ProofMethod | str | None = None,
) -> Asset:
    """Look for the asset's token with its proof method (or ``method``, which becomes its own).

    Found: verified. Not found, or not checkable: failed, with the reason in
    ``last_error`` — an asset verified before loses that standing, since its ownership
    can no longer be shown. Both outcomes are audited.
    """
    asset = get_asset(session, org_id, asset_id)
    chosen = asset.proof_method if method is None else _choice(ProofMethod, method, "method")
    check_method(asset.kind, asset.value, chosen)
    result = _run(asset, chosen, verifiers)
    status = AssetStatus.VERIFIED if result.found else AssetStatus.FAILED
    updated = repo.record_check(
        session,
        org_id,
        asset.id,
        method=chosen,
        status=status,
        checked_at=clock.now(),
        error=None if result.found else result.reason,
    )
    action = "assets.verified" if result.found else "assets.verification_failed"
    record(
        session,
        clock,
        action,
        actor=actor.label,
        org_id=org_id,
        details={
            "asset_id": asset.id,
            "kind": asset.kind.value,
            "value": asset.value,
            "proof_method": chosen.value,
            "outcome": result.outcome.value,
            "reason": result.reason,
        },
    )
    return updated


def _run(asset: Asset, method: ProofMethod, verifiers: Verifiers) -> ProofResult:
    verifier = verifiers.get(method)
    if verifier is None or verifier.method is not method:
        raise VerifierUnavailableError(
            f"this mamori has no verifier for {method.value} proofs",
            where="proof_method",
            hint="ask the operator to configure one, or choose another proof method",
        )
    try:
        return verifier.check(asset, asset.challenge_token)
    except Exception as exc:  # a verifier is a plug-in: its failure fails the proof, closed
        event(
            log,
            "access.asset.verifier_crashed",
            logging.ERROR,
            asset_id=asset.id,
            method=method.value,
            error=type(exc).__name__,
        )
        return ProofResult.failed(f"the {method.value} verifier failed ({type(exc).__name__})")
