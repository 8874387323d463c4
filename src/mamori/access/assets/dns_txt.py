"""Ownership proven by a DNS TXT record holding the challenge token."""

from __future__ import annotations

from collections.abc import Sequence

import dns.exception
import dns.rdtypes.txtbase
import dns.resolver

from mamori.access.assets.models import Asset, ProofResult
from mamori.access.assets.proofs import dns_name
from mamori.access.models import ProofMethod


class DnsTxtVerifier:
    """Looks for the token among the TXT records at ``_mamori-challenge.<name>``.

    With no ``nameservers``, the machine's resolver configuration is used; tests and
    deployments with their own resolver name its addresses (and ``port``).
    """

    method = ProofMethod.DNS_TXT

    def __init__(
        self,
        nameservers: Sequence[str] | None = None,
        *,
        port: int = 53,
        timeout: float = 3.0,
    ) -> None:
        self.timeout = timeout
        self._resolver: dns.resolver.Resolver | None
        try:
            self._resolver = dns.resolver.Resolver(configure=nameservers is None)
        except dns.resolver.NoResolverConfiguration:
            self._resolver = None
            return
        if nameservers is not None:
            self._resolver.nameservers = list(nameservers)
        self._resolver.port = port
        # One deadline for the whole lookup, retries included.
        self._resolver.timeout = timeout
        self._resolver.lifetime = timeout

    def check(self, asset: Asset, token: str) -> ProofResult:
        """Whether a TXT record at the asset's challenge name is exactly ``token``."""
        if self._resolver is None:
            return ProofResult.failed("this mamori has no DNS resolver configured")
        name = dns_name(asset.kind, asset.value)
        try:
            answer = self._resolver.resolve(name, "TXT", search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return ProofResult.missing(f"{name} does not exist in DNS")
        except dns.exception.Timeout:
            return ProofResult.failed(f"no DNS answer for {name} within {self.timeout:g} s")
        except dns.exception.DNSException as exc:
            return ProofResult.failed(f"DNS lookup of {name} failed ({type(exc).__name__})")
        # A long TXT value is split into several strings of one record; they read as one.
        values = [
            b"".join(rdata.strings)
            for rdata in answer
            if isinstance(rdata, dns.rdtypes.txtbase.TXTBase)
        ]
        if token.encode("utf-8") in values:
            return ProofResult.proven(f"a TXT record at {name} holds the token")
        return ProofResult.missing(
            f"no TXT record at {name} holds the token ({len(values)} TXT record(s) seen)"
        )
