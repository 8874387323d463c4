"""Registering, reading and verifying assets on real databases, with real verifiers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from assets_helpers import (
    LocalDns,
    LocalHttp,
    Orgs,
    Reply,
    actions,
    always,
    commit_file,
    count_rows,
    init_repo,
    member,
)

from mamori.access.assets import repository, service
from mamori.access.assets.base import VerifierSettings, default_verifiers
from mamori.access.assets.errors import (
    AssetNotFoundError,
    DuplicateAssetError,
    InvalidAssetError,
    VerifierUnavailableError,
)
from mamori.access.assets.models import Asset, ProofResult
from mamori.access.models import AssetKind, AssetStatus, ProofMethod
from mamori.access.tables import AssetRow
from mamori.core.clock import FixedClock
from mamori.core.errors import ConflictError, InvalidInputError, NotFoundError
from mamori.core.ids import AssetId, OrgId
from mamori.store.engine import Database


def register(
    database: Database,
    clock: FixedClock,
    org_id: OrgId,
    kind: AssetKind | str,
    value: str,
    method: ProofMethod | str | None = None,
) -> Asset:
    with database.session() as session:
        return service.register_asset(
            session, clock, member(org_id), org_id, kind, value, method
        ).asset


def test_registration_issues_a_challenge_and_says_where_to_publish_it(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    with database.session() as session:
        registration = service.register_asset(
            session, clock, member(orgs.a), orgs.a, "domain", "Bank.Example."
        )
    asset = registration.asset
    assert (asset.kind, asset.value, asset.status) == (
        AssetKind.DOMAIN,
        "bank.example",
        AssetStatus.PENDING,
    )
    assert asset.proof_method is ProofMethod.DNS_TXT
    assert asset.challenge_token.startswith("mamori-verify=")
    first = registration.instructions[0]
    assert (first.method, first.location) == (ProofMethod.DNS_TXT, "_mamori-challenge.bank.example")
    assert first.content == asset.challenge_token
    assert actions(database, orgs.a) == ["assets.registered"]
    with database.session() as session:
        assert service.get_asset(session, orgs.a, asset.id) == asset


@pytest.mark.parametrize(
    ("kind", "value", "method"),
    [
        (AssetKind.CIDR, "10.0.0.0/8", None),
        (AssetKind.CIDR, "192.0.2.5/24", None),
        (AssetKind.CIDR, "not a block", None),
        (AssetKind.CIDR, "10.1.0.0/22", None),
        (AssetKind.CIDR, "192.0.2.0/24", ProofMethod.WELL_KNOWN),
        (AssetKind.DOMAIN, "bank", None),
        (AssetKind.DOMAIN, "bank.example", "carrier-pigeon"),
        ("planet", "earth.example", None),
        (AssetKind.REPOSITORY, "https://u:p@git.bank.example/app", None),
    ],
)
def test_invalid_registrations_write_nothing(
    database: Database,
    clock: FixedClock,
    orgs: Orgs,
    kind: AssetKind | str,
    value: str,
    method: ProofMethod | str | None,
) -> None:
    with pytest.raises(InvalidInputError):
        register(database, clock, orgs.a, kind, value, method)
    with database.session() as session:
        assert count_rows(session, AssetRow) == 0
    assert actions(database) == []


def test_a_duplicate_in_any_spelling_is_a_conflict_and_writes_nothing(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    register(database, clock, orgs.a, AssetKind.CIDR, "2001:db8::/32")
    with pytest.raises(DuplicateAssetError) as caught:
        register(database, clock, orgs.a, AssetKind.CIDR, "2001:0DB8:0:0::/32")
    assert isinstance(caught.value, ConflictError)
    with database.session() as session:
        assert count_rows(session, AssetRow) == 1
    assert actions(database) == ["assets.registered"]


def test_two_organizations_may_register_the_same_value(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    a = register(database, clock, orgs.a, AssetKind.DOMAIN, "shared.example")
    b = register(database, clock, orgs.b, AssetKind.DOMAIN, "shared.example")
    assert a.challenge_token != b.challenge_token


def test_an_unknown_organization_cannot_register(database: Database, clock: FixedClock) -> None:
    with pytest.raises(NotFoundError):
        register(database, clock, OrgId("org_" + "f" * 32), AssetKind.DOMAIN, "bank.example")


def test_one_organization_never_reads_or_verifies_anothers_asset(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = register(database, clock, orgs.a, AssetKind.DOMAIN, "alpha.example")
    with database.session() as session:
        with pytest.raises(AssetNotFoundError):
            service.get_asset(session, orgs.b, asset.id)
        with pytest.raises(NotFoundError):
            service.verify(session, clock, member(orgs.b), orgs.b, asset.id, always(True))
        assert service.list_assets(session, orgs.b) == []
        assert service.find_asset(session, orgs.b, AssetKind.DOMAIN, "alpha.example") is None
        assert service.asset_verified(session, orgs.b, asset.id)[0] is False
    assert actions(database, orgs.b) == []
    with database.session() as session:
        assert service.get_asset(session, orgs.a, asset.id).status is AssetStatus.PENDING


def test_lists_are_scoped_and_filtered(database: Database, clock: FixedClock, orgs: Orgs) -> None:
    register(database, clock, orgs.a, AssetKind.DOMAIN, "alpha.example")
    clock.advance(1)
    register(database, clock, orgs.a, AssetKind.HOST, "192.0.2.10")
    register(database, clock, orgs.b, AssetKind.DOMAIN, "beta.example")
    with database.session() as session:
        values = [a.value for a in service.list_assets(session, orgs.a)]
        hosts = service.list_assets(session, orgs.a, kind=AssetKind.HOST)
        verified = service.list_assets(session, orgs.a, status=AssetStatus.VERIFIED)
        found = service.find_asset(session, orgs.a, AssetKind.DOMAIN, "ALPHA.example.")
    assert values == ["alpha.example", "192.0.2.10"]
    assert [a.value for a in hosts] == ["192.0.2.10"]
    assert verified == []
    assert found is not None and found.value == "alpha.example"


def test_a_domain_is_verified_by_a_real_dns_txt_record(
    database: Database, clock: FixedClock, orgs: Orgs, local_dns: LocalDns
) -> None:
    asset = register(database, clock, orgs.a, AssetKind.DOMAIN, "alpha.example")
    verifiers = default_verifiers(
        VerifierSettings(dns_nameservers=("127.0.0.1",), dns_port=local_dns.port)
    )
    clock.advance(60)
    with database.session() as session:
        failed = service.verify(session, clock, member(orgs.a), orgs.a, asset.id, verifiers)
    assert failed.status is AssetStatus.FAILED
    assert failed.last_error == "_mamori-challenge.alpha.example does not exist in DNS"
    local_dns.records["_mamori-challenge.alpha.example"] = [(asset.challenge_token,)]
    clock.advance(60)
    with database.session() as session:
        proven = service.verify(session, clock, member(orgs.a), orgs.a, asset.id, verifiers)
        assert service.asset_verified(session, orgs.a, asset.id)[0] is True
    assert proven.status is AssetStatus.VERIFIED
    assert proven.last_error is None
    assert proven.verified_at == proven.last_checked_at == clock.now()
    assert actions(database, orgs.a) == [
        "assets.registered",
        "assets.verification_failed",
        "assets.verified",
    ]


def test_a_host_is_verified_by_a_real_well_known_file(
    database: Database, clock: FixedClock, orgs: Orgs, local_http: LocalHttp
) -> None:
    asset = register(
        database, clock, orgs.a, AssetKind.HOST, "portal.alpha.example", ProofMethod.WELL_KNOWN
    )
    local_http.routes["/.well-known/mamori-challenge.txt"] = Reply(
        body=asset.challenge_token.encode()
    )
    verifiers = default_verifiers(
        VerifierSettings(well_known_base_urls={"portal.alpha.example": local_http.base_url})
    )
    with database.session() as session:
        proven = service.verify(session, clock, member(orgs.a), orgs.a, asset.id, verifiers)
    assert proven.status is AssetStatus.VERIFIED


def test_a_repository_is_verified_by_a_committed_file(
    database: Database, clock: FixedClock, orgs: Orgs, tmp_path: Path
) -> None:
    repo = init_repo(tmp_path / "core-banking")
    asset = register(database, clock, orgs.a, AssetKind.REPOSITORY, str(repo))
    verifiers = default_verifiers()
    (repo / ".mamori-challenge").write_text(asset.challenge_token)
    with database.session() as session:
        early = service.verify(session, clock, member(orgs.a), orgs.a, asset.id, verifiers)
    assert early.status is AssetStatus.FAILED and "committed" in (early.last_error or "")
    commit_file(repo, ".mamori-challenge", asset.challenge_token)
    with database.session() as session:
        proven = service.verify(session, clock, member(orgs.a), orgs.a, asset.id, verifiers)
    assert proven.status is AssetStatus.VERIFIED


def test_a_verified_asset_whose_proof_disappears_is_failed(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = register(database, clock, orgs.a, AssetKind.DOMAIN, "alpha.example")
    with database.session() as session:
        service.verify(session, clock, member(orgs.a), orgs.a, asset.id, always(True))
        again = service.verify(session, clock, member(orgs.a), orgs.a, asset.id, always(False))
    assert again.status is AssetStatus.FAILED
    assert again.verified_at is not None, "when it was last proven stays on record"


def test_verify_can_switch_to_another_fitting_method(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = register(database, clock, orgs.a, AssetKind.DOMAIN, "alpha.example")
    verifiers = always(True)
    with database.session() as session:
        updated = service.verify(
            session, clock, member(orgs.a), orgs.a, asset.id, verifiers, method="well_known"
        )
        with pytest.raises(InvalidAssetError):
            service.verify(
                session, clock, member(orgs.a), orgs.a, asset.id, verifiers, method="repository"
            )
    assert updated.proof_method is ProofMethod.WELL_KNOWN
    assert verifiers[ProofMethod.WELL_KNOWN].seen == [(asset.id, asset.challenge_token)]
    assert verifiers[ProofMethod.DNS_TXT].seen == []


def test_no_verifier_for_the_method_changes_nothing(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = register(database, clock, orgs.a, AssetKind.DOMAIN, "alpha.example")
    with pytest.raises(VerifierUnavailableError), database.session() as session:
        service.verify(session, clock, member(orgs.a), orgs.a, asset.id, {})
    with database.session() as session:
        assert service.get_asset(session, orgs.a, asset.id).last_checked_at is None


class Crashing:
    method = ProofMethod.DNS_TXT

    def check(self, asset: Asset, token: str) -> ProofResult:
        raise RuntimeError("secret internals " + token)


def test_a_crashing_verifier_fails_the_proof_closed(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    asset = register(database, clock, orgs.a, AssetKind.DOMAIN, "alpha.example")
    with database.session() as session:
        updated = service.verify(
            session, clock, member(orgs.a), orgs.a, asset.id, {ProofMethod.DNS_TXT: Crashing()}
        )
    assert updated.status is AssetStatus.FAILED
    assert updated.last_error == "the dns_txt verifier failed (RuntimeError)"


def test_losing_a_duplicate_race_leaves_the_transaction_usable(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    first = register(database, clock, orgs.a, AssetKind.DOMAIN, "alpha.example")
    twin = replace(first, id=AssetId("ast_" + "9" * 32))
    with database.session() as session:
        assert repository.insert_asset(session, twin) is False
        assert repository.get_asset(session, orgs.a, first.id) == first
        register_in = service.register_asset(
            session, clock, member(orgs.a), orgs.a, AssetKind.DOMAIN, "beta.alpha.example"
        )
    with database.session() as session:
        values = {asset.value for asset in service.list_assets(session, orgs.a)}
    assert values == {"alpha.example", register_in.asset.value}
