"""Migration 0023 on a database from before it (0021, main's head when it was written): the
events already there, of several cases, with the photos a report and a fix add, are chained in
id order per case, in batches, and the result verifies; an edit made after is still named
(SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.chain import GENESIS
from models.db import make_engine, make_session_factory, make_sync_engine
from services.audit import verify_chain
from services.database import upgrade
from tests.support.migrations import empty_database

BEFORE = "0022"
CELL = ("INSERT INTO grid_cell (id, code, name, level, path, boundary_wkt, properties, "
        "created_at, updated_at) VALUES (1, 'V1', '妙西东北村', 'village', '/1/', "
        "'POLYGON ((119 30, 121 30, 121 31, 119 31, 119 30))', '{}', :now, :now)")
MEMBER = ("INSERT INTO member (id, platform, platform_user_id, chat_id, display_name, role, "
          "language, active, created_at, updated_at) VALUES (1, 'telegram', '5001', '5001', "
          "'M', 'manager', 'zh_CN', true, :now, :now)")
CASE = ('INSERT INTO "case" (id, number, source, anonymous, category, severity, emergency, '
        "description, origin_cell_id, cell_id, state, reminders_sent, "
        "missed_deadlines, escalation_level, created_at, updated_at, version) VALUES "
        "(:id, :number, 'public', false, 'garbage', 'medium', false, '', 1, 1, "
        "'submitted', 0, 0, 0, :now, :now, 1)")
PHOTO = ("INSERT INTO photo (id, case_id, kind, sha256, stored_path, size_bytes, width, height, "
         "mime, phash, created_at) VALUES (:id, :case, :kind, :sha, 'x.jpg', 1, 1, 1, "
         "'image/jpeg', '0000000000000000', :now)")
EVENT = ("INSERT INTO case_event (case_id, actor_id, kind, payload, at) VALUES "
         "(:case, :actor, :kind, :payload, :at)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_database(request.param, tmp_path, "chain") as url:
        yield url


async def test_the_events_already_there_are_chained_and_verify(
        empty_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("models.chain.BACKFILL_CASES", 2)  # three batches
    upgrade(empty_url, BEFORE)
    engine = make_sync_engine(empty_url)
    now = "2026-11-30 02:00:00"
    with engine.begin() as conn:
        conn.execute(sa.text(CELL), {"now": now})
        conn.execute(sa.text(MEMBER), {"now": now})
        for case_id in (1, 2, 3, 4, 5):
            conn.execute(sa.text(CASE), {"id": case_id, "number": f"HZ-2026-00000{case_id}",
                                         "now": now})
            conn.execute(sa.text(PHOTO), {"id": case_id, "case": case_id, "kind": "report",
                                          "sha": f"{case_id:064x}", "now": now})
        conn.execute(sa.text(PHOTO), {"id": 9, "case": 3, "kind": "after", "sha": "e" * 64,
                                      "now": now})
        for case_id, actor, kind, payload, at in (  # interleaved, as a busy log is
            (1, 1, "reported", {"photos": 1}, "2026-11-30 02:00:00.123456"),
            (3, 1, "reported", {"photos": 1, "zone": "grade1"}, "2026-11-30 02:01:00"),
            (1, 1, "accepted", {}, "2026-11-30 03:00:00.5"),
            (2, None, "reported", {"description": "水面有油污"}, "2026-11-30 04:00:00"),
            (3, 1, "fix_claimed", {"photo_ids": [9]}, "2026-11-30 05:00:00"),
            (1, None, "escalated", {"level": 1, "colour": "yellow"}, "2026-11-30 06:00:00"),
            (5, 1, "reported", {}, "2026-11-30 07:00:00"),
        ):
            conn.execute(sa.text(EVENT), {"case": case_id, "actor": actor, "kind": kind,
                                          "payload": json.dumps(payload, ensure_ascii=False),
                                          "at": at})
    upgrade(empty_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT id, case_id, prev_hash, hash FROM case_event ORDER BY id")).all()
    assert all(r.hash and len(r.hash) == 64 for r in rows)
    firsts = {r.case_id: r for r in reversed(rows)}
    assert all(r.prev_hash == GENESIS for r in firsts.values())
    by_case = [r for r in rows if r.case_id == 1]
    assert [r.prev_hash for r in by_case[1:]] == [r.hash for r in by_case[:-1]]

    async_engine = make_engine(empty_url)
    sessions = make_session_factory(async_engine)
    try:
        async with sessions() as session:
            verdict = await verify_chain(session)
        assert verdict.clean, [b.line() for b in verdict.breaks]
        assert (verdict.cases, verdict.events) == (5, 7)
        with engine.begin() as conn:  # the fix's after photo swapped for another
            conn.execute(sa.text("UPDATE photo SET sha256 = :sha WHERE id = 9"), {"sha": "d" * 64})
        async with sessions() as session:
            verdict = await verify_chain(session)
        assert [(b.event_id, b.reason) for b in verdict.breaks] == [(5, "content")]
    finally:
        await async_engine.dispose()
        engine.dispose()
