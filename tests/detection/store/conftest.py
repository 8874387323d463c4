"""Fixtures for the hunt store: two organizations, and one rule cache for the whole run."""

from __future__ import annotations

from pathlib import Path

import pytest
from hunt_store_helpers import Orgs, make_org

from mamori.store.engine import Database


@pytest.fixture(scope="session")
def rule_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where compiled starter rules are cached, shared by every test of the run."""
    return tmp_path_factory.mktemp("rule-cache")


@pytest.fixture
def orgs(database: Database) -> Orgs:
    return Orgs(make_org(database, "Kobe"), make_org(database, "Sendai"))
