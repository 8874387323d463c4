"""Ownership proven by a file at ``https://<host>/.well-known/mamori-challenge.txt``."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from mamori.access.assets.models import Asset, ProofResult
from mamori.access.assets.proofs import WELL_KNOWN_PATH, well_known_url
from mamori.access.models import ProofMethod

MAX_BODY_BYTES = 4096


class WellKnownUrlVerifier:
    """Fetches the challenge file and compares its text with the token.

    ``base_urls`` maps an asset value to the base URL to fetch from instead of
    ``https://<value>`` (a test server on 127.0.0.1, an inside address). Redirects are
    followed only to the same host and never from https to http; bodies over
    ``max_bytes`` and compressed bodies are refused unread.
    """

    method = ProofMethod.WELL_KNOWN

    def __init__(
        self,
        *,
        base_urls: Mapping[str, str] | None = None,
        timeout: float = 5.0,
        max_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = 3,
        verify_tls: bool = True,
        trust_env: bool = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.timeout = timeout
        self._base_urls = dict(base_urls or {})
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._verify_tls = verify_tls
        self._trust_env = trust_env
        self._transport = transport

    def url_for(self, asset: Asset) -> str:
        """The URL this verifier fetches for ``asset``."""
        base = self._base_urls.get(asset.value)
        if base is None:
            return well_known_url(asset.value)
        return base.rstrip("/") + WELL_KNOWN_PATH

    def check(self, asset: Asset, token: str) -> ProofResult:
        """Whether the asset's challenge file holds exactly ``token``."""
        url = self.url_for(asset)
        try:
            with httpx.Client(
                timeout=self.timeout,
                follow_redirects=False,
                transport=self._transport,
                headers={"Accept-Encoding": "identity", "User-Agent": "mamori-verifier"},
                verify=self._verify_tls,
                trust_env=self._trust_env,
            ) as client:
                return self._fetch(client, httpx.URL(url), token)
        except httpx.TimeoutException:
            return ProofResult.failed(f"no answer from {url} within {self.timeout:g} s")
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return ProofResult.failed(f"cannot fetch {url} ({type(exc).__name__})")

    def _fetch(self, client: httpx.Client, url: httpx.URL, token: str) -> ProofResult:
        origin = url
        for _ in range(self._max_redirects + 1):
            with client.stream("GET", url) as response:
                if not response.has_redirect_location:
                    return self._judge(response, url, token)
                target = response.next_request.url if response.next_request else None
            if target is None:
                return ProofResult.failed(f"{url} redirects without a valid Location")
            refusal = _redirect_refusal(origin, target)
            if refusal:
                return ProofResult.failed(f"{url} redirects {refusal}; not followed")
            url = target
        return ProofResult.failed(f"{origin} redirects more than {self._max_redirects} times")

    def _judge(self, response: httpx.Response, url: httpx.URL, token: str) -> ProofResult:
        if response.status_code in (404, 410):
            return ProofResult.missing(f"{url} answered HTTP {response.status_code}")
        if response.status_code != 200:
            return ProofResult.failed(f"{url} answered HTTP {response.status_code}")
        if response.headers.get("content-encoding", "identity").lower() != "identity":
            return ProofResult.failed(f"{url} sent a compressed body; serve it as plain text")
        body = self._read_capped(response)
        if body is None:
            return ProofResult.failed(f"{url} sent more than {self._max_bytes} bytes")
        try:
            text = body.decode("utf-8").strip()
        except UnicodeDecodeError:
            return ProofResult.missing(f"{url} is not UTF-8 text")
        if text == token:
            return ProofResult.proven(f"{url} holds the token")
        return ProofResult.missing(f"{url} does not hold the token")

    def _read_capped(self, response: httpx.Response) -> bytes | None:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            return None
        body = bytearray()
        for chunk in response.iter_raw():
            body += chunk
            if len(body) > self._max_bytes:
                return None
        return bytes(body)


def _redirect_refusal(origin: httpx.URL, target: httpx.URL) -> str | None:
    if target.host != origin.host:
        return f"to another host ({target.host})"
    if origin.scheme == "https" and target.scheme != "https":
        return "from https to http"
    return None
