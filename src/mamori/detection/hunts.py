"""An organization's hunts: run the rules over its files, keep the alerts, read them back.

Every function takes the organization it acts for; another organization's hunt is
reported as not found, exactly as if it did not exist. Who may hunt is the gate's
decision (``detection.hunt``), never this module's. A hunt runs inside the caller's
transaction: the hunt, its alerts and its entry in the transparency log commit together.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mamori.access.models import Principal
from mamori.audit.actions import record
from mamori.core import logging as mlog
from mamori.core.clock import Clock
from mamori.core.errors import ErrorKind, MamoriError
from mamori.core.ids import OrgId, looks_like_id, new_id
from mamori.detection import repository as repo
from mamori.detection.errors import DetectionError
from mamori.detection.models import Alert, Level
from mamori.detection.ruleset import open_hunt
from mamori.detection.service import HuntReport
from mamori.detection.stored import (
    KEPT_READ_PROBLEMS,
    HuntRecord,
    HuntSource,
    HuntStatus,
    Page,
    Position,
    ReadProblemInfo,
    RuleSetInfo,
    StoredAlert,
)

log = mlog.get_logger(__name__)

#: Alerts are written this many at a time, so that a hunt's memory stays bounded.
ALERT_BATCH = 500
HUNT_PREFIX = "hnt"
MAX_PAGE = 500


class HuntNotFoundError(DetectionError):
    """No hunt with this id in the organization (or none the caller may see)."""

    kind = ErrorKind.NOT_FOUND
    code = "detection.hunt_not_found"


class HuntInputError(DetectionError):
    """A hunt request that cannot be run or read as asked; ``where`` names the field."""

    kind = ErrorKind.INVALID
    code = "detection.hunt_invalid"


def run_hunt(
    session: Session,
    clock: Clock,
    actor: Principal,
    org_id: OrgId,
    sources: Sequence[HuntSource],
    *,
    cache_dir: Path | None = None,
) -> HuntRecord:
    """Hunt through ``sources`` with mamori's starter rules and store what is found.

    The engine runs before the first write, so that the transaction (on SQLite, the
    database's write lock) is held only while results are stored; a hunt with more than
    :data:`ALERT_BATCH` alerts writes them in batches as they come. A failure of the
    engine gives a hunt with status ``failed``; a failure of the store raises.
    """
    if not sources:
        raise HuntInputError("a hunt needs at least one file", where="body")
    hunter, compiled, problems = open_hunt(cache_dir=cache_dir, workers=1)
    hunt = HuntRecord(
        id=new_id(HUNT_PREFIX),
        org_id=org_id,
        status=HuntStatus.RUNNING,
        created_by=actor.label,
        created_at=clock.now(),
        finished_at=None,
        sources=tuple(source.name for source in sources),
        rules=RuleSetInfo(len(compiled.rules), compiled.content_hash, len(problems)),
        events=0,
        files=0,
        alerts=0,
        new_alerts=0,
        levels={},
        read_problem_count=0,
        read_problems=(),
    )
    keeper = _Keeper(session, hunt, _renamer(sources))
    report: HuntReport | None = None
    error: str | None = None
    try:
        report = hunter.run([str(source.path) for source in sources], keeper)
    except SQLAlchemyError:
        raise
    except MamoriError as exc:
        error = keeper.rename(str(exc))
    except Exception as exc:  # the engine's own fault must not lose what it stored
        mlog.event(
            log, "detection.hunt.crashed", logging.ERROR,
            hunt_id=hunt.id, error=type(exc).__name__, detail=str(exc)[:500],
        )  # fmt: skip
        error = "the detection engine failed; see the server log"
    keeper.flush()
    done = _finished(hunt, keeper, report, error, clock.now())
    repo.update_hunt(session, done)
    _record(session, clock, actor, done)
    return done


def _finished(
    hunt: HuntRecord,
    keeper: _Keeper,
    report: HuntReport | None,
    error: str | None,
    at: dt.datetime,
) -> HuntRecord:
    """The hunt as it ended: its counts, its first read problems and its status."""
    problems = () if report is None else report.read_problems[:KEPT_READ_PROBLEMS]
    return replace(
        hunt,
        status=HuntStatus.FAILED if error is not None else HuntStatus.DONE,
        finished_at=at,
        events=0 if report is None else report.events,
        files=0 if report is None else report.files,
        alerts=keeper.found,
        new_alerts=keeper.new,
        levels=dict(sorted(keeper.levels.items(), key=lambda item: -Level.parse(item[0]))),
        read_problem_count=0 if report is None else report.read_problem_count,
        read_problems=tuple(
            ReadProblemInfo(keeper.rename(p.source), p.location, keeper.rename(p.reason))
            for p in problems
        ),
        error=error,
    )


def _record(session: Session, clock: Clock, actor: Principal, hunt: HuntRecord) -> None:
    action = "detection.hunt.completed" if hunt.error is None else "detection.hunt.failed"
    details: dict[str, Any] = {
        "hunt_id": hunt.id,
        "sources": list(hunt.sources[:20]),
        "source_count": len(hunt.sources),
        "rules_hash": hunt.rules.content_hash,
        "events": hunt.events,
        "alerts": hunt.alerts,
        "new_alerts": hunt.new_alerts,
        "read_problems": hunt.read_problem_count,
    }
    record(session, clock, action, actor=actor.label, org_id=hunt.org_id, details=details)
    mlog.event(
        log, "detection.hunt.stored", org_id=hunt.org_id, hunt_id=hunt.id,
        status=hunt.status.value, alerts=hunt.alerts, new_alerts=hunt.new_alerts,
    )  # fmt: skip


class _Keeper:
    """The hunt's alert sink: names each alert's file as the caller knows it, and stores
    the alerts in batches (the hunt's row first, when the first batch is due)."""

    def __init__(self, session: Session, hunt: HuntRecord, rename: Callable[[str], str]) -> None:
        self.session = session
        self.hunt = hunt
        self.rename = rename
        self.pending: list[Alert] = []
        self.levels: Counter[str] = Counter()
        self.found = 0
        self.new = 0
        self.started = False

    def __call__(self, alert: Alert) -> None:
        alert = _renamed(alert, self.rename)
        self.found += 1
        self.levels[alert.level.label] += 1
        self.pending.append(alert)
        if len(self.pending) >= ALERT_BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the pending alerts (and, the first time, the hunt they belong to)."""
        if not self.started:
            repo.insert_hunt(self.session, self.hunt)
            self.started = True
        if self.pending:
            at = self.hunt.created_at
            self.new += repo.insert_alerts(
                self.session, self.hunt.org_id, self.hunt.id, self.pending, at
            )
            self.pending = []


def _renamer(sources: Sequence[HuntSource]) -> Callable[[str], str]:
    """Replaces where a file lies (a private temporary folder) by the name it was given."""
    names = sorted(((str(s.path), s.name) for s in sources), key=lambda item: -len(item[0]))

    def rename(text: str) -> str:
        for path, name in names:
            if path in text:
                text = text.replace(path, name)
        return text

    return rename


def _renamed(alert: Alert, rename: Callable[[str], str]) -> Alert:
    event = alert.event
    refs = event.get("events") if alert.correlation else None
    if isinstance(refs, list):
        event = {**event, "events": [_renamed_ref(ref, rename) for ref in refs]}
    return replace(alert, source_file=rename(alert.source_file), event=event)


def _renamed_ref(ref: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(ref, dict) and isinstance(ref.get("source_file"), str):
        return {**ref, "source_file": rename(ref["source_file"])}
    return ref


# ---- reading ---------------------------------------------------------------


def get_hunt(session: Session, org_id: OrgId, hunt_id: str) -> HuntRecord:
    """The organization's hunt; HuntNotFoundError if it has none with this id."""
    found = repo.get_hunt(session, org_id, hunt_id) if looks_like_id(hunt_id, HUNT_PREFIX) else None
    if found is None:
        raise HuntNotFoundError(f"no hunt {hunt_id[:60]!r} in this organization", where="hunt_id")
    return found


def first_hunt_by(session: Session, org_id: OrgId, actor: Principal) -> HuntRecord | None:
    """The organization's first hunt that ``actor`` started, if any."""
    return repo.hunt_by(session, org_id, actor.label)


def list_hunts(
    session: Session, org_id: OrgId, *, limit: int = 50, cursor: str | None = None
) -> tuple[tuple[HuntRecord, ...], str | None]:
    """A page of the organization's hunts, newest first, and the cursor of the next page."""
    after = decode_cursor(cursor) if cursor else None
    if after is not None and after[0] is None:
        raise HuntInputError("this cursor is not one of a hunt listing", where="query.cursor")
    page = repo.list_hunts(session, org_id, limit=_limit(limit), after=after)
    return page.items, _next(page)


def list_alerts(
    session: Session,
    org_id: OrgId,
    hunt_id: str,
    *,
    limit: int = 100,
    cursor: str | None = None,
    level: Level | None = None,
    rule_id: str | None = None,
) -> tuple[tuple[StoredAlert, ...], str | None]:
    """A page of the alerts a hunt stored, by event time then id, and the next page's cursor."""
    hunt = get_hunt(session, org_id, hunt_id)
    after = decode_cursor(cursor) if cursor else None
    page = repo.list_alerts(
        session, org_id, hunt.id, limit=_limit(limit), after=after, level=level, rule_id=rule_id
    )
    return page.items, _next(page)


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise HuntInputError(f"limit must be between 1 and {MAX_PAGE}", where="query.limit")
    return limit


def _next(page: Page[Any]) -> str | None:
    return None if page.after is None else encode_cursor(page.after)


def encode_cursor(position: Position) -> str:
    """An opaque cursor for ``position``: the sort time and id of the last item shown."""
    moment, last = position
    stamp = None if moment is None else moment.astimezone(dt.UTC).isoformat()
    return base64.urlsafe_b64encode(orjson.dumps([stamp, last])).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """The position a cursor stands for; HuntInputError for one mamori did not write."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, last = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        moment = None if stamp is None else dt.datetime.fromisoformat(stamp)
    except (ValueError, TypeError, UnicodeError, binascii.Error, orjson.JSONDecodeError):
        moment, last = None, None
    if (
        not isinstance(last, str)
        or not looks_like_id(last)
        or (moment is not None and moment.tzinfo is None)
    ):
        raise HuntInputError(
            "the cursor is not one mamori gave out",
            where="query.cursor",
            hint="pass the next_cursor of the previous page unchanged, or leave it out",
        )
    return moment, last
