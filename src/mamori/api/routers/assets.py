"""Assets with proof of ownership, and red-team engagements over them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import Field

from mamori.access.assets import engagements, service
from mamori.access.assets.models import Asset, Engagement, ProofInstruction, Registration
from mamori.access.models import AssetKind, AssetStatus, EngagementStatus, ProofMethod
from mamori.api.gate import Caller, gate, platform_of
from mamori.api.limits import Body
from mamori.core.ids import AssetId, EngagementId, OrgId

router = APIRouter(tags=["assets"])


class AssetIn(Body):
    kind: AssetKind
    value: str = Field(min_length=1, max_length=500)
    method: ProofMethod | None = None


class VerifyIn(Body):
    method: ProofMethod | None = None


class EngagementIn(Body):
    purpose: str = Field(min_length=10, max_length=4000)
    starts_at: dt.datetime
    ends_at: dt.datetime
    asset_ids: list[str] = Field(min_length=1, max_length=100)


class ReasonIn(Body):
    reason: str = Field(min_length=3, max_length=2000)


class EngagementDecisionIn(ReasonIn):
    approve: bool


class CancelIn(Body):
    reason: str | None = Field(default=None, max_length=2000)


@router.post("/orgs/{org_id}/assets", status_code=status.HTTP_201_CREATED)
def register_asset(
    request: Request, org_id: OrgId, body: AssetIn, caller: Annotated[Caller, gate("assets.manage")]
) -> Registration:
    """Register an asset; the answer says what to publish to prove ownership."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return service.register_asset(
            session, platform.clock, caller.principal, org_id, body.kind, body.value, body.method
        )


@router.get("/orgs/{org_id}/assets")
def list_assets(
    request: Request,
    org_id: OrgId,
    caller: Annotated[Caller, gate("assets.read")],
    kind: AssetKind | None = None,
    status: AssetStatus | None = None,
) -> list[Asset]:
    """The organization's assets."""
    with platform_of(request).database.session() as session:
        return service.list_assets(session, org_id, kind=kind, status=status)


@router.get("/orgs/{org_id}/assets/{asset_id}")
def get_asset(
    request: Request,
    org_id: OrgId,
    asset_id: AssetId,
    caller: Annotated[Caller, gate("assets.read")],
) -> Asset:
    """One asset."""
    with platform_of(request).database.session() as session:
        return service.get_asset(session, org_id, asset_id)


@router.get("/orgs/{org_id}/assets/{asset_id}/challenge")
def get_challenge(
    request: Request,
    org_id: OrgId,
    asset_id: AssetId,
    caller: Annotated[Caller, gate("assets.read")],
) -> list[ProofInstruction]:
    """What to publish, and where, to prove ownership of the asset."""
    with platform_of(request).database.session() as session:
        return list(service.challenge(service.get_asset(session, org_id, asset_id)))


@router.post("/orgs/{org_id}/assets/{asset_id}/verify")
def verify_asset(
    request: Request,
    org_id: OrgId,
    asset_id: AssetId,
    body: VerifyIn,
    caller: Annotated[Caller, gate("assets.manage")],
) -> Asset:
    """Check the published proof now; the asset becomes verified or failed."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return service.verify(
            session,
            platform.clock,
            caller.principal,
            org_id,
            asset_id,
            platform.verifiers,
            method=body.method,
        )


@router.post("/orgs/{org_id}/engagements", status_code=status.HTTP_201_CREATED)
def request_engagement(
    request: Request,
    org_id: OrgId,
    body: EngagementIn,
    caller: Annotated[Caller, gate("engagements.request")],
) -> Engagement:
    """Ask for a time-boxed red-team engagement over verified assets."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return engagements.request_engagement(
            session,
            platform.clock,
            caller.principal,
            org_id,
            purpose=body.purpose,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            asset_ids=[AssetId(a) for a in body.asset_ids],
        )


@router.get("/orgs/{org_id}/engagements")
def list_engagements(
    request: Request,
    org_id: OrgId,
    caller: Annotated[Caller, gate("engagements.read")],
    status: EngagementStatus | None = None,
) -> list[Engagement]:
    """The organization's engagements."""
    with platform_of(request).database.session() as session:
        return engagements.list_engagements(session, org_id, status=status)


@router.get("/orgs/{org_id}/engagements/{engagement_id}")
def get_engagement(
    request: Request,
    org_id: OrgId,
    engagement_id: EngagementId,
    caller: Annotated[Caller, gate("engagements.read")],
) -> Engagement:
    """One engagement."""
    with platform_of(request).database.session() as session:
        return engagements.get_engagement(session, org_id, engagement_id)


@router.post("/orgs/{org_id}/engagements/{engagement_id}/decision")
def decide_engagement(
    request: Request,
    org_id: OrgId,
    engagement_id: EngagementId,
    body: EngagementDecisionIn,
    caller: Annotated[Caller, gate("engagements.review")],
) -> Engagement:
    """Approve or reject a requested engagement, with a reason (program operators)."""
    platform = platform_of(request)
    decide = engagements.approve_engagement if body.approve else engagements.reject_engagement
    with platform.database.session() as session:
        return decide(session, platform.clock, caller.principal, org_id, engagement_id, body.reason)


@router.post("/orgs/{org_id}/engagements/{engagement_id}/cancel")
def cancel_engagement(
    request: Request,
    org_id: OrgId,
    engagement_id: EngagementId,
    body: CancelIn,
    caller: Annotated[Caller, gate("engagements.request")],
) -> Engagement:
    """Cancel a requested or approved engagement."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return engagements.cancel_engagement(
            session, platform.clock, caller.principal, org_id, engagement_id, body.reason
        )
