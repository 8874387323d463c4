"""Checking an application before anything is written: every field, every evidence file.

Each rule raises InvalidInputError naming the field (``evidence[2].media_type``),
so a request either passes whole or changes nothing. Evidence must not only be
declared as an allowed type but look like one: a file called ``letter.pdf`` that
is really an executable is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from mamori.access.identity.passwords import check_password_rules
from mamori.access.identity.users import check_display_name, normalize_email
from mamori.access.models import Tier
from mamori.access.program.countries import COUNTRY_CODES
from mamori.access.program.models import (
    MAX_EVIDENCE_BYTES,
    MAX_EVIDENCE_FILES,
    ApplicationRequest,
    EvidenceFile,
)
from mamori.core.errors import InvalidInputError

MAX_SCOPE_STATEMENT = 10_000


def _text(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in content


def _json(content: bytes) -> bool:
    try:
        json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return True


# The allowed media types, each with a check that the bytes really are that type.
SNIFFERS: dict[str, Callable[[bytes], bool]] = {
    "application/pdf": lambda content: content.startswith(b"%PDF-"),
    "image/png": lambda content: content.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda content: content.startswith(b"\xff\xd8\xff"),
    "text/plain": _text,
    "application/json": _json,
}


@dataclass(frozen=True)
class CheckedApplication:
    """A request whose fields passed every rule, trimmed and normalized."""

    organization_name: str
    country: str
    regulator_registration: str
    contact_name: str
    contact_email: str
    requested_tier: Tier
    scope_statement: str
    admin_email: str
    admin_display_name: str
    evidence: tuple[EvidenceFile, ...]


def check_application(request: ApplicationRequest) -> CheckedApplication:
    """The request, normalized; InvalidInputError naming the first field that breaks a rule."""
    checked = CheckedApplication(
        organization_name=_line(request.organization_name, "organization_name", 2, 200),
        country=_country(request.country),
        regulator_registration=_line(
            request.regulator_registration, "regulator_registration", 1, 100
        ),
        contact_name=_line(request.contact_name, "contact_name", 1, 200),
        contact_email=normalize_email(request.contact_email, where="contact_email"),
        requested_tier=_tier(request.requested_tier),
        scope_statement=_scope(request.scope_statement),
        admin_email=normalize_email(request.admin_email, where="admin_email"),
        admin_display_name=check_display_name(
            request.admin_display_name, where="admin_display_name"
        ),
        evidence=check_evidence(request.evidence),
    )
    check_password_rules(request.admin_password, where="admin_password")
    return checked


def check_evidence(files: tuple[EvidenceFile, ...]) -> tuple[EvidenceFile, ...]:
    """The evidence files with normalized media types; at most 5, each ≤ 2 MiB, of allowed types."""
    if len(files) > MAX_EVIDENCE_FILES:
        raise InvalidInputError(
            f"{len(files)} evidence files sent; at most {MAX_EVIDENCE_FILES} are accepted",
            where="evidence",
            hint="combine documents into one PDF",
        )
    return tuple(_one_file(index, item) for index, item in enumerate(files))


def _one_file(index: int, item: EvidenceFile) -> EvidenceFile:
    where = f"evidence[{index}]"
    filename = item.filename.strip()
    if not filename or len(filename) > 255 or filename in {".", ".."} or _unsafe(filename):
        raise InvalidInputError(
            "a file name needs 1 to 255 characters with no path separators or control characters",
            where=f"{where}.filename",
        )
    media_type = item.media_type.split(";", 1)[0].strip().lower()
    sniff = SNIFFERS.get(media_type)
    if sniff is None:
        raise InvalidInputError(
            f"media type {item.media_type!r} is not accepted",
            where=f"{where}.media_type",
            hint=f"send one of: {', '.join(SNIFFERS)}",
        )
    size = len(item.content)
    if not 0 < size <= MAX_EVIDENCE_BYTES:
        raise InvalidInputError(
            f"the file is {size} bytes; each must be 1 byte to {MAX_EVIDENCE_BYTES} bytes (2 MiB)",
            where=f"{where}.content",
        )
    if not sniff(item.content):
        raise InvalidInputError(
            f"the file's content is not {media_type}",
            where=f"{where}.content",
            hint="declare the type the file really has",
        )
    return EvidenceFile(filename=filename, media_type=media_type, content=item.content)


def _unsafe(filename: str) -> bool:
    return any(c in "/\\" or ord(c) < 32 or ord(c) == 127 for c in filename)


def _line(value: str, where: str, shortest: int, longest: int) -> str:
    text = value.strip()
    if not shortest <= len(text) <= longest or any(ord(c) < 32 for c in text):
        raise InvalidInputError(
            f"needs {shortest} to {longest} characters on one line", where=where
        )
    return text


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in COUNTRY_CODES:
        raise InvalidInputError(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code",
            where="country",
            hint="use two letters, e.g. JP, DE, US",
        )
    return code


def _tier(value: Tier) -> Tier:
    if not isinstance(value, Tier) or value is Tier.REGISTERED:
        raise InvalidInputError(
            "an application asks for the verified or the trusted tier",
            where="requested_tier",
        )
    return value


def _scope(value: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_SCOPE_STATEMENT:
        raise InvalidInputError(
            f"the statement of scope needs 1 to {MAX_SCOPE_STATEMENT} characters",
            where="scope_statement",
            hint="say what you will defend with mamori and which capabilities you need",
        )
    return text
