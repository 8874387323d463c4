"""Normalization and validation of asset values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mamori.access.assets.errors import InvalidAssetError
from mamori.access.assets.values import normalize
from mamori.access.models import AssetKind
from mamori.core.errors import InvalidInputError

D, H, C, R = AssetKind.DOMAIN, AssetKind.HOST, AssetKind.CIDR, AssetKind.REPOSITORY


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (D, "Bank.Example.", "bank.example"),
        (D, "  xn--bcher-kva.example ", "xn--bcher-kva.example"),
        (H, "WWW.Bank.Example", "www.bank.example"),
        (H, "192.0.2.10", "192.0.2.10"),
        (H, "[2001:DB8:0:0::1]", "2001:db8::1"),
        (H, "::ffff:192.0.2.10", "192.0.2.10"),
        (C, "192.0.2.0/24", "192.0.2.0/24"),
        (C, "10.20.0.0/255.255.0.0", "10.20.0.0/16"),
        (C, "2001:DB8:0000::/32", "2001:db8::/32"),
        (C, "198.51.100.7", "198.51.100.7/32"),
        (R, "/srv/git/core banking/", "file:///srv/git/core%20banking"),
        (R, "file:///srv/git/a/../app", "file:///srv/git/app"),
        (R, "file://localhost/srv/git/app", "file:///srv/git/app"),
        (R, "HTTPS://Git.Bank.Example:443/core/app.git/", "https://git.bank.example/core/app.git"),
        (R, "https://git.bank.example:8443/core/app", "https://git.bank.example:8443/core/app"),
    ],
)
def test_values_normalize_to_one_spelling(kind: AssetKind, raw: str, expected: str) -> None:
    assert normalize(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw", "says"),
    [
        (D, "", "empty"),
        (D, "localhost", "fully qualified"),
        (D, "bank..example", "invalid label"),
        (D, "-bank.example", "invalid label"),
        (D, "bank_x.example", "invalid label"),
        (D, "a" * 64 + ".example", "invalid label"),
        (D, "银行.example", "A-label"),
        (D, "192.0.2.1", "neither"),
        (H, "127.0.0.1", "loopback"),
        (H, "0.0.0.0", "unspecified"),
        (H, "fe80::1%eth0", "zone"),
        (H, "224.0.0.1", "multicast"),
        (H, "192.0.2", "neither"),
        (C, "10.0.0.0/8", "too broad"),
        (C, "0.0.0.0/0", "too broad"),
        (C, "10.0.0.0/15", "too broad"),
        (C, "2001:db8::/31", "too broad"),
        (C, "::/0", "too broad"),
        (C, "192.0.2.1/24", "host bits"),
        (C, "192.0.2.0/33", "not a CIDR"),
        (C, "bank.example", "not a CIDR"),
        (C, "127.0.0.0/16", "loopback"),
        (R, "relative/path", "not a repository location"),
        (R, "git@github.com:bank/app.git", "not a repository location"),
        (R, "http://git.bank.example/app", "not a repository location"),
        (R, "https://user:secret@git.bank.example/app", "credentials"),
        (R, "https://git.bank.example", "path"),
        (R, "file://otherhost/srv/app", "this machine"),
        (R, "file:///srv/%00app", "control"),
        (R, "/", "root"),
        (R, "/srv/a\npp", "control"),
    ],
)
def test_bad_values_are_refused_with_a_reason(kind: AssetKind, raw: str, says: str) -> None:
    with pytest.raises(InvalidAssetError) as caught:
        normalize(kind, raw)
    assert says in str(caught.value)
    assert caught.value.where == "value"


def test_a_host_bits_error_suggests_the_block() -> None:
    with pytest.raises(InvalidAssetError) as caught:
        normalize(C, "192.0.2.77/24")
    assert caught.value.hint == "did you mean 192.0.2.0/24?"


def test_a_value_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidAssetError):
        normalize(D, 42)


ip_text = st.ip_addresses().map(str)
cidr_text = st.builds(lambda ip, n: f"{ip}/{n}", st.ip_addresses(), st.integers(-1, 130))
label = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,10}", fullmatch=True)
domain_text = st.lists(label, min_size=1, max_size=5).map(".".join)
path_text = st.text(min_size=1).map(lambda t: "/" + t)
url_text = st.builds(
    lambda scheme, rest: f"{scheme}{rest}",
    st.sampled_from(["file://", "file:///", "https://", "HTTPS://", "https://[", "ssh://"]),
    st.text(),
)
anything = st.one_of(st.text(), ip_text, cidr_text, domain_text, path_text, url_text)


@given(kind=st.sampled_from(AssetKind), raw=anything)
def test_normalize_only_ever_refuses_with_invalid_input(kind: AssetKind, raw: str) -> None:
    try:
        value = normalize(kind, raw)
    except InvalidInputError:
        return
    assert normalize(kind, value) == value, "a normalized value normalizes to itself"
    assert value == value.strip() and not value.endswith(".")
    assert len(value) <= 500


@given(raw=st.ip_addresses(v=4), prefix=st.integers(0, 32))
def test_ipv4_blocks_broader_than_16_are_always_refused(raw: object, prefix: int) -> None:
    try:
        value = normalize(C, f"{raw}/{prefix}")
    except InvalidInputError:
        return
    assert prefix >= 16
    assert value.endswith(f"/{prefix}")
