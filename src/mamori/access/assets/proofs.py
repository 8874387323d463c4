"""Which proof fits which asset, and exactly where its challenge token is published.

The instructions shown to an organization and the places the verifiers look are both
computed here, so that they cannot drift apart.

How each kind is proven, and why:

- a **domain** by a TXT record at ``_mamori-challenge.<domain>`` (control of its zone) or
  by a file at ``https://<domain>/.well-known/mamori-challenge.txt`` (control of its site);
- a **host** the same way; a host given as an IP address has no name to hold a TXT
  record, so only the well-known file fits;
- a **CIDR block** by a TXT record at ``_mamori-challenge.<reverse zone>``: registries
  delegate a block's reverse DNS zone to the block's holder, so control of that zone is
  evidence about the whole block. A web server inside the block would prove one host
  only, and a TXT record under some domain proves the domain, not the addresses, so
  neither is accepted. Only blocks that have a reverse zone of their own can be proven:
  IPv4 /16, /24 and /32, IPv6 prefixes on a nibble boundary (a multiple of 4);
- a **repository** by a file ``.mamori-challenge`` committed at HEAD.
"""

from __future__ import annotations

import ipaddress
import secrets

from mamori.access.assets.errors import InvalidAssetError
from mamori.access.assets.models import ProofInstruction
from mamori.access.assets.values import parse_ip
from mamori.access.models import AssetKind, ProofMethod

TOKEN_PREFIX = "mamori-verify="  # noqa: S105 - a label, not a secret
DNS_LABEL = "_mamori-challenge"
WELL_KNOWN_PATH = "/.well-known/mamori-challenge.txt"
REPOSITORY_FILE = ".mamori-challenge"

_WHY_NOT: dict[AssetKind, str] = {
    AssetKind.DOMAIN: "a domain is proven by a DNS TXT record (dns_txt) or a well-known file "
    "on its web site (well_known)",
    AssetKind.HOST: "a host is proven by a DNS TXT record under its name (dns_txt) or a "
    "well-known file it serves (well_known); a host given as an IP address has no name "
    "for a TXT record, so only well_known fits it",
    AssetKind.CIDR: "an address block is proven only by a TXT record in its reverse DNS zone "
    "(dns_txt): a web server inside the block would prove one host, not the block",
    AssetKind.REPOSITORY: "a repository is proven by committing the token as "
    f"{REPOSITORY_FILE} at HEAD (repository)",
}


def new_token() -> str:
    """A fresh challenge token: ``mamori-verify=`` and 32 random bytes in hex."""
    return TOKEN_PREFIX + secrets.token_hex(32)


def methods_for(kind: AssetKind, value: str) -> tuple[ProofMethod, ...]:
    """The proof methods that fit an asset, the default first."""
    if kind is AssetKind.DOMAIN:
        return (ProofMethod.DNS_TXT, ProofMethod.WELL_KNOWN)
    if kind is AssetKind.HOST:
        if parse_ip(value) is not None:
            return (ProofMethod.WELL_KNOWN,)
        return (ProofMethod.DNS_TXT, ProofMethod.WELL_KNOWN)
    if kind is AssetKind.CIDR:
        return (ProofMethod.DNS_TXT,)
    return (ProofMethod.REPOSITORY,)


def check_method(kind: AssetKind, value: str, method: ProofMethod) -> None:
    """Raise InvalidAssetError unless ``method`` can prove this asset."""
    if method not in methods_for(kind, value):
        raise InvalidAssetError(
            f"{method.value} cannot prove the {kind.value} {value}",
            where="proof_method",
            hint=_WHY_NOT[kind],
        )
    if kind is AssetKind.CIDR:
        reverse_zone(value)


def reverse_zone(cidr: str) -> str:
    """The reverse DNS zone of a block; raises InvalidAssetError when it has none."""
    network = ipaddress.ip_network(cidr)
    step, suffix = (8, "in-addr.arpa") if network.version == 4 else (4, "ip6.arpa")
    if network.prefixlen % step:
        aligned = network.prefixlen + step - network.prefixlen % step
        count = 2 ** (aligned - network.prefixlen)
        first = ipaddress.ip_network(f"{network.network_address}/{aligned}")
        raise InvalidAssetError(
            f"{cidr} cannot be proven: mamori proves a block by a TXT record in the block's "
            f"own reverse DNS zone, and a /{network.prefixlen} has none",
            where="value",
            hint=f"register it as {count} blocks of /{aligned} ({first.with_prefixlen}, …), "
            "each proven in its own reverse zone",
        )
    digits = (
        [str(octet) for octet in network.network_address.packed]
        if network.version == 4
        else list(network.network_address.exploded.replace(":", ""))
    )
    kept = digits[: network.prefixlen // step]
    return ".".join([*reversed(kept), suffix])


def dns_name(kind: AssetKind, value: str) -> str:
    """The name whose TXT record must hold the token."""
    zone = reverse_zone(value) if kind is AssetKind.CIDR else value
    return f"{DNS_LABEL}.{zone}"


def well_known_url(host: str) -> str:
    """Where a host or domain serves its challenge file."""
    netloc = f"[{host}]" if ":" in host else host
    return f"https://{netloc}{WELL_KNOWN_PATH}"


def instruction(kind: AssetKind, value: str, method: ProofMethod, token: str) -> ProofInstruction:
    """Exactly what to publish, and where, to prove an asset with ``method``."""
    if method is ProofMethod.DNS_TXT:
        name = dns_name(kind, value)
        return ProofInstruction(
            method, name, token, f'Publish a DNS TXT record at {name} with the value "{token}".'
        )
    if method is ProofMethod.WELL_KNOWN:
        url = well_known_url(value)
        return ProofInstruction(
            method,
            url,
            token,
            f"Serve {url} (HTTP 200, no redirect to another host) with the body {token}",
        )
    return ProofInstruction(
        method,
        REPOSITORY_FILE,
        token,
        f"Commit a file named {REPOSITORY_FILE} at the root of {value}, holding {token}, "
        "so that it is in the commit at HEAD.",
    )


def instructions(
    kind: AssetKind, value: str, token: str, chosen: ProofMethod
) -> tuple[ProofInstruction, ...]:
    """Instructions for every method that fits the asset, the chosen one first."""
    methods = [chosen, *(m for m in methods_for(kind, value) if m is not chosen)]
    return tuple(instruction(kind, value, method, token) for method in methods)
