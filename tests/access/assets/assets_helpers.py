"""Helpers for the asset and engagement tests: organizations, principals, local servers.

The servers are real: a UDP DNS server built with dnspython's message classes, an
HTTP server from the standard library, and git repositories made with the git command.
"""

from __future__ import annotations

import datetime as dt
import http.server
import os
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mamori.access.assets.models import Asset, ProofResult
from mamori.access.models import Principal, PrincipalKind, ProofMethod, Role
from mamori.access.tables import AssetRow, EngagementRow, OrganizationRow
from mamori.audit.service import list_entries
from mamori.core.ids import OrgId, new_id
from mamori.store.engine import Database

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Orgs:
    """Two organizations sharing one database."""

    a: OrgId
    b: OrgId


def make_org(database: Database, name: str) -> OrgId:
    """A real organization row (assets and engagements reference it)."""
    org_id = OrgId(new_id("org"))
    with database.session() as session:
        session.add(
            OrganizationRow(
                id=org_id,
                name=name,
                country="JP",
                regulator_registration="FSA-1",
                contact_email=f"security@{name.lower()}.example",
                tier="trusted",
                status="active",
                status_reason=None,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return org_id


def member(org_id: OrgId, role: Role = Role.ORG_ADMIN) -> Principal:
    """A user of ``org_id`` with one role."""
    return Principal(PrincipalKind.USER, new_id("usr"), org_id, frozenset({role}))


def operator() -> Principal:
    """A program operator (no organization)."""
    return Principal(PrincipalKind.USER, new_id("usr"), None, frozenset({Role.OPERATOR}))


def count_rows(session: Session, table: type[AssetRow] | type[EngagementRow]) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def actions(database: Database, org_id: str | None = None) -> list[str]:
    """The actions recorded in the transparency log, oldest first."""
    with database.session() as session:
        return [entry.action for entry in list_entries(session, org_id=org_id, limit=1000)]


@dataclass
class FixedVerifier:
    """A verifier that answers the same every time (implements OwnershipVerifier)."""

    method: ProofMethod
    result: ProofResult
    seen: list[tuple[str, str]] = field(default_factory=list)

    def check(self, asset: Asset, token: str) -> ProofResult:
        self.seen.append((asset.id, token))
        return self.result


def always(found: bool) -> dict[ProofMethod, FixedVerifier]:
    result = ProofResult.proven("test") if found else ProofResult.missing("test: not there")
    return {method: FixedVerifier(method, result) for method in ProofMethod}


# --- DNS ------------------------------------------------------------------------------


class LocalDns:
    """A UDP DNS server on 127.0.0.1 answering TXT queries from ``records``.

    ``records`` maps a name (lowercase, no final dot) to its TXT records, each record a
    tuple of character-strings. A name not in the map is NXDOMAIN.
    """

    def __init__(self) -> None:
        self.records: dict[str, list[tuple[str, ...]]] = {}
        self.queries: list[str] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self.port: int = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            self._socket.sendto(self._answer(dns.message.from_wire(data)).to_wire(), peer)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.queries.append(name)
        if name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        if question.rdtype == dns.rdatatype.TXT and self.records[name]:
            rrset = dns.rrset.RRset(question.name, dns.rdataclass.IN, dns.rdatatype.TXT)
            for strings in self.records[name]:
                rdata = dns.rdtypes.ANY.TXT.TXT(
                    dns.rdataclass.IN, dns.rdatatype.TXT, [s.encode() for s in strings]
                )
                rrset.add(rdata, ttl=60)
            response.answer.append(rrset)
        return response

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()


# --- HTTP -----------------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # False sends no Content-Length: the body ends when the connection closes.
    declare_length: bool = True


class LocalHttp:
    """An HTTP server on 127.0.0.1 serving ``routes`` (path → Reply); 404 otherwise."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply] = {}
        self.requests: list[str] = []
        routes, requests = self.routes, self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                requests.append(self.path)
                reply = routes.get(self.path, Reply(404, b"not here"))
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.declare_length:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)


# --- git ------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    """Run git in ``repo`` for the test's own setup, with a fixed identity."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=mamori test",
            "-c",
            "user.email=test@mamori.example",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
        env=environment,
    )


def init_repo(path: Path) -> Path:
    """A fresh git repository with one commit of a README."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    (path / "README.md").write_text("a bank's code\n")
    git(path, "add", "README.md")
    git(path, "commit", "-q", "-m", "first")
    return path


def commit_file(repo: Path, name: str, text: str) -> None:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"add {name}")
