"""The hash-chained case history (SQLite and PostgreSQL): every event the workflow and the
sweep write is chained; a row edited, removed or rehashed directly in the database is named
by `audit verify` (exactly that event, or the one whose link it broke); the daily anchor
catches a case's last event removed; `audit export` writes the history as a .docx."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document

from bot.cli.main import main
from models import CaseEvent, Member, Outbox, Role
from models.chain import GENESIS
from models.db import SessionFactory, make_sync_engine
from services.audit import export_case, latest_anchor, seal_day, verify_anchors, verify_chain
from services.settings import Settings
from tests.support.cli import config
from tests.support.workflow_world import NOW, World, events, new_case, walk_to_rectified, world

__all__ = ["world"]  # the fixture, used by name


async def _main(argv: list[str]) -> int:
    """The command as an administrator runs it: its own event loop (so not on the test's)."""
    return await asyncio.to_thread(main, argv)


async def _two_cases(sf: SessionFactory, settings: Settings, world: World) -> tuple[int, int]:
    async with sf() as s:
        first = await new_case(s, world)
    async with sf() as s:
        second = await new_case(s, world, number="HZ-2026-000002")
    await walk_to_rectified(sf, settings, world, first)
    return first, second


def _sql(db_url: str, statement: str, **params: object) -> None:
    engine = make_sync_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    engine.dispose()


async def test_an_untouched_history_verifies_and_each_event_links_to_the_one_before(
    session_factory: SessionFactory, settings: Settings, world: World,
) -> None:
    first, _second = await _two_cases(session_factory, settings, world)
    async with session_factory() as s:
        chain = await events(s, first)
        verdict = await verify_chain(s)
    assert [e.kind for e in chain] == ["reported", "accepted", "planned", "fix_claimed"]
    assert chain[0].prev_hash == GENESIS
    assert all(e.prev_hash == before.hash for before, e in itertools.pairwise(chain))
    assert len({e.hash for e in chain}) == len(chain)
    assert verdict.clean, [b.line() for b in verdict.breaks]
    assert (verdict.cases, verdict.events) == (2, 5)


@pytest.mark.parametrize("edit", [
    "UPDATE case_event SET payload = '{\"photo_ids\": [1]}' WHERE id = :id",
    "UPDATE case_event SET at = at + INTERVAL '1 second' WHERE id = :id",
    "UPDATE case_event SET actor_id = NULL WHERE id = :id",
    "UPDATE photo SET sha256 = 'f00d' WHERE id = (SELECT MAX(id) FROM photo)",
])
async def test_an_event_edited_in_the_database_is_named_exactly(
    session_factory: SessionFactory, settings: Settings, world: World, db_url: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    edit: str,
) -> None:
    first, _second = await _two_cases(session_factory, settings, world)
    async with session_factory() as s:
        fix = (await events(s, first))[-1]  # fix_claimed, which adds the last photo
    if "INTERVAL" in edit and db_url.startswith("sqlite"):
        edit = "UPDATE case_event SET at = datetime(at, '+1 second') WHERE id = :id"
    _sql(db_url, edit, id=fix.id)
    async with session_factory() as s:
        verdict = await verify_chain(s)
    assert [(b.event_id, b.reason) for b in verdict.breaks] == [(fix.id, "content")]

    monkeypatch.setenv("GRIDPATROL_DATABASE_URL", db_url)
    cfg = str(config(tmp_path))
    assert await _main(["--config", cfg, "audit", "verify"]) == 1
    captured = capsys.readouterr()
    assert f"event {fix.id} (fix_claimed) of case HZ-2026-000001" in captured.err
    assert "first at event" in captured.out and f"event {fix.id}" in captured.out
    assert await _main(["--config", cfg, "audit", "verify", "--case", "HZ-2026-000002"]) == 0
    assert "the chain verifies: 1 cases, 1 events" in capsys.readouterr().out


async def test_two_writers_of_one_case_take_turns_and_its_chain_does_not_fork(
    session_factory: SessionFactory, settings: Settings, world: World,
) -> None:
    first, _ = await _two_cases(session_factory, settings, world)
    async with session_factory() as a, session_factory() as b:
        a.add(CaseEvent(case_id=first, kind="named_in_bulletin", payload={"n": 1}))
        await a.flush()  # holds the case (PostgreSQL) or the write lock (SQLite)
        b.add(CaseEvent(case_id=first, kind="named_in_bulletin", payload={"n": 2}))
        second = asyncio.create_task(b.commit())
        await asyncio.wait({second}, timeout=0.5)
        assert not second.done()  # waiting for the first writer
        await a.commit()
        await asyncio.wait_for(second, 10)
    async with session_factory() as s:
        chain = await events(s, first)
        assert (await verify_chain(s, first)).clean
    assert [e.payload.get("n") for e in chain[-2:]] == [1, 2]
    assert chain[-1].prev_hash == chain[-2].hash


async def test_a_removed_or_rehashed_event_breaks_the_link_of_the_next(
    session_factory: SessionFactory, settings: Settings, world: World, db_url: str,
) -> None:
    first, _ = await _two_cases(session_factory, settings, world)
    async with session_factory() as s:
        chain = await events(s, first)
    _sql(db_url, "DELETE FROM case_event WHERE id = :id", id=chain[1].id)
    _sql(db_url, "UPDATE case_event SET kind = 'rejected', hash = :h WHERE id = :id",
         id=chain[2].id, h="0" * 63 + "1")
    async with session_factory() as s:
        verdict = await verify_chain(s, first)
    assert [(b.event_id, b.reason) for b in verdict.breaks] == [(chain[2].id, "link")]


async def test_the_sweep_chains_its_set_wise_events(
    session_factory: SessionFactory, settings: Settings, world: World,
) -> None:
    from services.deadlines import sweep

    _first, second = await _two_cases(session_factory, settings, world)
    for hours in (13, 23, 25, 50, 100, 200, 400):  # reminders, escalations, an order
        await sweep(session_factory, settings, NOW + timedelta(hours=hours))
    async with session_factory() as s:
        kinds = {e.kind for e in await events(s, second)}
        verdict = await verify_chain(s)
        unchained = await s.scalar(sa.select(sa.func.count()).select_from(CaseEvent)
                                   .where(CaseEvent.hash.is_(None)))
    assert {"reminded", "escalated"} <= kinds
    assert unchained == 0
    assert verdict.clean, [b.line() for b in verdict.breaks]


async def test_the_daily_anchor_catches_a_last_event_removed(
    session_factory: SessionFactory, settings: Settings, world: World, db_url: str,
) -> None:
    first, _ = await _two_cases(session_factory, settings, world)
    tz = settings.locale.timezone
    async with session_factory() as s:
        anchor = await seal_day(s, tz, NOW + timedelta(days=1))
        await s.commit()
        assert anchor is not None and anchor.cases == 2
        again = await seal_day(s, tz, NOW + timedelta(days=1))
        assert again is not None and again.id == anchor.id
        assert await verify_anchors(s) == []
        last = (await events(s, first))[-1]
    _sql(db_url, "DELETE FROM case_event WHERE id = :id", id=last.id)
    async with session_factory() as s:
        assert (await verify_chain(s)).clean  # the chain alone cannot see its tail cut off
        broken = await verify_anchors(s)
    assert [b.day for b in broken] == [anchor.day]


async def test_the_anchor_is_sealed_and_checked_from_the_command_line(
    session_factory: SessionFactory, settings: Settings, world: World, db_url: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    first, _ = await _two_cases(session_factory, settings, world)
    monkeypatch.setenv("GRIDPATROL_DATABASE_URL", db_url)
    cfg = str(config(tmp_path))
    assert await _main(["--config", cfg, "audit", "seal"]) == 0
    async with session_factory() as s:
        anchor = await latest_anchor(s)
        last = (await events(s, first))[-1]
    assert anchor is not None
    assert f"anchor of {anchor.day.isoformat()}: {anchor.hash} (2 cases)" in capsys.readouterr().out
    assert await _main(["--config", cfg, "audit", "verify", "--anchors"]) == 0
    assert "2 cases, 5 events, every daily anchor" in capsys.readouterr().out
    _sql(db_url, "DELETE FROM case_event WHERE id = :id", id=last.id)
    assert await _main(["--config", cfg, "audit", "verify", "--anchors"]) == 1
    captured = capsys.readouterr()
    assert f"anchor of {anchor.day.isoformat()}: the chains' heads hash to" in captured.err
    assert "0 of 2 cases broken, 1 daily anchors do not match" in captured.out


async def test_the_city_supervisors_digest_carries_yesterdays_anchor(
    session_factory: SessionFactory, settings: Settings, world: World,
) -> None:
    from bot.runtime.chores import run_digests
    from services.digests import Digest, digest_text
    from services.i18n import translator

    await _two_cases(session_factory, settings, world)
    async with session_factory() as s:
        city = Member(platform_user_id="3001", chat_id="3001", display_name="督查员",
                      role=Role.SUPERVISOR, cell_id=None, language="zh_CN")
        county = Member(platform_user_id="3002", chat_id="3002", display_name="县督查员",
                        role=Role.SUPERVISOR, cell_id=world.county, language="zh_CN")
        s.add_all([city, county])
        await s.commit()
    await run_digests(session_factory, settings, NOW + timedelta(days=1))
    async with session_factory() as s:
        anchor = await latest_anchor(s)
        rows = {n.recipient_id: n for n in await s.scalars(
            sa.select(Outbox).where(Outbox.kind == "digest"))}
    assert anchor is not None
    digest = Digest.from_payload(rows[city.id].payload["digest"])
    assert (digest.anchor_day, digest.anchor_hash) == (anchor.day.isoformat(), anchor.hash)
    assert f"履历锚定值：<code>{anchor.hash}</code>" in digest_text(
        digest, translator("zh_CN"), settings)
    assert Digest.from_payload(rows[county.id].payload["digest"]).anchor_hash == ""
    assert Digest.from_payload(rows[world.manager_a.id].payload["digest"]).anchor_hash == ""


async def test_the_export_writes_the_history_with_the_hashes_of_events_and_photos(
    session_factory: SessionFactory, settings: Settings, world: World, db_url: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    first, _ = await _two_cases(session_factory, settings, world)
    async with session_factory() as s:
        done = await export_case(s, settings, first, language="zh_CN", now=NOW)
        chain = await events(s, first)
    assert done is not None and done.clean and done.events == 4
    text = "\n".join(cell.text for grid in Document(BytesIO(done.docx)).tables
                     for row in grid.rows for cell in row.cells)
    assert all(e.hash and e.hash in text for e in chain)
    assert f"{900:064x}" in text  # the after photo's sha256
    paragraphs = "\n".join(p.text for p in Document(BytesIO(done.docx)).paragraphs)
    assert "案件履历" in paragraphs and "未被改动" in paragraphs
    assert "HZ-2026-000001" in paragraphs and "待核查" in paragraphs  # its state, in words

    monkeypatch.setenv("GRIDPATROL_DATABASE_URL", db_url)
    out = tmp_path / "history.docx"
    cfg = str(config(tmp_path))
    assert await _main(["--config", cfg, "audit", "export", "--case", str(first),
                        "-o", str(out)]) == 0
    assert "4 events, the chain verifies" in capsys.readouterr().out
    assert Document(str(out)).tables
