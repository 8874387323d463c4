"""Any string presented as a bearer token: it authenticates only if it is a real one, and a
wrong one only ever fails with UnauthenticatedError (logged), never with anything else."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from identity_support import ADMIN, log_entries

from mamori.access.errors import UnauthenticatedError
from mamori.access.identity import service as identity
from mamori.access.identity.cache import VerificationCache
from mamori.access.identity.models import NewApiKey
from mamori.access.identity.tokens import parse_key_token
from mamori.access.models import Role
from mamori.core.clock import FixedClock
from mamori.core.ids import OrgId
from mamori.store.engine import Database

URLSAFE = string.ascii_letters + string.digits + "-_"
HEX = "0123456789abcdef"
# The database fixture is shared by all examples on purpose: each adds only log entries.
FIXTURES_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)

key_shaped = st.builds(
    lambda hex_id, secret: f"mmr_{hex_id}_{secret}",
    st.text(HEX, min_size=32, max_size=32),
    st.text(URLSAFE, min_size=43, max_size=43),
)
session_shaped = st.text(URLSAFE, min_size=43, max_size=43)
near_misses = st.one_of(
    st.text(),
    st.text(URLSAFE + "\x00\n .=+/", max_size=90),
    key_shaped.map(lambda token: token + "\n"),
    key_shaped.map(lambda token: token.upper()),
    session_shaped.map(lambda token: " " + token),
)


@given(st.text())
def test_parsing_a_key_token_round_trips_or_refuses(text: str) -> None:
    parsed = parse_key_token(text)
    if parsed is not None:
        assert f"mmr_{parsed.key_id.removeprefix('key_')}_{parsed.secret}" == text


@pytest.fixture
def cache() -> VerificationCache:
    """One cache for all examples of a test, so that the real token is verified once."""
    return VerificationCache()


@pytest.fixture
def real_token(database: Database, clock: FixedClock, org_id: OrgId) -> str:
    new = NewApiKey("real", frozenset({"detection.hunt"}), frozenset({Role.ANALYST}))
    with database.session() as session:
        return identity.create_api_key(session, clock, ADMIN, org_id, new).token


@settings(FIXTURES_OK, max_examples=60)
@given(token=st.one_of(key_shaped, session_shaped, near_misses))
def test_random_tokens_never_authenticate(
    database: Database, clock: FixedClock, real_token: str, token: str
) -> None:
    before = len(log_entries(database, "identity.authentication.failed"))
    with pytest.raises(UnauthenticatedError):
        identity.authenticate(database, clock, token, cache=VerificationCache())
    assert len(log_entries(database, "identity.authentication.failed")) == before + 1


@settings(FIXTURES_OK, max_examples=6)
@given(secret=st.text(URLSAFE, min_size=43, max_size=43))
def test_a_real_key_id_with_any_other_secret_never_authenticates(
    database: Database, clock: FixedClock, real_token: str, cache: VerificationCache, secret: str
) -> None:
    identity.authenticate(database, clock, real_token, cache=cache)
    forged = real_token[: -len(secret)] + secret
    if forged == real_token:
        return
    with pytest.raises(UnauthenticatedError, match="not a known"):
        identity.authenticate(database, clock, forged, cache=cache)
