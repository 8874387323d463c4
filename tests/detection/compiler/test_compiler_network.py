"""IPv6 CIDR regexes agree with the ipaddress module on every textual form of an address."""

from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network

import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.detection.sql.network import ipv6_regex


def _forms(address: IPv6Address) -> list[str]:
    groups = address.exploded.split(":")
    short = ":".join(format(int(group, 16), "x") for group in groups)
    return [str(address), address.exploded, str(address).upper(), short]


@st.composite
def _network_and_address(draw: st.DrawFn) -> tuple[IPv6Network, IPv6Address]:
    prefix = draw(st.integers(min_value=0, max_value=128))
    # Bias towards zero groups, where the "::" compression makes the text tricky.
    groups = draw(
        st.lists(st.sampled_from([0, 0, 0, 1, 0xFE80, 0xFFFF, 0x0DB8]), min_size=8, max_size=8)
    )
    base = int("".join(format(group, "04x") for group in groups), 16)
    network = IPv6Network((base, prefix), strict=False)
    inside = draw(st.booleans())
    if inside:
        offset = draw(st.integers(min_value=0, max_value=network.num_addresses - 1))
        return network, network.network_address + offset
    return network, IPv6Address(draw(st.integers(min_value=0, max_value=2**128 - 1)))


@settings(max_examples=400, deadline=None)
@given(_network_and_address())
def test_regex_matches_exactly_the_addresses_of_the_network(
    case: tuple[IPv6Network, IPv6Address],
) -> None:
    network, address = case
    pattern = re2.compile(ipv6_regex(network))
    for text in _forms(address):
        assert (pattern.search(text) is not None) == (address in network), (network, text)


def test_zone_suffix_and_garbage() -> None:
    pattern = re2.compile(ipv6_regex(IPv6Network("fe80::/10")))
    assert pattern.search("fe80::1%eth0")
    assert not pattern.search("fe80:zz::1")
    assert not pattern.search("10.0.0.1")
    assert not pattern.search("xfe80::1")


def test_single_address_and_whole_space() -> None:
    loopback = re2.compile(ipv6_regex(IPv6Network("::1/128")))
    assert loopback.search("::1")
    assert loopback.search("0:0:0:0:0:0:0:1")
    assert not loopback.search("::2")
    anything = re2.compile(ipv6_regex(IPv6Network("::/0")))
    assert anything.search("2001:db8::1")
    assert not anything.search("10.1.2.3")
