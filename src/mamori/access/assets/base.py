"""The extension point for ownership proofs: one small interface, a literal registry.

A verifier looks in one kind of place (DNS, a web server, a repository) for an asset's
challenge token and says what it saw. :func:`mamori.access.assets.service.verify` takes
a mapping of proof method to verifier, so a deployment (or a test) chooses where each
look goes: its own DNS server, inside URLs for its hosts, a forge-backed verifier for
remote repositories.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from mamori.access.assets.dns_txt import DnsTxtVerifier
from mamori.access.assets.git_head import RepositoryVerifier
from mamori.access.assets.models import Asset, ProofResult
from mamori.access.assets.well_known import WellKnownUrlVerifier
from mamori.access.models import ProofMethod


class OwnershipVerifier(Protocol):
    """Checks whether an asset's challenge token is published where its method says."""

    @property
    def method(self) -> ProofMethod:
        """The proof method this verifier checks."""
        ...

    def check(self, asset: Asset, token: str) -> ProofResult:
        """Found, not found, or could not check, with a short reason (never the content)."""
        ...


Verifiers = Mapping[ProofMethod, OwnershipVerifier]


@dataclass(frozen=True)
class VerifierSettings:
    """Where the built-in verifiers look, and how long they wait."""

    dns_nameservers: tuple[str, ...] | None = None
    dns_port: int = 53
    dns_timeout: float = 3.0
    well_known_base_urls: Mapping[str, str] = field(default_factory=dict)
    http_timeout: float = 5.0
    git: str = "git"
    git_timeout: float = 5.0


def _dns_txt(settings: VerifierSettings) -> OwnershipVerifier:
    return DnsTxtVerifier(
        settings.dns_nameservers, port=settings.dns_port, timeout=settings.dns_timeout
    )


def _well_known(settings: VerifierSettings) -> OwnershipVerifier:
    return WellKnownUrlVerifier(
        base_urls=settings.well_known_base_urls, timeout=settings.http_timeout
    )


def _repository(settings: VerifierSettings) -> OwnershipVerifier:
    return RepositoryVerifier(git=settings.git, timeout=settings.git_timeout)


BUILTIN_VERIFIERS: dict[ProofMethod, Callable[[VerifierSettings], OwnershipVerifier]] = {
    ProofMethod.DNS_TXT: _dns_txt,
    ProofMethod.WELL_KNOWN: _well_known,
    ProofMethod.REPOSITORY: _repository,
}


def default_verifiers(
    settings: VerifierSettings | None = None,
) -> dict[ProofMethod, OwnershipVerifier]:
    """One built-in verifier per proof method, configured by ``settings``."""
    chosen = settings or VerifierSettings()
    return {method: make(chosen) for method, make in BUILTIN_VERIFIERS.items()}
