"""The outbox under test: a fake clock, and the real bot on an emulator with Telegram's flood
limits on that clock (the `paced` fixture), sending the tests' own kinds (`gated_notices`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import update
from telegram.request import RequestData

from bot.outbox import Sender
from bot.telegram.app import build_application
from bot.telegram.transport import TelegramTransport
from models import Outbox, utcnow
from models.db import SessionFactory
from sandbox.telegram.emulator import BotApiEmulator
from sandbox.telegram.flood import FloodConfig
from services.grid import import_grid
from services.notices.queue import queue
from services.settings import Settings
from tests.support.gated_notices import TEST_RENDERERS, Note
from tests.support.harness import EmulatorRequest, SimUser, TelegramHarness
from tests.support.report_world import deps


@dataclass
class FakeClock:
    """Monotonic seconds that move only when someone sleeps (at once, without yielding)."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


async def make_due(h: TelegramHarness) -> None:
    """Time passes: whatever waits is due now."""
    async with deps(h).sessions() as session:
        await session.execute(update(Outbox).values(next_attempt_at=utcnow()))
        await session.commit()


def texts(h: TelegramHarness, user: SimUser) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in h.messages_to(user)][1:]  # no welcome


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
        self.sender = Sender(TelegramTransport(h.app.bot), h.app.bot_data["deps"],
                             TEST_RENDERERS, clock=clock, sleep=clock.sleep, real_time=False)

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
