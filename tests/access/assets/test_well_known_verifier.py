"""WellKnownUrlVerifier against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from assets_helpers import NOW, LocalHttp, Reply

from mamori.access.assets.models import Asset, ProofOutcome
from mamori.access.assets.well_known import WellKnownUrlVerifier
from mamori.access.models import AssetKind, AssetStatus, ProofMethod
from mamori.core.ids import AssetId, OrgId

TOKEN = "mamori-verify=" + "ef" * 32
PATH = "/.well-known/mamori-challenge.txt"
HOST = "www.bank.example"


def asset(value: str = HOST) -> Asset:
    return Asset(
        AssetId("ast_" + "0" * 32),
        OrgId("org_" + "0" * 32),
        AssetKind.HOST,
        value,
        ProofMethod.WELL_KNOWN,
        TOKEN,
        AssetStatus.PENDING,
        None,
        None,
        None,
        NOW,
    )


def verifier(server: LocalHttp) -> WellKnownUrlVerifier:
    return WellKnownUrlVerifier(base_urls={HOST: server.base_url}, timeout=2.0)


def test_the_url_is_https_on_the_host_unless_mapped() -> None:
    plain = WellKnownUrlVerifier()
    assert plain.url_for(asset()) == f"https://{HOST}{PATH}"
    assert plain.url_for(asset("2001:db8::1")) == f"https://[2001:db8::1]{PATH}"


def test_the_token_served_at_the_well_known_path_is_found(local_http: LocalHttp) -> None:
    local_http.routes[PATH] = Reply(body=f"{TOKEN}\n".encode())
    result = verifier(local_http).check(asset(), TOKEN)
    assert result.outcome is ProofOutcome.FOUND
    assert local_http.requests == [PATH]


def test_other_content_is_not_found_and_not_echoed(local_http: LocalHttp) -> None:
    local_http.routes[PATH] = Reply(body=b"<html>welcome to the bank</html>")
    result = verifier(local_http).check(asset(), TOKEN)
    assert result.outcome is ProofOutcome.NOT_FOUND
    assert "welcome" not in result.reason


def test_a_missing_file_is_not_found(local_http: LocalHttp) -> None:
    result = verifier(local_http).check(asset(), TOKEN)
    assert result.outcome is ProofOutcome.NOT_FOUND
    assert "HTTP 404" in result.reason


def test_a_server_error_is_an_error(local_http: LocalHttp) -> None:
    local_http.routes[PATH] = Reply(status=500, body=TOKEN.encode())
    assert verifier(local_http).check(asset(), TOKEN).outcome is ProofOutcome.ERROR


def test_a_body_over_4_kib_is_refused_even_if_it_starts_with_the_token(
    local_http: LocalHttp,
) -> None:
    local_http.routes[PATH] = Reply(body=TOKEN.encode() + b" " * 5000)
    result = verifier(local_http).check(asset(), TOKEN)
    assert result.outcome is ProofOutcome.ERROR
    assert "4096 bytes" in result.reason


def test_an_undeclared_oversized_body_is_cut_off(local_http: LocalHttp) -> None:
    local_http.routes[PATH] = Reply(body=TOKEN.encode() + b" " * 5000, declare_length=False)
    result = verifier(local_http).check(asset(), TOKEN)
    assert result.outcome is ProofOutcome.ERROR
    assert "4096 bytes" in result.reason


def test_a_compressed_body_is_refused(local_http: LocalHttp) -> None:
    local_http.routes[PATH] = Reply(body=b"\x1f\x8b", headers={"Content-Encoding": "gzip"})
    assert verifier(local_http).check(asset(), TOKEN).outcome is ProofOutcome.ERROR


def test_a_redirect_to_another_host_is_not_followed(local_http: LocalHttp) -> None:
    # localhost reaches the very same server, so following the redirect would find the token.
    elsewhere = f"http://localhost:{local_http.port}/elsewhere"
    local_http.routes[PATH] = Reply(status=302, headers={"Location": elsewhere})
    local_http.routes["/elsewhere"] = Reply(body=TOKEN.encode())
    result = verifier(local_http).check(asset(), TOKEN)
    assert result.outcome is ProofOutcome.ERROR
    assert "another host" in result.reason
    assert local_http.requests == [PATH]


def test_a_redirect_on_the_same_host_is_followed(local_http: LocalHttp) -> None:
    local_http.routes[PATH] = Reply(status=301, headers={"Location": "/moved"})
    local_http.routes["/moved"] = Reply(body=TOKEN.encode())
    assert verifier(local_http).check(asset(), TOKEN).found
    assert local_http.requests == [PATH, "/moved"]


def test_a_redirect_loop_stops(local_http: LocalHttp) -> None:
    local_http.routes[PATH] = Reply(status=302, headers={"Location": PATH})
    result = verifier(local_http).check(asset(), TOKEN)
    assert result.outcome is ProofOutcome.ERROR
    assert len(local_http.requests) == 4


def test_nothing_listening_is_an_error(local_http: LocalHttp) -> None:
    port = local_http.port
    local_http.close()
    closed = WellKnownUrlVerifier(base_urls={HOST: f"http://127.0.0.1:{port}"}, timeout=1.0)
    result = closed.check(asset(), TOKEN)
    assert result.outcome is ProofOutcome.ERROR
    assert "ConnectError" in result.reason
