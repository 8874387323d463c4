"""The detection domain's tables: hunts and the alerts they stored. Only its repository
queries them.

An alert's ``key`` (:attr:`mamori.detection.models.Alert.key`) is unique per organization:
the same rule firing on the same event is stored once, however many hunts see it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mamori.store.base import Base, UTCDateTime

ID = String(40)


class HuntRow(Base):
    """One hunt: what it read, with which rules, and what it found."""

    __tablename__ = "hunts"
    __table_args__ = (Index("ix_hunts_org_created", "org_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    sources: Mapped[list[str]] = mapped_column(JSON)
    rule_count: Mapped[int] = mapped_column(Integer)
    rules_hash: Mapped[str] = mapped_column(String(64))
    rule_problem_count: Mapped[int] = mapped_column(Integer)
    event_count: Mapped[int] = mapped_column(BigInteger)
    file_count: Mapped[int] = mapped_column(Integer)
    alert_count: Mapped[int] = mapped_column(Integer)
    new_alert_count: Mapped[int] = mapped_column(Integer)
    level_counts: Mapped[dict[str, int]] = mapped_column(JSON)
    read_problem_count: Mapped[int] = mapped_column(Integer)
    read_problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class AlertRow(Base):
    """One alert, kept under the hunt that first found it."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("org_id", "key"),
        Index("ix_alerts_org_hunt_time", "org_id", "hunt_id", "timestamp", "id"),
        Index("ix_alerts_org_level", "org_id", "level"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    hunt_id: Mapped[str] = mapped_column(ForeignKey("hunts.id"))
    key: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(20))
    tags: Mapped[list[str]] = mapped_column(JSON)
    tactics: Mapped[list[str]] = mapped_column(JSON)
    techniques: Mapped[list[str]] = mapped_column(JSON)
    source_file: Mapped[str] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    timestamp: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    host: Mapped[str | None] = mapped_column(Text)
    event: Mapped[dict[str, Any]] = mapped_column(JSON)
    raw: Mapped[str | None] = mapped_column(Text)
    correlation: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
