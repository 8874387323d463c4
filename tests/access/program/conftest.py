"""Fixtures for the program: an organization that has applied."""

from __future__ import annotations

import pytest
from program_support import application

from mamori.access.models import Tier
from mamori.access.program import service as program
from mamori.access.program.models import ApplicationReceipt
from mamori.core.clock import FixedClock
from mamori.store.engine import Database


@pytest.fixture
def applied(database: Database, clock: FixedClock) -> ApplicationReceipt:
    """The Kobe bank's application, submitted."""
    with database.session() as session:
        return program.apply(session, clock, application())


@pytest.fixture
def other_applied(database: Database, clock: FixedClock) -> ApplicationReceipt:
    """A second institution's application, submitted."""
    request = application(
        "Sendai Credit Union", admin_email="admin@sendai-cu.example", requested_tier=Tier.VERIFIED
    )
    with database.session() as session:
        return program.apply(session, clock, request)
