"""Hunts: run mamori's starter Sigma rules over an organization's uploaded logs, read alerts.

``POST /orgs/{org_id}/hunts`` takes either log files (``multipart/form-data``, each in a
part named ``files``) or a JSON body naming the demo logs shipped with mamori
(``{"demo": true}``). Rules cannot be sent: every hunt runs mamori's starter rules. The
hunt runs within the request, bounded by the upload limit, and is stored with its alerts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import HTTP
from email.utils import collapse_rfc2231_value
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import Field, ValidationError, field_validator

from mamori.api.gate import Caller, gate, platform_of
from mamori.api.limits import Body
from mamori.core.ids import OrgId
from mamori.detection import hunts
from mamori.detection.hunts import HuntInputError
from mamori.detection.models import Level
from mamori.detection.staging import demo_sources, staged
from mamori.detection.stored import HuntRecord, HuntSource

router = APIRouter(tags=["detection"])

# Log files of 15 MiB in all, with room for the multipart framing.
HUNT_MAX_BODY = 15 * 1024 * 1024
MAX_FILES = 20
UPLOAD_FIELD = "files"
NO_RULES = "rules cannot be sent in this version: every hunt runs mamori's starter rules"


class DemoIn(Body):
    """Hunt through the demo logs shipped with mamori (all of them, or those named)."""

    demo: bool = Field(description="must be true")
    logs: list[str] | None = Field(default=None, min_length=1, max_length=MAX_FILES)

    @field_validator("demo")
    @classmethod
    def _true(cls, value: bool) -> bool:
        if not value:
            raise ValueError("must be true; to hunt through other logs, upload them")
        return value


class LevelName(enum.Enum):
    INFORMATIONAL = "informational"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True)
class HuntList:
    hunts: tuple[HuntRecord, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class AlertList:
    alerts: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class RawBody:
    content_type: str
    content: bytes


async def raw_body(request: Request) -> RawBody:
    """The request's body as sent; the body limit has already bounded it."""
    return RawBody(request.headers.get("content-type", ""), await request.body())


_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [UPLOAD_FIELD],
                    "properties": {
                        UPLOAD_FIELD: {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "EVTX, JSON/JSONL, syslog, Zeek or CEF logs, "
                            f"plain, .gz or .zip; at most {MAX_FILES} files and "
                            f"{HUNT_MAX_BODY // (1024 * 1024)} MiB in all",
                        }
                    },
                }
            },
            "application/json": {"schema": DemoIn.model_json_schema()},
        },
    }
}


@router.post(
    "/orgs/{org_id}/hunts", status_code=status.HTTP_201_CREATED, openapi_extra=_REQUEST_BODY
)
def start_hunt(
    request: Request,
    response: Response,
    org_id: OrgId,
    caller: Annotated[Caller, gate("detection.hunt")],
    body: Annotated[RawBody, Depends(raw_body)],
) -> HuntRecord:
    """Hunt through uploaded logs (or the demo logs) with the starter rules; the stored hunt."""
    platform = platform_of(request)
    cache_dir = platform.settings.data_dir / "cache" / "rules"
    with _sources(body) as sources, platform.database.session() as session:
        hunt = hunts.run_hunt(
            session, platform.clock, caller.principal, org_id, sources, cache_dir=cache_dir
        )
    response.headers["Location"] = f"/orgs/{org_id}/hunts/{hunt.id}"
    return hunt


@router.get("/orgs/{org_id}/hunts")
def list_hunts(
    request: Request,
    org_id: OrgId,
    caller: Annotated[Caller, gate("detection.hunt")],
    limit: Annotated[int, Query(ge=1, le=hunts.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> HuntList:
    """The organization's hunts, newest first; pass ``next_cursor`` back for the next page."""
    with platform_of(request).database.session() as session:
        found, next_cursor = hunts.list_hunts(session, org_id, limit=limit, cursor=cursor)
    return HuntList(found, next_cursor)


@router.get("/orgs/{org_id}/hunts/{hunt_id}")
def get_hunt(
    request: Request,
    org_id: OrgId,
    hunt_id: str,
    caller: Annotated[Caller, gate("detection.hunt")],
) -> HuntRecord:
    """One hunt: its status, sources, rule set, counts, alerts by level and read problems."""
    with platform_of(request).database.session() as session:
        return hunts.get_hunt(session, org_id, hunt_id)


@router.get("/orgs/{org_id}/hunts/{hunt_id}/alerts")
def list_alerts(
    request: Request,
    org_id: OrgId,
    hunt_id: str,
    caller: Annotated[Caller, gate("detection.hunt")],
    level: LevelName | None = None,
    rule_id: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=hunts.MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> AlertList:
    """The alerts the hunt stored, by event time then id; pass ``next_cursor`` back for more."""
    with platform_of(request).database.session() as session:
        found, next_cursor = hunts.list_alerts(
            session,
            org_id,
            hunt_id,
            limit=limit,
            cursor=cursor,
            level=None if level is None else Level.parse(level.value),
            rule_id=rule_id,
        )
    return AlertList([item.record for item in found], next_cursor)


# ---- reading the request's body ---------------------------------------------


@contextmanager
def _sources(body: RawBody) -> Iterator[list[HuntSource]]:
    """The files the body names: uploads staged in a private folder, or demo logs."""
    media = body.content_type.partition(";")[0].strip().lower()
    if media == "multipart/form-data":
        with staged(_uploads(body)) as sources:
            yield sources
    elif media == "application/json":
        yield demo_sources(_demo(body.content).logs)
    else:
        raise HuntInputError(
            f"cannot hunt through a body of type {media or 'none'!r}",
            where="body",
            hint="upload log files as multipart/form-data (parts named 'files'), "
            'or send JSON {"demo": true}',
        )


def _demo(content: bytes) -> DemoIn:
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise HuntInputError(f"the body is not valid JSON: {exc}", where="body") from None
    if isinstance(data, dict) and "rules" in data:
        raise HuntInputError(NO_RULES, where="body.rules")
    try:
        return DemoIn.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from None


def _uploads(body: RawBody) -> list[tuple[str | None, bytes]]:
    """The (file name, content) of every ``files`` part of a multipart body."""
    head = b"Content-Type: " + body.content_type.encode("latin-1") + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + body.content)
    if not message.is_multipart() or message.defects:
        raise HuntInputError(
            "the body is not valid multipart/form-data",
            where="body",
            hint="let the HTTP client build the multipart body and its boundary",
        )
    assert isinstance(message, EmailMessage)
    files = [_upload(part) for part in message.iter_parts()]
    if not files:
        raise HuntInputError("upload at least one log file", where=f"body.{UPLOAD_FIELD}")
    if len(files) > MAX_FILES:
        raise HuntInputError(
            f"{len(files)} files sent; at most {MAX_FILES} per hunt",
            where=f"body.{UPLOAD_FIELD}",
            hint="pack more files into one .zip, or hunt in several requests",
        )
    return files


def _upload(part: Message) -> tuple[str | None, bytes]:
    field = part.get_param("name", header="content-disposition")
    name = collapse_rfc2231_value(field) if field is not None else ""
    if name == "rules":
        raise HuntInputError(NO_RULES, where="body.rules")
    if name != UPLOAD_FIELD:
        raise HuntInputError(
            f"unexpected form field {name[:60]!r}",
            where=f"body.{name[:60]}",
            hint=f"send each log file in a part named {UPLOAD_FIELD!r}",
        )
    content = part.get_payload(decode=True)
    if not isinstance(content, bytes):
        raise HuntInputError("a part holds no file", where=f"body.{UPLOAD_FIELD}")
    try:
        filename = part.get_filename()
    except (ValueError, LookupError):
        filename = None
    return filename, content
