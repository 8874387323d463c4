"""Applying for verification: an institution becomes a registered organization with an
application under review and its first admin, in one transaction.

Every field and evidence file is checked before anything is written, so a refused
application leaves no trace but its error.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mamori.access.identity import users as identity
from mamori.access.identity.models import NewUser
from mamori.access.models import ANONYMOUS, ApplicationState, OrgStatus, Principal, Role, Tier
from mamori.access.program import repository
from mamori.access.program.applications import view
from mamori.access.program.models import ApplicationReceipt, ApplicationRequest, EvidenceFile
from mamori.access.program.organizations import to_organization
from mamori.access.program.validation import CheckedApplication, check_application
from mamori.access.tables import ApplicationRow, EvidenceRow, OrganizationRow
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.core.errors import ConflictError
from mamori.core.ids import OrgId, new_id


def apply(
    session: Session,
    clock: Clock,
    request: ApplicationRequest,
    *,
    actor: Principal = ANONYMOUS,
) -> ApplicationReceipt:
    """Apply for verification: a registered organization, its application and first admin.

    Every field and file is checked before anything is written.
    """
    checked = check_application(request)
    if repository.name_taken(session, checked.organization_name):
        raise ConflictError(
            "an organization with this name already exists",
            where="organization_name",
            hint="if it is yours, ask its admin to sign in; otherwise use the registered name",
        )
    identity.ensure_email_free(session, checked.admin_email, where="admin_email")
    org, app = _write(session, clock, checked)
    record(
        session,
        clock,
        "program.application.submitted",
        actor=actor.label,
        org_id=org.id,
        details=_submitted_details(org, app, checked),
    )
    admin = identity.create_user(
        session,
        clock,
        actor,
        NewUser(
            email=checked.admin_email,
            display_name=checked.admin_display_name,
            password=request.admin_password,
            roles=frozenset({Role.ORG_ADMIN}),
            org_id=OrgId(org.id),
        ),
    )
    return ApplicationReceipt(to_organization(org), view(session, app), admin)


def _write(
    session: Session, clock: Clock, checked: CheckedApplication
) -> tuple[OrganizationRow, ApplicationRow]:
    now = clock.now()
    org = _organization(checked, now)
    try:
        repository.add(session, org)
    except IntegrityError as exc:  # another application took the name meanwhile
        raise ConflictError(
            "an organization with this name already exists", where="organization_name"
        ) from exc
    app = _application(org.id, checked, now)
    repository.add(session, app)
    repository.add(session, *(_evidence(app.id, item, now) for item in checked.evidence))
    return org, app


def _organization(checked: CheckedApplication, now: dt.datetime) -> OrganizationRow:
    return OrganizationRow(
        id=new_id("org"),
        name=checked.organization_name,
        country=checked.country,
        regulator_registration=checked.regulator_registration,
        contact_email=checked.contact_email,
        tier=Tier.REGISTERED.value,
        status=OrgStatus.ACTIVE.value,
        status_reason=None,
        created_at=now,
        updated_at=now,
    )


def _application(org_id: str, checked: CheckedApplication, now: dt.datetime) -> ApplicationRow:
    return ApplicationRow(
        id=new_id("app"),
        org_id=org_id,
        state=ApplicationState.SUBMITTED.value,
        requested_tier=checked.requested_tier.value,
        scope_statement=checked.scope_statement,
        contact_name=checked.contact_name,
        contact_email=checked.contact_email,
        regulator_registration=checked.regulator_registration,
        submitted_at=now,
        updated_at=now,
    )


def _evidence(application_id: str, item: EvidenceFile, now: dt.datetime) -> EvidenceRow:
    return EvidenceRow(
        id=new_id("evd"),
        application_id=application_id,
        filename=item.filename,
        media_type=item.media_type,
        sha256=hashlib.sha256(item.content).hexdigest(),
        size=len(item.content),
        content=item.content,
        uploaded_at=now,
    )


def _submitted_details(
    org: OrganizationRow, app: ApplicationRow, checked: CheckedApplication
) -> dict[str, object]:
    evidence = [
        {
            "filename": item.filename,
            "media_type": item.media_type,
            "size": len(item.content),
            "sha256": hashlib.sha256(item.content).hexdigest(),
        }
        for item in checked.evidence
    ]
    return {
        "application_id": app.id,
        "organization": org.name,
        "country": org.country,
        "to_state": ApplicationState.SUBMITTED.value,
        "requested_tier": app.requested_tier,
        "evidence": evidence,
    }
