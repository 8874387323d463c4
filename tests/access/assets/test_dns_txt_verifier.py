"""DnsTxtVerifier against a real DNS server on 127.0.0.1."""

from __future__ import annotations

import time

from assets_helpers import NOW, LocalDns

from mamori.access.assets.dns_txt import DnsTxtVerifier
from mamori.access.assets.models import Asset, ProofOutcome
from mamori.access.models import AssetKind, AssetStatus, ProofMethod
from mamori.core.ids import AssetId, OrgId

TOKEN = "mamori-verify=" + "ab" * 32


def asset(kind: AssetKind, value: str) -> Asset:
    return Asset(
        AssetId("ast_" + "0" * 32),
        OrgId("org_" + "0" * 32),
        kind,
        value,
        ProofMethod.DNS_TXT,
        TOKEN,
        AssetStatus.PENDING,
        None,
        None,
        None,
        NOW,
    )


def verifier(server: LocalDns) -> DnsTxtVerifier:
    return DnsTxtVerifier(["127.0.0.1"], port=server.port, timeout=2.0)


def test_token_in_a_txt_record_is_found(local_dns: LocalDns) -> None:
    local_dns.records["_mamori-challenge.bank.example"] = [("v=spf1 -all",), (TOKEN,)]
    result = verifier(local_dns).check(asset(AssetKind.DOMAIN, "bank.example"), TOKEN)
    assert result.outcome is ProofOutcome.FOUND
    assert local_dns.queries == ["_mamori-challenge.bank.example"]


def test_a_token_split_over_several_strings_of_one_record_is_found(local_dns: LocalDns) -> None:
    local_dns.records["_mamori-challenge.www.bank.example"] = [(TOKEN[:20], TOKEN[20:])]
    result = verifier(local_dns).check(asset(AssetKind.HOST, "www.bank.example"), TOKEN)
    assert result.found


def test_a_wrong_token_is_not_found_and_the_reason_holds_no_record_content(
    local_dns: LocalDns,
) -> None:
    other = "mamori-verify=" + "cd" * 32
    local_dns.records["_mamori-challenge.bank.example"] = [(other,)]
    result = verifier(local_dns).check(asset(AssetKind.DOMAIN, "bank.example"), TOKEN)
    assert result.outcome is ProofOutcome.NOT_FOUND
    assert "1 TXT record" in result.reason
    assert other not in result.reason


def test_a_name_with_no_txt_record_is_not_found(local_dns: LocalDns) -> None:
    local_dns.records["_mamori-challenge.bank.example"] = []
    result = verifier(local_dns).check(asset(AssetKind.DOMAIN, "bank.example"), TOKEN)
    assert result.outcome is ProofOutcome.NOT_FOUND


def test_nxdomain_is_not_found(local_dns: LocalDns) -> None:
    result = verifier(local_dns).check(asset(AssetKind.DOMAIN, "nobody.example"), TOKEN)
    assert result.outcome is ProofOutcome.NOT_FOUND
    assert "does not exist" in result.reason


def test_a_cidr_is_looked_up_in_its_reverse_zone(local_dns: LocalDns) -> None:
    local_dns.records["_mamori-challenge.2.0.192.in-addr.arpa"] = [(TOKEN,)]
    result = verifier(local_dns).check(asset(AssetKind.CIDR, "192.0.2.0/24"), TOKEN)
    assert result.found
    assert local_dns.queries == ["_mamori-challenge.2.0.192.in-addr.arpa"]


def test_a_server_that_never_answers_is_an_error_within_the_timeout(
    silent_dns_port: int,
) -> None:
    quiet = DnsTxtVerifier(["127.0.0.1"], port=silent_dns_port, timeout=0.3)
    started = time.monotonic()
    result = quiet.check(asset(AssetKind.DOMAIN, "bank.example"), TOKEN)
    assert result.outcome is ProofOutcome.ERROR
    assert "no DNS answer" in result.reason
    assert time.monotonic() - started < 2
