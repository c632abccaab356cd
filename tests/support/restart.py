"""A restart of the bot in the middle of a test: the running Application is shut down and a new
one starts on the same database and the same Telegram emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.telegram.app import build_application
from tests.support.harness import EmulatorRequest, TelegramHarness
from tests.support.report_world import deps


@asynccontextmanager
async def restarted(h: TelegramHarness) -> AsyncIterator[TelegramHarness]:
    d = deps(h)
    await h.app.shutdown()
    fresh = build_application(d.settings, d.sessions, request=EmulatorRequest(h.emulator),
                              get_updates_request=EmulatorRequest(h.emulator))
    async with TelegramHarness(h.emulator, fresh) as again:
        yield again
    await h.app.initialize()  # the fixture shuts it down again on the way out
