"""Hunts and their alerts as an organization's store keeps them, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hunt_store_helpers import Orgs, alert, analyst, entries

from mamori.core.clock import FixedClock
from mamori.core.ids import OrgId, new_id
from mamori.demo.logsim import simulate
from mamori.detection import hunts
from mamori.detection import repository as repo
from mamori.detection.hunts import HuntInputError, HuntNotFoundError
from mamori.detection.models import Alert, Level
from mamori.detection.staging import demo_names, demo_sources, staged
from mamori.detection.starter import STARTER_RULES
from mamori.detection.stored import (
    HuntRecord,
    HuntSource,
    HuntStatus,
    RuleSetInfo,
    StoredAlert,
)
from mamori.store.engine import Database

STARTER_IDS = {
    str(document["id"])
    for path in STARTER_RULES.rglob("*.yml")
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))
    if document and "id" in document
}


def _hunt(
    database: Database, clock: FixedClock, org_id: OrgId, sources: list[HuntSource], cache: Path
) -> HuntRecord:
    with database.session() as session:
        return hunts.run_hunt(session, clock, analyst(org_id), org_id, sources, cache_dir=cache)


def _all_alerts(
    database: Database, org_id: OrgId, hunt_id: str, **filters: Any
) -> list[StoredAlert]:
    with database.session() as session:
        found, cursor = hunts.list_alerts(session, org_id, hunt_id, limit=500, **filters)
    assert cursor is None
    return list(found)


def test_a_hunt_over_the_demo_logs_stores_each_expected_alert_and_logs_it(
    database: Database, clock: FixedClock, orgs: Orgs, rule_cache: Path
) -> None:
    hunt = _hunt(database, clock, orgs.a, demo_sources(), rule_cache)

    assert hunt.status is HuntStatus.DONE and hunt.error is None
    assert hunt.sources == demo_names()
    assert (hunt.files, hunt.events, hunt.read_problem_count) == (5, 323, 0)
    assert hunt.rules.count > 30 and len(hunt.rules.content_hash) == 64
    stored = _all_alerts(database, orgs.a, hunt.id)
    assert hunt.alerts == hunt.new_alerts == len(stored) > 0
    assert sum(hunt.levels.values()) == hunt.alerts
    assert Counter(item.record["level"] for item in stored) == Counter(hunt.levels)
    expected = Counter((a.rule_id, a.file) for a in simulate().expected)
    assert Counter((s.record["rule_id"], s.record["source_file"]) for s in stored) == expected
    assert {s.record["rule_id"] for s in stored} <= STARTER_IDS
    with database.session() as session:
        assert hunts.get_hunt(session, orgs.a, hunt.id) == hunt
    logged = [item for item in entries(database, orgs.a) if item[0].startswith("detection.")]
    assert len(logged) == 1
    action, actor, details = logged[0]
    assert action == "detection.hunt.completed" and actor.startswith("user:usr_")
    assert details["hunt_id"] == hunt.id and details["alerts"] == hunt.alerts


def test_an_alert_is_stored_once_per_organization(
    database: Database, clock: FixedClock, orgs: Orgs, rule_cache: Path
) -> None:
    logs = demo_sources(["linux-auth.log", "windows-system.jsonl"])
    first = _hunt(database, clock, orgs.a, logs, rule_cache)
    clock.advance(60)
    again = _hunt(database, clock, orgs.a, logs, rule_cache)
    other = _hunt(database, clock, orgs.b, logs, rule_cache)

    assert first.alerts == again.alerts == other.alerts > 0
    assert (first.new_alerts, again.new_alerts, other.new_alerts) == (first.alerts, 0, first.alerts)
    assert _all_alerts(database, orgs.a, again.id) == []
    keys_a = {item.key for item in _all_alerts(database, orgs.a, first.id)}
    keys_b = {item.key for item in _all_alerts(database, orgs.b, other.id)}
    assert keys_a == keys_b and len(keys_a) == first.alerts


def test_alerts_page_by_time_then_id_and_filter(
    database: Database, clock: FixedClock, orgs: Orgs, rule_cache: Path
) -> None:
    hunt = _hunt(database, clock, orgs.a, demo_sources(), rule_cache)
    whole = _all_alerts(database, orgs.a, hunt.id)
    paged: list[StoredAlert] = []
    cursor: str | None = None
    with database.session() as session:
        while True:
            page, cursor = hunts.list_alerts(session, orgs.a, hunt.id, limit=7, cursor=cursor)
            assert len(page) == 7 or cursor is None
            paged += page
            if cursor is None:
                break
    assert [item.id for item in paged] == [item.id for item in whole]
    order = [
        (item.record["timestamp"] is None, item.record["timestamp"] or "", item.id)
        for item in whole
    ]
    assert order == sorted(order) and len(set(order)) == len(order)

    high = _all_alerts(database, orgs.a, hunt.id, level=Level.HIGH)
    assert len(high) == hunt.levels["high"] and {a.record["level"] for a in high} == {"high"}
    rule = whole[0].record["rule_id"]
    by_rule = _all_alerts(database, orgs.a, hunt.id, rule_id=rule)
    assert by_rule and all(item.record["rule_id"] == rule for item in by_rule)


def test_alerts_without_a_time_come_last_and_page_like_the_rest(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    base = dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.UTC)
    made = [
        alert(1, None),
        alert(2, base + dt.timedelta(minutes=5)),
        alert(3, base),
        alert(4, None),
        alert(5, base),
        alert(6, base + dt.timedelta(microseconds=1)),
    ]
    hunt = _stored_by_hand(database, clock, orgs, made)
    whole = _all_alerts(database, orgs.a, hunt)
    record_ids = [item.record["record_id"] for item in whole]
    assert sorted(record_ids[:2]) == [3, 5] and record_ids[2:4] == [6, 2]
    assert sorted(record_ids[4:]) == [1, 4]
    paged = []
    cursor: str | None = None
    with database.session() as session:
        for _ in range(len(made)):
            page, cursor = hunts.list_alerts(session, orgs.a, hunt, limit=1, cursor=cursor)
            paged += page
            if cursor is None:
                break
    assert [item.id for item in paged] == [item.id for item in whole]


def _stored_by_hand(database: Database, clock: FixedClock, orgs: Orgs, made: list[Alert]) -> str:
    """A hunt of ``orgs.a`` holding the hand-made alerts; its id."""
    record = HuntRecord(
        id=new_id("hnt"),
        org_id=orgs.a,
        status=HuntStatus.DONE,
        created_by="user:usr_test",
        created_at=clock.now(),
        finished_at=clock.now(),
        sources=("made.jsonl",),
        rules=RuleSetInfo(1, "0" * 64, 0),
        events=len(made),
        files=1,
        alerts=len(made),
        new_alerts=len(made),
        levels={"high": len(made)},
        read_problem_count=0,
        read_problems=(),
    )
    with database.session() as session:
        repo.insert_hunt(session, record)
        assert repo.insert_alerts(session, orgs.a, record.id, made, clock.now()) == len(made)
    return record.id


def test_text_neither_store_can_hold_is_kept_visible(
    database: Database, clock: FixedClock, orgs: Orgs
) -> None:
    odd = alert(
        1,
        None,
        host="FIN\x00WS",
        title="lone \ud800 surrogate",
        event={"CommandLine": "cmd \x00 /c \udcff", "Big": 2**70},
        raw='{"x": "\x00"}',
    )
    hunt = _stored_by_hand(database, clock, orgs, [odd])
    (stored,) = _all_alerts(database, orgs.a, hunt)
    assert stored.record["host"] == "FIN\\x00WS"
    assert stored.record["title"] == "lone \\ud800 surrogate"
    assert stored.record["event"]["Big"] == str(2**70)
    assert stored.record["key"] == odd.key


def test_another_organization_sees_none_of_it(
    database: Database, clock: FixedClock, orgs: Orgs, rule_cache: Path
) -> None:
    hunt = _hunt(database, clock, orgs.a, demo_sources(["linux-auth.log"]), rule_cache)
    with database.session() as session:
        with pytest.raises(HuntNotFoundError):
            hunts.get_hunt(session, orgs.b, hunt.id)
        with pytest.raises(HuntNotFoundError):
            hunts.list_alerts(session, orgs.b, hunt.id)
        assert hunts.list_hunts(session, orgs.b) == ((), None)
        assert repo.list_alerts(session, orgs.b, hunt.id, limit=10).items == ()
        for odd in ("", "hnt_", "x" * 3000, "1' OR '1'='1", new_id("hnt")):
            with pytest.raises(HuntNotFoundError):
                hunts.get_hunt(session, orgs.a, odd)


def test_hunts_list_newest_first_in_pages(
    database: Database, clock: FixedClock, orgs: Orgs, rule_cache: Path
) -> None:
    made = []
    for _ in range(5):
        made.append(_hunt(database, clock, orgs.a, demo_sources(["linux-auth.log"]), rule_cache))
        clock.advance(1)
    seen: list[HuntRecord] = []
    cursor: str | None = None
    with database.session() as session:
        while True:
            page, cursor = hunts.list_hunts(session, orgs.a, limit=2, cursor=cursor)
            seen += page
            if cursor is None:
                break
    assert [h.id for h in seen] == [h.id for h in reversed(made)]


def test_a_corrupt_upload_is_counted_as_read_problems(
    database: Database, clock: FixedClock, orgs: Orgs, rule_cache: Path
) -> None:
    uploads = [
        ("../../Security.evtx", b"ElfFile\x00" + os.urandom(70_000)),
        ("noise.jsonl", b"{oops\n" * 3),
    ]
    with staged(uploads) as sources:
        hunt = _hunt(database, clock, orgs.a, sources, rule_cache)
        folder = str(sources[0].path.parent)
    assert hunt.status is HuntStatus.DONE
    assert hunt.sources == ("Security.evtx", "noise.jsonl")
    assert hunt.read_problem_count >= 2 and hunt.read_problems
    assert {p.source for p in hunt.read_problems} <= {"Security.evtx", "noise.jsonl"}
    assert not any(folder in p.reason or folder in p.source for p in hunt.read_problems)


def test_a_hunt_the_engine_cannot_run_is_stored_as_failed(
    database: Database, clock: FixedClock, orgs: Orgs, rule_cache: Path, tmp_path: Path
) -> None:
    gone = HuntSource("gone.evtx", tmp_path / "001.evtx")
    hunt = _hunt(database, clock, orgs.a, [gone], rule_cache)
    assert hunt.status is HuntStatus.FAILED
    assert hunt.error is not None and "gone.evtx" in hunt.error and str(tmp_path) not in hunt.error
    with database.session() as session:
        assert hunts.get_hunt(session, orgs.a, hunt.id) == hunt
    assert [a for a, _, _ in entries(database, orgs.a)] == ["detection.hunt.failed"]


def test_a_hunt_needs_a_file(database: Database, clock: FixedClock, orgs: Orgs) -> None:
    with pytest.raises(HuntInputError), database.session() as session:
        hunts.run_hunt(session, clock, analyst(orgs.a), orgs.a, [])


def test_cursors_round_trip_and_others_are_refused() -> None:
    moment = dt.datetime(2026, 11, 17, 9, 41, 0, 123456, tzinfo=dt.UTC)
    ident = new_id("alr")
    for position in ((moment, ident), (None, ident)):
        assert hunts.decode_cursor(hunts.encode_cursor(position)) == position
    naive = base64.urlsafe_b64encode(f'["2026-11-17T09:41:00", "{ident}"]'.encode()).decode()
    for junk in ("", "junk", "%%%", "W10", "WyJ4IiwgMV0", naive, "bnVsbA", "x" * 400):
        with pytest.raises(HuntInputError) as raised:
            hunts.decode_cursor(junk)
        assert raised.value.where == "query.cursor"
