"""Emergency stops, quotas, and the capability registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import Field

from mamori.access.capabilities import CAPABILITIES, Capability
from mamori.access.control import quotas, stops
from mamori.access.control.models import EmergencyStop, QuotaOverride
from mamori.access.models import Decision, Resource, StopScope
from mamori.api.gate import Caller, gate, platform_of, public, signed_in_or_key
from mamori.api.limits import Body
from mamori.core.ids import AssetId, EngagementId, OrgId

router = APIRouter(tags=["control"])


class StopIn(Body):
    scope: StopScope
    reason: str = Field(min_length=3, max_length=2000)
    org_id: str | None = None
    capability: str | None = None


class LiftIn(Body):
    reason: str = Field(min_length=3, max_length=2000)


class QuotaIn(Body):
    limit: int = Field(ge=0)
    window_seconds: int = Field(ge=1)


class CheckIn(Body):
    capability: str = Field(min_length=1, max_length=100)
    asset_id: str | None = None
    engagement_id: str | None = None


@router.get("/program/stops")
def list_stops(
    request: Request, caller: Annotated[Caller, gate("program.stop.read")]
) -> list[EmergencyStop]:
    """Every emergency stop in force."""
    with platform_of(request).database.session() as session:
        return stops.active_stops(session)


@router.post("/program/stops", status_code=status.HTTP_201_CREATED)
def set_stop(
    request: Request, body: StopIn, caller: Annotated[Caller, gate("program.stop.set")]
) -> EmergencyStop:
    """Halt a capability, an organization, or everything, at once; effective on the next request."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return stops.set_stop(
            session,
            platform.clock,
            caller.principal,
            body.scope,
            body.reason,
            org_id=OrgId(body.org_id) if body.org_id else None,
            capability=body.capability,
        )


@router.post("/program/stops/{stop_id}/lift")
def lift_stop(
    request: Request,
    stop_id: str,
    body: LiftIn,
    caller: Annotated[Caller, gate("program.stop.lift")],
) -> EmergencyStop:
    """Lift an emergency stop, with a reason."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return stops.lift_stop(session, platform.clock, caller.principal, stop_id, body.reason)


@router.get("/orgs/{org_id}/quotas")
def list_quotas(
    request: Request, org_id: OrgId, caller: Annotated[Caller, gate("program.org.read")]
) -> list[QuotaOverride]:
    """The organization's own limits (capabilities not listed use their defaults)."""
    with platform_of(request).database.session() as session:
        return quotas.list_quotas(session, org_id)


@router.put("/orgs/{org_id}/quotas/{capability}")
def set_quota(
    request: Request,
    org_id: OrgId,
    capability: str,
    body: QuotaIn,
    caller: Annotated[Caller, gate("program.quota.set")],
) -> QuotaOverride:
    """Set the organization's limit for a capability (0 blocks it)."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return quotas.set_quota(
            session,
            platform.clock,
            caller.principal,
            org_id,
            capability,
            limit=body.limit,
            window_seconds=body.window_seconds,
        )


@router.delete("/orgs/{org_id}/quotas/{capability}", status_code=status.HTTP_204_NO_CONTENT)
def clear_quota(
    request: Request,
    org_id: OrgId,
    capability: str,
    caller: Annotated[Caller, gate("program.quota.set")],
) -> None:
    """Drop the organization's own limit, so the capability's default applies again."""
    platform = platform_of(request)
    with platform.database.session() as session:
        quotas.clear_quota(session, platform.clock, caller.principal, org_id, capability)


@router.get("/capabilities")
def list_capabilities(_: Annotated[None, public()]) -> list[Capability]:
    """Every capability mamori gates: its tier, risk, target and default quota."""
    return list(CAPABILITIES.values())


@router.post("/orgs/{org_id}/authorize")
def check_capability(
    request: Request,
    org_id: OrgId,
    body: CheckIn,
    caller: Annotated[Caller, signed_in_or_key()],
) -> Decision:
    """Ask the gate whether the caller may use a capability here now (recorded like any use).

    Engines running in other processes call this before each use; a denial answers 403
    with the policies that decided.
    """
    resource = Resource(
        org_id=org_id,
        asset_id=AssetId(body.asset_id) if body.asset_id else None,
        engagement_id=EngagementId(body.engagement_id) if body.engagement_id else None,
    )
    return platform_of(request).authorizer.authorize(caller.principal, body.capability, resource)
