"""Which proof fits which asset, and where the token goes."""

from __future__ import annotations

import re

import pytest

from mamori.access.assets.errors import InvalidAssetError
from mamori.access.assets.proofs import (
    check_method,
    instructions,
    methods_for,
    new_token,
    reverse_zone,
)
from mamori.access.models import AssetKind, ProofMethod

DNS, WEB, REPO = ProofMethod.DNS_TXT, ProofMethod.WELL_KNOWN, ProofMethod.REPOSITORY


def test_a_token_is_the_prefix_and_32_random_bytes_in_hex() -> None:
    token = new_token()
    assert re.fullmatch(r"mamori-verify=[0-9a-f]{64}", token)
    assert new_token() != token


@pytest.mark.parametrize(
    ("kind", "value", "methods"),
    [
        (AssetKind.DOMAIN, "bank.example", (DNS, WEB)),
        (AssetKind.HOST, "www.bank.example", (DNS, WEB)),
        (AssetKind.HOST, "192.0.2.10", (WEB,)),
        (AssetKind.CIDR, "192.0.2.0/24", (DNS,)),
        (AssetKind.REPOSITORY, "file:///srv/git/app", (REPO,)),
    ],
)
def test_methods_for_each_kind(kind: AssetKind, value: str, methods: tuple[ProofMethod]) -> None:
    assert methods_for(kind, value) == methods


@pytest.mark.parametrize(
    ("kind", "value", "method", "hint"),
    [
        (AssetKind.CIDR, "192.0.2.0/24", WEB, "reverse DNS zone"),
        (AssetKind.HOST, "192.0.2.10", DNS, "no name"),
        (AssetKind.DOMAIN, "bank.example", REPO, "TXT"),
        (AssetKind.REPOSITORY, "file:///srv/git/app", DNS, "HEAD"),
    ],
)
def test_a_method_that_cannot_prove_the_asset_is_refused_with_why(
    kind: AssetKind, value: str, method: ProofMethod, hint: str
) -> None:
    with pytest.raises(InvalidAssetError) as caught:
        check_method(kind, value, method)
    assert caught.value.where == "proof_method"
    assert hint in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("cidr", "zone"),
    [
        ("192.0.2.0/24", "2.0.192.in-addr.arpa"),
        ("10.20.0.0/16", "20.10.in-addr.arpa"),
        ("198.51.100.7/32", "7.100.51.198.in-addr.arpa"),
        ("2001:db8::/32", "8.b.d.0.1.0.0.2.ip6.arpa"),
        ("2001:db8:abcd::/48", "d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa"),
    ],
)
def test_reverse_zones(cidr: str, zone: str) -> None:
    assert reverse_zone(cidr) == zone


def test_a_block_without_a_reverse_zone_of_its_own_cannot_be_proven() -> None:
    with pytest.raises(InvalidAssetError) as caught:
        check_method(AssetKind.CIDR, "10.1.0.0/22", DNS)
    assert "/22 has none" in caught.value.message
    assert caught.value.hint == (
        "register it as 4 blocks of /24 (10.1.0.0/24, …), each proven in its own reverse zone"
    )


def test_instructions_say_exactly_what_to_publish_the_chosen_method_first() -> None:
    token = new_token()
    steps = instructions(AssetKind.DOMAIN, "bank.example", token, WEB)
    assert [step.method for step in steps] == [WEB, DNS]
    assert steps[0].location == "https://bank.example/.well-known/mamori-challenge.txt"
    assert steps[1].location == "_mamori-challenge.bank.example"
    assert all(step.content == token and token in step.text for step in steps)
    (repo,) = instructions(AssetKind.REPOSITORY, "file:///srv/app", token, REPO)
    assert repo.location == ".mamori-challenge" and "HEAD" in repo.text
