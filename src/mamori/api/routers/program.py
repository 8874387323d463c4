"""The program: applications for verification, their review, organizations, tiers, suspensions."""

from __future__ import annotations

import base64
import binascii
import enum
from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from pydantic import Field, field_validator

from mamori.access.models import ApplicationState, OrgStatus, Tier
from mamori.access.program import service as program
from mamori.access.program.models import (
    Application,
    ApplicationReceipt,
    ApplicationRequest,
    EvidenceFile,
    HistoryEvent,
    Organization,
)
from mamori.api.gate import Caller, gate, platform_of
from mamori.api.limits import Body
from mamori.core.ids import ApplicationId, OrgId

router = APIRouter(tags=["program"])

# Five evidence files of 2 MiB, base64-encoded, with room for the rest of the form.
APPLY_MAX_BODY = 15 * 1024 * 1024


class EvidenceIn(Body):
    filename: str = Field(min_length=1, max_length=255)
    media_type: str = Field(min_length=1, max_length=100)
    content_base64: str = Field(description="The file's bytes, base64-encoded")

    @field_validator("content_base64")
    @classmethod
    def _decodable(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("is not valid base64") from exc
        return value

    def to_file(self) -> EvidenceFile:
        return EvidenceFile(self.filename, self.media_type, base64.b64decode(self.content_base64))


class ApplyIn(Body):
    organization_name: str = Field(min_length=2, max_length=200)
    country: str = Field(min_length=2, max_length=2)
    regulator_registration: str = Field(min_length=1, max_length=100)
    contact_name: str = Field(min_length=1, max_length=200)
    contact_email: str = Field(min_length=3, max_length=320)
    requested_tier: Tier = Tier.VERIFIED
    scope_statement: str = Field(min_length=20, max_length=10_000)
    admin_email: str = Field(min_length=3, max_length=320)
    admin_display_name: str = Field(min_length=1, max_length=200)
    admin_password: str = Field(min_length=12, max_length=1000)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=5)

    def to_request(self) -> ApplicationRequest:
        return ApplicationRequest(
            organization_name=self.organization_name,
            country=self.country,
            regulator_registration=self.regulator_registration,
            contact_name=self.contact_name,
            contact_email=self.contact_email,
            requested_tier=self.requested_tier,
            scope_statement=self.scope_statement,
            admin_email=self.admin_email,
            admin_display_name=self.admin_display_name,
            admin_password=self.admin_password,
            evidence=tuple(item.to_file() for item in self.evidence),
        )


class Verdict(enum.Enum):
    APPROVE = "approve"
    REJECT = "reject"
    PROVISION = "provision"
    READY = "ready"


class DecisionIn(Body):
    decision: Verdict
    reason: str = Field(min_length=3, max_length=2000)


class TierIn(Body):
    tier: Tier
    reason: str = Field(min_length=3, max_length=2000)


class ReasonIn(Body):
    reason: str = Field(min_length=3, max_length=2000)


_DECIDE = {
    Verdict.APPROVE: program.approve,
    Verdict.REJECT: program.reject,
    Verdict.PROVISION: program.provision,
    Verdict.READY: program.mark_ready,
}


@router.post("/program/applications", status_code=status.HTTP_201_CREATED)
def apply(
    request: Request, body: ApplyIn, caller: Annotated[Caller, gate("program.apply")]
) -> ApplicationReceipt:
    """Apply for verification: creates the organization, its application and first admin."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return program.apply(session, platform.clock, body.to_request(), actor=caller.principal)


@router.get("/program/applications")
def list_applications(
    request: Request,
    caller: Annotated[Caller, gate("program.application.read")],
    state: ApplicationState | None = None,
) -> list[Application]:
    """Every application in the program (operators and regulators)."""
    with platform_of(request).database.session() as session:
        return program.list_applications(session, state=state)


@router.get("/program/applications/{application_id}")
def get_application_for_review(
    request: Request,
    application_id: ApplicationId,
    caller: Annotated[Caller, gate("program.application.read")],
) -> Application:
    """One application, for review."""
    with platform_of(request).database.session() as session:
        return program.get_application_for_review(session, application_id)


@router.post("/program/applications/{application_id}/decision")
def decide(
    request: Request,
    application_id: ApplicationId,
    body: DecisionIn,
    caller: Annotated[Caller, gate("program.application.review")],
) -> Application:
    """Approve, reject, provision or mark ready, always with a reason."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return _DECIDE[body.decision](
            session, platform.clock, caller.principal, application_id, body.reason
        )


@router.get("/orgs/{org_id}/applications")
def list_own_applications(
    request: Request, org_id: OrgId, caller: Annotated[Caller, gate("program.application.read")]
) -> list[Application]:
    """The organization's applications."""
    with platform_of(request).database.session() as session:
        return program.list_organization_applications(session, org_id)


@router.get("/orgs/{org_id}/applications/{application_id}")
def get_application(
    request: Request,
    org_id: OrgId,
    application_id: ApplicationId,
    caller: Annotated[Caller, gate("program.application.read")],
) -> Application:
    """One of the organization's applications and where it stands."""
    with platform_of(request).database.session() as session:
        return program.get_application(session, org_id, application_id)


@router.get("/orgs/{org_id}/applications/{application_id}/history")
def application_history(
    request: Request,
    org_id: OrgId,
    application_id: ApplicationId,
    caller: Annotated[Caller, gate("program.application.read")],
) -> list[HistoryEvent]:
    """Every step of the application, read from the transparency log."""
    with platform_of(request).database.session() as session:
        return list(program.application_history(session, org_id, application_id))


@router.get("/orgs/{org_id}/evidence/{evidence_id}")
def download_evidence(
    request: Request,
    org_id: OrgId,
    evidence_id: str,
    caller: Annotated[Caller, gate("program.application.read")],
) -> Response:
    """An evidence file's bytes, as uploaded."""
    with platform_of(request).database.session() as session:
        item = program.read_evidence(session, org_id, evidence_id)
    return Response(
        item.content,
        media_type=item.media_type,
        headers={"Content-Disposition": f'attachment; filename="{evidence_id}"'},
    )


@router.get("/orgs")
def list_organizations(
    request: Request,
    caller: Annotated[Caller, gate("program.org.read")],
    status: OrgStatus | None = None,
    tier: Tier | None = None,
) -> list[Organization]:
    """Every organization in the program (operators and regulators)."""
    with platform_of(request).database.session() as session:
        return program.list_organizations(session, status=status, tier=tier)


@router.get("/orgs/{org_id}")
def get_organization(
    request: Request, org_id: OrgId, caller: Annotated[Caller, gate("program.org.read")]
) -> Organization:
    """One organization: its tier and status."""
    with platform_of(request).database.session() as session:
        return program.get_organization(session, org_id)


@router.put("/orgs/{org_id}/tier")
def change_tier(
    request: Request,
    org_id: OrgId,
    body: TierIn,
    caller: Annotated[Caller, gate("program.org.tier")],
) -> Organization:
    """Move the organization to another tier, with a reason."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return program.change_tier(
            session, platform.clock, caller.principal, org_id, body.tier, body.reason
        )


@router.post("/orgs/{org_id}/suspend")
def suspend(
    request: Request,
    org_id: OrgId,
    body: ReasonIn,
    caller: Annotated[Caller, gate("program.org.suspend")],
) -> Organization:
    """Suspend the organization: every capability is denied until it is reinstated."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return program.suspend(session, platform.clock, caller.principal, org_id, body.reason)


@router.post("/orgs/{org_id}/reinstate")
def reinstate(
    request: Request,
    org_id: OrgId,
    body: ReasonIn,
    caller: Annotated[Caller, gate("program.org.suspend")],
) -> Organization:
    """Lift a suspension, with a reason."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return program.reinstate(session, platform.clock, caller.principal, org_id, body.reason)
