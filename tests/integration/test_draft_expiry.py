"""A report left untouched past cases.draft_ttl is dropped by the sweep (the job and
`gridpatrol sweep --now`), and the reporter is told (SQLite and PostgreSQL)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli import cmd_sweep
from bot.jobs import SWEEP_JOB
from models import Draft, Photo, utcnow
from models.db import make_engine, make_session_factory
from services.reports import drafts
from services.settings import Settings
from tests.support import images
from tests.support.harness import TelegramHarness
from tests.support.report_world import build_world, press, texts


async def _drafts(h: TelegramHarness) -> list[Draft]:
    async with h.app.bot_data["deps"].sessions() as s:
        return list(await s.scalars(select(Draft)))


async def test_the_sweep_job_drops_a_stale_draft_and_tells_the_reporter(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = h.user("Volunteer", language_code="en")
    await h.send_text(user, "/start")
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=61))
    [draft] = await _drafts(h)

    await h.run_jobs(name=SWEEP_JOB)  # fresh: the job leaves it alone
    assert len(await _drafts(h)) == 1

    async with h.app.bot_data["deps"].sessions() as s:  # a day and a bit later
        stored = await s.get(Draft, draft.id)
        assert stored is not None
        stored.updated_at = utcnow() - timedelta(hours=25)
        await s.commit()
    await h.run_jobs(name=SWEEP_JOB)
    await h.run_jobs(name="outbox")
    assert await _drafts(h) == []
    assert "unfinished report was dropped after 24 hours" in texts(h, user)[-1]

    await h.send_text(user, "/report")  # and a new report starts from the beginning
    assert "Dumped garbage" in str(h.last_message(user).get("reply_markup"))


def test_gridpatrol_sweep_now_drops_stale_drafts(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    async def setup() -> int:
        engine = make_engine(settings.database.url)
        try:
            async with make_session_factory(engine)() as s:
                world = await build_world(s)
                then = utcnow() - timedelta(hours=30)
                started = await drafts.start_draft(s, world.reporter, "1001", then,
                                                   settings.cases)
                started.draft.updated_at = then
                await s.commit()
            async with make_session_factory(engine)() as s:
                return len(list(await s.scalars(select(Draft))))
        finally:
            await engine.dispose()

    async def left() -> tuple[int, int]:
        engine = make_engine(settings.database.url)
        try:
            async with make_session_factory(engine)() as s:
                return (len(list(await s.scalars(select(Draft)))),
                        len(list(await s.scalars(select(Photo)))))
        finally:
            await engine.dispose()

    assert asyncio.run(setup()) == 1
    assert cmd_sweep(settings, argparse.Namespace(at=None, now=True)) == 0
    assert asyncio.run(left()) == (0, 0)
    out = capsys.readouterr().out
    assert "drafts expired 1" in out

