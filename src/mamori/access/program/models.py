"""Domain types of the program: organizations, their applications for verification, evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mamori.access.identity.models import User
from mamori.access.models import ApplicationState, OrgStatus, Tier
from mamori.core.ids import ApplicationId, OrgId

MAX_EVIDENCE_FILES = 5
MAX_EVIDENCE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class EvidenceFile:
    """One uploaded file backing an application (a licence, a regulator's letter…)."""

    filename: str
    media_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class ApplicationRequest:
    """Everything an institution sends to apply for verification."""

    organization_name: str
    country: str
    regulator_registration: str
    contact_name: str
    contact_email: str
    requested_tier: Tier
    scope_statement: str
    admin_email: str
    admin_display_name: str
    admin_password: str = field(repr=False)
    evidence: tuple[EvidenceFile, ...] = ()


@dataclass(frozen=True)
class Organization:
    """An institution in the program."""

    id: OrgId
    name: str
    country: str
    regulator_registration: str
    contact_email: str
    tier: Tier
    status: OrgStatus
    status_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class Evidence:
    """What is known about an evidence file without its bytes."""

    id: str
    filename: str
    media_type: str
    sha256: str
    size: int
    uploaded_at: dt.datetime


@dataclass(frozen=True)
class Application:
    """An application for verification and where it stands."""

    id: ApplicationId
    org_id: OrgId
    state: ApplicationState
    requested_tier: Tier
    scope_statement: str
    contact_name: str
    contact_email: str
    regulator_registration: str
    submitted_at: dt.datetime
    updated_at: dt.datetime
    decided_at: dt.datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class ApplicationReceipt:
    """What applying created: the organization, its application and its first admin."""

    organization: Organization
    application: Application
    admin: User


@dataclass(frozen=True)
class HistoryEvent:
    """One step in an application's history, as recorded in the transparency log."""

    at: dt.datetime
    action: str
    actor: str
    state: ApplicationState
    reason: str | None = None
    audit_index: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)
