"""Two `gridpatrol run --webhook` processes on one PostgreSQL, behind one "reverse proxy" (the
sandbox posting updates to each in turn): a report whose updates alternate between them
completes, only the lease holder sweeps, no notice goes out twice, and when the holder is
killed (SIGKILL) the other takes the lease over. Each has a photos_dir of its own, as on two
machines, and keeps photos in the database (`storage.photo_store`): a photo one received, the
other draws the display copy of, and the manager is shown it."""

from __future__ import annotations

import json
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from models import Case, Outbox, OutboxState, Photo, utcnow
from models.db import SessionFactory, make_engine, make_session_factory
from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from sandbox.telegram.webhook import WebhookDelivery
from services.demo import DEMO_GRID
from services.grid import import_grid
from tests.support import images
from tests.support.processes import PUBLIC_URL, BotProcess, get_json, healthy, until
from tests.support.report_world import IN_GRADE1, add_manager

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
VILLAGE = "330502100004"  # 妙西东北村, holds 老虎潭水库's grade I zone
MANAGER = 5_001
# Separate photos_dirs with "files" fail: the process that files the report cannot read the
# photo the other one received, so no display copy is made.
PHOTO_STORE = '"database"'


class Person:
    """Someone in the sandbox who waits for the bot's answer before doing the next thing."""

    def __init__(self, emu: BotApiEmulator, user_id: int, *bots: BotProcess) -> None:
        self.emu, self.id, self.bots = emu, user_id, bots

    def texts(self) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.emu.bot_messages(self.id)]

    def _shows(self, expect: str, since: int) -> bool:
        """A bot message changed after revision `since` shows `expect` (text or a button)."""
        for m in self.emu.messages(self.id, since_rev=since):
            labels = [b["text"] for row in (m.get("reply_markup") or {}).get(
                "inline_keyboard", []) for b in row]
            if m["from_bot"] and (expect in (m.get("text") or m.get("caption") or "")
                                  or expect in labels):
                return True
        return False

    async def _answered(self, act: Any, expect: str) -> None:
        before = self.emu.state.rev
        act()
        await until(self.emu, lambda: self._shows(expect, before), expect, *self.bots)

    async def say(self, text: str, expect: str) -> None:
        await self._answered(lambda: self.emu.users.send_text(self.id, text), expect)

    async def photo(self, data: bytes, expect: str, *, as_file: bool = False) -> None:
        await self._answered(
            lambda: self.emu.users.send_photos(self.id, [data], as_file=as_file), expect)

    async def location(self, lat: float, lon: float, expect: str) -> None:
        await self._answered(lambda: self.emu.users.send_location(self.id, lat, lon), expect)

    async def press(self, label: str, expect: str) -> None:
        found = next(((m["message_id"], data) for m in reversed(self.emu.bot_messages(self.id))
                      if (data := self.emu.users.button_data(self.id, m["message_id"], label))),
                     None)
        assert found is not None, f"no button {label!r}; last messages: {self.texts()[-3:]}"
        message_id, data = found
        await self._answered(
            lambda: self.emu.users.press(self.id, self.id, message_id, data), expect)


@pytest.fixture
async def pg_world(pg_server_url: str) -> AsyncIterator[tuple[str, SessionFactory]]:
    """An emptied PostgreSQL database with the demo grid and a village manager."""
    engine = make_engine(pg_server_url)
    sessions = make_session_factory(engine)
    async with engine.begin() as conn:
        from models import Base

        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        await conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    grid = json.loads(DEMO_GRID.read_text(encoding="utf-8"))
    async with sessions() as session:
        await import_grid(session, grid)
        await session.commit()
    await add_manager(sessions, MANAGER, "Village manager", VILLAGE)
    yield pg_server_url, sessions
    await engine.dispose()


def last_to(delivery: WebhookDelivery) -> str:
    """The process the proxy gave the last update it could deliver."""
    return next(d.target for d in reversed(delivery.deliveries) if d.status < 300)


def filed_log(bot: BotProcess) -> str:
    return "\n".join(line for line in bot.log().splitlines() if "photo" in line)[-2000:]


def sent_rows(rows: list[Outbox], chat_id: int) -> int:
    """Messages the outbox says it delivered to a chat (an alert may be photos plus text)."""
    return sum(len(r.result.get("message_ids", [])) for r in rows
               if r.chat_id == str(chat_id) and r.state == OutboxState.SENT)


async def test_a_report_alternating_between_two_processes_completes_and_one_sweeps(
    pg_world: tuple[str, SessionFactory], tmp_path: Path,
) -> None:
    url, sessions = pg_world
    # Flood limits off: the script answers faster than a person, and pacing is not the point.
    emu = BotApiEmulator(flood=FloodConfig(enabled=False))
    async with SandboxServer(emu) as server:
        a, b = (BotProcess(tmp_path, server, name, url, **{
            "schedule.sweep_interval": '"1s"', "storage.photo_store": PHOTO_STORE,
            "storage.photos_dir": f'"{tmp_path / ("photos-" + name)}"'}) for name in "ab")
        try:
            await a.start()
            await healthy(a)  # a starts first and takes the lease
            await b.start()
            async with WebhookDelivery(emu, [a.url, b.url]) as delivery:
                await until(emu, lambda: emu.state.webhook_url == PUBLIC_URL, "webhook", a, b)
                health_a, health_b = await healthy(a), await healthy(b)
                assert (health_a["scheduler"], health_b["scheduler"]) == (True, False)
                manager = emu.users.create_user("Wang", language_code="en", user_id=MANAGER)
                emu.users.private_chat(manager["id"])

                vera = Person(emu, emu.users.create_user("Vera", language_code="en")["id"], a, b)
                await vera.say("/start", "Welcome")
                await vera.say("/report", "Dumped garbage")
                await vera.press("Dumped garbage", "Send 1 to 10 photos")
                # As a file: it is never sent on by Telegram's id, only as the display copy.
                await vera.photo(images.jpeg(seed=31), "✅ Done", as_file=True)
                received_by = last_to(delivery)
                await vera.press("✅ Done", "Where is it?")
                await vera.location(*IN_GRADE1, "Describe what you see")
                await vera.say("Plastic bags along the shore", "How serious is it?")
                await vera.press("high", "✅ Send the report")
                await vera.press("✅ Send the report", "Thank you!")
                filed_by = last_to(delivery)
                assert filed_by != received_by  # the photo is drawn where it was not received
                async with sessions() as session:
                    case = (await session.scalars(select(Case))).one()
                assert case.number in vera.texts()[-1]
                assert case.description == "Plastic bags along the shore"
                # the proxy took turns: both processes handled parts of this one conversation
                assert delivery.delivered_to(a.url) and delivery.delivered_to(b.url)

                await until(emu, lambda: any(case.number in t for t in
                                             Person(emu, MANAGER).texts()),
                            "the village manager is alerted", a, b)
                assert any(m.get("photo") for m in emu.bot_messages(MANAGER)), \
                    "the manager is shown the photo"

                async def display_copy() -> str | None:  # made by filed_by after its answer
                    async with sessions() as session:
                        return (await session.scalars(select(Photo))).one().display_path

                for _ in range(40):
                    if await display_copy() is not None:
                        break
                    await emu.state.wait_change(0.5)
                assert await display_copy() is not None, "no display copy:\n" + filed_log(
                    a if filed_by == a.url else b)
                # Time passes: the reminder at half the acceptance deadline is due now.
                async with sessions() as session:
                    now = utcnow()
                    await session.execute(update(Case).values(
                        stage_started_at=now - timedelta(hours=13),
                        due_at=now + timedelta(hours=11), next_alarm_at=now))
                    await session.commit()

                async def reminded() -> bool:
                    async with sessions() as session:
                        return (await session.scalar(select(Outbox.id).where(
                            Outbox.kind == "reminder", Outbox.state == OutboxState.SENT))) \
                            is not None

                for _ in range(240):
                    if await reminded():
                        break
                    await emu.state.wait_change(0.5)
                assert await reminded(), a.log()[-2000:]

                async with sessions() as session:
                    rows = list(await session.scalars(select(Outbox)))
                assert [r.id for r in rows if r.state != OutboxState.SENT] == []
                assert sent_rows(rows, MANAGER) == len(emu.bot_messages(MANAGER))
                assert [line for line in b.log().splitlines() if " sweep: " in line] == []
                assert any(" sweep: " in line for line in a.log().splitlines())

                a.signal(signal.SIGKILL)  # the lease dies with a's database session
                await a.wait()
                for _ in range(240):
                    status, body = await get_json(b.health_url)
                    if status == 200 and body["scheduler"]:
                        break
                    await emu.state.wait_change(0.25)
                assert body["scheduler"] is True, b.log()[-2000:]
                assert "now runs the sweep and the digests" in b.log()
        finally:
            await a.stop()
            await b.stop()
    assert emu.refusals == [], a.log()[-2000:] + b.log()[-2000:]
