"""Liveness and readiness; no organization's data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from mamori import __version__
from mamori.api.gate import platform_of, public

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str
    database: str


@router.get("/health")
def health(request: Request, _: Annotated[None, public()]) -> Health:
    """Whether the server is up and its database answers."""
    database = platform_of(request).database
    with database.session() as session:
        session.execute(text("SELECT 1"))
    return Health(status="ok", version=__version__, database=database.dialect)
