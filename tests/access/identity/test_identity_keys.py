"""Service keys: shown once, hashed at rest, scoped, expiring, revoked on the very next request."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from identity_support import ADMIN, log_entries
from sqlalchemy import select

from mamori.access.errors import UnauthenticatedError
from mamori.access.identity import service as identity
from mamori.access.identity.cache import VerificationCache
from mamori.access.identity.models import IssuedApiKey, NewApiKey
from mamori.access.identity.tokens import token_digest
from mamori.access.models import PrincipalKind, Role
from mamori.access.tables import ApiKeyRow, as_dict
from mamori.core.clock import FixedClock
from mamori.core.errors import ConflictError, InvalidInputError, NotFoundError
from mamori.core.ids import OrgId
from mamori.store.engine import Database

HUNTER = NewApiKey(
    name="siem forwarder",
    scopes=frozenset({"detection.hunt", "intel.read"}),
    roles=frozenset({Role.ANALYST}),
)


@pytest.fixture
def cache() -> Iterator[VerificationCache]:
    yield VerificationCache(ttl_seconds=60, max_entries=16)


def _create(
    database: Database, clock: FixedClock, org_id: OrgId, new: NewApiKey = HUNTER
) -> IssuedApiKey:
    with database.session() as session:
        return identity.create_api_key(session, clock, ADMIN, org_id, new)


def test_a_key_is_shown_once_and_kept_only_as_an_argon2_hash(
    database: Database, clock: FixedClock, org_id: OrgId
) -> None:
    issued = _create(database, clock, org_id)
    match = re.fullmatch(r"mmr_([0-9a-f]{32})_([A-Za-z0-9_-]{43})", issued.token)
    assert match is not None and issued.key.id == f"key_{match[1]}"
    secret = match[2]
    assert issued.key.expires_at == clock.now() + dt.timedelta(days=90)
    with database.session() as session:
        row = as_dict(session.scalars(select(ApiKeyRow)).one())
    assert row["secret_hash"].startswith("$argon2id$")
    assert not any(secret in str(value) or issued.token in str(value) for value in row.values())
    assert not any(secret in entry.body for entry in log_entries(database))
    assert issued.token not in repr(issued)
    with database.session() as session:
        [listed] = identity.list_api_keys(session, org_id)
    assert listed == issued.key and not hasattr(listed, "secret_hash")


def test_a_key_authenticates_as_itself_and_records_its_use_once_a_minute(
    database: Database, clock: FixedClock, org_id: OrgId, cache: VerificationCache
) -> None:
    issued = _create(database, clock, org_id)
    principal = identity.authenticate(database, clock, issued.token, cache=cache)
    assert principal.kind is PrincipalKind.API_KEY and principal.id == issued.key.id
    assert principal.org_id == org_id and principal.roles == {Role.ANALYST}
    assert principal.scopes == {"detection.hunt", "intel.read"}
    assert principal.label == f"api_key:{issued.key.id}"
    first_use = clock.now()
    clock.advance(59)
    identity.authenticate(database, clock, issued.token, cache=cache)
    with database.session() as session:
        assert identity.get_api_key(session, org_id, issued.key.id).last_used_at == first_use
    clock.advance(1)
    identity.authenticate(database, clock, issued.token, cache=cache)
    with database.session() as session:
        assert identity.get_api_key(session, org_id, issued.key.id).last_used_at == clock.now()


def test_a_revoked_key_is_refused_on_the_next_request_even_when_cached(
    database: Database, clock: FixedClock, org_id: OrgId, cache: VerificationCache
) -> None:
    issued = _create(database, clock, org_id)
    identity.authenticate(database, clock, issued.token, cache=cache)
    row_hash = _secret_hash(database)
    assert cache.verified(token_digest(issued.token), issued.key.id, row_hash, clock.now())
    # Revoked by "another process": a different cache, so this one still holds the token.
    with database.session() as session:
        revoked = identity.revoke_api_key(
            session,
            clock,
            ADMIN,
            org_id,
            issued.key.id,
            "leaked in a ticket",
            cache=VerificationCache(),
        )
    assert revoked.revoked_at == clock.now()
    assert len(cache) == 1
    with pytest.raises(UnauthenticatedError, match="revoked"):
        identity.authenticate(database, clock, issued.token, cache=cache)
    with database.session() as session, pytest.raises(ConflictError):
        identity.revoke_api_key(session, clock, ADMIN, org_id, issued.key.id, "again")
    [entry] = log_entries(database, "identity.key.revoked")
    assert entry.details == {"key_id": issued.key.id, "reason": "leaked in a ticket"}
    [failed] = log_entries(database, "identity.authentication.failed")
    assert failed.details == {"reason": "revoked", "credential": "api_key", "key_id": issued.key.id}
    assert failed.org_id == org_id


def test_a_key_expires(
    database: Database, clock: FixedClock, org_id: OrgId, cache: VerificationCache
) -> None:
    issued = _create(database, clock, org_id, NewApiKey("short", HUNTER.scopes, HUNTER.roles, 1))
    clock.advance(86_400 - 1)
    identity.authenticate(database, clock, issued.token, cache=cache)
    clock.advance(1)
    with pytest.raises(UnauthenticatedError, match="expired"):
        identity.authenticate(database, clock, issued.token, cache=cache)


def test_a_wrong_secret_is_unknown_and_never_served_from_the_cache(
    database: Database, clock: FixedClock, org_id: OrgId, cache: VerificationCache
) -> None:
    issued = _create(database, clock, org_id)
    identity.authenticate(database, clock, issued.token, cache=cache)
    forged = issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B")
    with pytest.raises(UnauthenticatedError, match="not a known"):
        identity.authenticate(database, clock, forged, cache=cache)
    [failed] = log_entries(database, "identity.authentication.failed")
    assert failed.details["key_id"] == issued.key.id and failed.details["detail"] == "wrong_secret"


def test_the_cache_forgets_after_its_ttl(
    database: Database, clock: FixedClock, org_id: OrgId, cache: VerificationCache
) -> None:
    issued = _create(database, clock, org_id)
    identity.authenticate(database, clock, issued.token, cache=cache)
    digest, row_hash = token_digest(issued.token), _secret_hash(database)
    clock.advance(59)
    assert cache.verified(digest, issued.key.id, row_hash, clock.now())
    clock.advance(1)
    assert not cache.verified(digest, issued.key.id, row_hash, clock.now())
    assert not cache.verified(digest, issued.key.id, "another hash", clock.now())


@pytest.mark.parametrize(
    ("new", "where"),
    [
        (NewApiKey("k", HUNTER.scopes, HUNTER.roles, 0), "expires_in_days"),
        (NewApiKey("k", HUNTER.scopes, HUNTER.roles, 366), "expires_in_days"),
        (NewApiKey("k", frozenset({"detection.hunt", "root.everything"}), HUNTER.roles), "scopes"),
        (NewApiKey("k", frozenset(), HUNTER.roles), "scopes"),
        (NewApiKey("k", HUNTER.scopes, frozenset({Role.OPERATOR})), "roles"),
        (NewApiKey("k", HUNTER.scopes, frozenset()), "roles"),
        (NewApiKey("  ", HUNTER.scopes, HUNTER.roles), "name"),
    ],
)
def test_invalid_keys_are_refused(
    database: Database, clock: FixedClock, org_id: OrgId, new: NewApiKey, where: str
) -> None:
    with database.session() as session, pytest.raises(InvalidInputError) as caught:
        identity.create_api_key(session, clock, ADMIN, org_id, new)
    assert caught.value.where == where


def test_keys_are_scoped_to_their_organization(
    database: Database, clock: FixedClock, org_id: OrgId, other_org_id: OrgId
) -> None:
    issued = _create(database, clock, org_id)
    with database.session() as session:
        assert identity.list_api_keys(session, other_org_id) == []
        with pytest.raises(NotFoundError):
            identity.get_api_key(session, other_org_id, issued.key.id)
        with pytest.raises(NotFoundError):
            identity.revoke_api_key(session, clock, ADMIN, other_org_id, issued.key.id, "not yours")


def _secret_hash(database: Database) -> str:
    with database.session() as session:
        return session.scalars(select(ApiKeyRow.secret_hash)).one()
