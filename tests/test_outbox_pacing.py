"""The sender keeps Telegram's flood bounds by itself: the emulator, its flood limits on and on
the same fake clock, never has to answer 429."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import pairwise
from typing import Any

import pytest
from telegram.request import RequestData

from bot.app import build_application
from bot.outbox import Sender
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.flood import FloodConfig
from models.db import SessionFactory
from services.grid_import import import_grid
from services.notices.queue import queue
from services.settings import Settings
from tests.gated_notices import TEST_RENDERERS, Note
from tests.harness import EmulatorRequest, TelegramHarness
from tests.test_outbox import FakeClock, texts

Sent = tuple[float, str, int]  # (fake time, chat id, HTTP status)


class TimedRequest(EmulatorRequest):
    """The emulator's request, noting when (on the fake clock) each message was sent."""

    def __init__(self, emulator: BotApiEmulator, clock: FakeClock) -> None:
        super().__init__(emulator)
        self.clock = clock
        self.sent: list[Sent] = []

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        status, body = await super().do_request(url, method, request_data, *args, **kwargs)
        if "/send" in url and request_data is not None:
            self.sent.append((self.clock(), str(request_data.parameters["chat_id"]), status))
        return status, body


class Paced:
    def __init__(self, h: TelegramHarness, request: TimedRequest, clock: FakeClock) -> None:
        self.h, self.request, self.clock = h, request, clock
        self.sender = Sender(h.app.bot, h.app.bot_data["deps"], TEST_RENDERERS, clock=clock,
                             sleep=clock.sleep, real_time=False)

    def times(self, chat_id: int) -> list[float]:
        return [at for at, chat, _ in self.request.sent if chat == str(chat_id)]

    def statuses(self) -> set[int]:
        return {status for _, _, status in self.request.sent}

    async def queue(self, chat_id: int, count: int) -> None:
        async with self.h.app.bot_data["deps"].sessions() as session:
            for index in range(count):
                await queue(session, Note(text=f"n{index}"), chat_id=str(chat_id))
            await session.commit()


@pytest.fixture
async def paced(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any]
) -> AsyncIterator[Paced]:
    """The real bot on an emulator with Telegram's flood limits, both on one fake clock."""
    async with session_factory() as session:
        await import_grid(session, demo_grid_collection)
        await session.commit()
    clock = FakeClock()
    emulator = BotApiEmulator(token=settings.telegram.token, flood=FloodConfig(), clock=clock)
    request = TimedRequest(emulator, clock)
    app = build_application(settings, session_factory, request=request,
                            get_updates_request=EmulatorRequest(emulator),
                            renderers=TEST_RENDERERS)
    async with TelegramHarness(emulator, app) as h:
        yield Paced(h, request, clock)


def started(p: Paced, name: str) -> int:
    """A person who has opened a chat with the bot (the bot never sees their /start)."""
    user = p.h.user(name)
    p.h.emulator.users.send_text(user.id, "/start")
    p.h.emulator.take_updates()
    return user.id


async def test_sixty_alerts_to_one_group_take_three_minutes_without_a_429(paced: Paced) -> None:
    group = paced.h.group("妙西镇网格群")
    await paced.queue(group.id, 60)
    await paced.sender.drain()
    times = paced.times(group.id)
    assert len(times) == 60 and paced.statuses() == {200}
    assert texts(paced.h, group)[-1] == "[zh_CN] n59"  # in order, the last one last
    assert times[-1] - times[0] >= 59 * 3  # one every 3 s: 20 a minute
    assert all(sum(t <= at < t + 60 for at in times) <= 20 for t in times)


async def test_a_hundred_notices_to_one_person_go_at_one_a_second(paced: Paced) -> None:
    person = started(paced, "王芳")
    await paced.queue(person, 100)
    await paced.sender.drain()
    times = paced.times(person)
    assert len(times) == 100 and paced.statuses() == {200}
    # a short burst, then one a second
    assert 96 <= times[-1] - times[0] <= 99
    assert all(later - earlier >= 1 - 1e-9 for earlier, later in pairwise(times[3:]))


async def test_two_hundred_chats_share_thirty_a_second(paced: Paced) -> None:
    people = [started(paced, f"P{index}") for index in range(200)]
    for person in people:
        await paced.queue(person, 1)
    await paced.sender.drain()
    times = sorted(at for at, _, _ in paced.request.sent)
    assert len(times) == 200 and paced.statuses() == {200}
    assert all(len(paced.times(person)) == 1 for person in people)
    assert all(sum(t <= at < t + 1 for at in times) <= 30 + 10 for t in times)  # 30/s, burst 10
    assert times[-1] - times[0] >= (200 - 10) / 30 - 1e-6
