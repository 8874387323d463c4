"""What the program does, in one place: applications for verification and their review,
organizations' tiers and suspension, and the reads behind them.

Functions take the caller's SQLAlchemy ``Session`` and a ``Clock`` and never
commit; every change is recorded in the transparency log in that same session.
Who may call which is decided by the authorizer, never here.
"""

from __future__ import annotations

from mamori.access.program.applications import (
    approve,
    get_application,
    get_application_for_review,
    list_applications,
    list_organization_applications,
    mark_ready,
    provision,
    reject,
)
from mamori.access.program.history import application_history, read_evidence
from mamori.access.program.intake import apply
from mamori.access.program.organizations import (
    change_tier,
    get_organization,
    list_organizations,
    reinstate,
    suspend,
)

__all__ = [
    "application_history",
    "apply",
    "approve",
    "change_tier",
    "get_application",
    "get_application_for_review",
    "get_organization",
    "list_applications",
    "list_organization_applications",
    "list_organizations",
    "mark_ready",
    "provision",
    "read_evidence",
    "reinstate",
    "reject",
    "suspend",
]
