"""Every press is answered: an update the real bot process had taken in (and so acknowledged to
Telegram) when it was killed is handled after the restart, by polling and by webhook, and what
was handled before the kill is not handled again."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import Inbox as InboxRow
from models import InboxState
from models.db import make_engine, make_session_factory
from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from sandbox.telegram.emulator import FileArg
from sandbox.telegram.webhook import WebhookDelivery
from tests.support.processes import BotProcess, bot_texts, until

RESUME = "You have a report in progress"
CONTINUE = "▶️ Continue"


class HoldingEmulator(BotApiEmulator):
    """The sandbox, never answering the bot's first answerCallbackQuery once `armed`: the bot
    is caught between taking the press in and answering it, where the test kills it."""

    def __init__(self) -> None:
        super().__init__(flood=FloodConfig(enabled=False), callback_timeout=3600.0)
        self.armed = False
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def call(self, token: str, method: str, params: Mapping[str, Any],
                   files: Mapping[str, FileArg] | None = None) -> tuple[int, dict[str, Any]]:
        if method == "answerCallbackQuery" and self.armed:
            self.armed = False
            self.holding.set()
            await self.release.wait()  # the caller is dead by then: the answer never happens
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: held"}
        return await super().call(token, method, params, files)


def update_of(emu: BotApiEmulator, query_id: str) -> int:
    return next(int(u["update_id"]) for u in emu.state.updates
                if u.get("callback_query", {}).get("id") == query_id)


async def inbox_rows(db_url: str) -> dict[int, str]:
    engine = make_engine(db_url)
    try:
        async with make_session_factory(engine)() as session:
            rows = await session.execute(select(InboxRow.update_id, InboxRow.state))
            return {int(update_id): str(state) for update_id, state in rows}
    finally:
        await engine.dispose()


@pytest.mark.e2e
@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_a_press_taken_in_by_a_killed_bot_is_answered_after_the_restart(
    db_url: str, tmp_path: Path, webhook: bool,
) -> None:
    emu = HoldingEmulator()
    vera = int(emu.users.create_user("Vera", language_code="en")["id"])
    async with SandboxServer(emu) as server:
        first = BotProcess(tmp_path, server, "first", db_url, webhook=webhook)
        # The restarted bot listens where the proxy posts (webhook.port as the first's).
        second = BotProcess(tmp_path, server, "second", db_url, webhook=webhook,
                            **{"webhook.port": str(first.port)})
        second.port = first.port
        delivery = WebhookDelivery(emu, [first.url])  # idle while polling
        try:
            await delivery.start()
            await first.start()
            emu.users.send_text(vera, "/start")
            await until(emu, lambda: any("Welcome" in t for t in bot_texts(emu, vera)),
                        "the welcome", first)
            emu.users.send_text(vera, "/report")
            emu.users.send_text(vera, "/report")
            await until(emu, lambda: any(RESUME in t for t in bot_texts(emu, vera)),
                        "the choice to continue the open report", first)
            offer = next(m for m in emu.bot_messages(vera) if RESUME in (m.get("text") or ""))
            data = emu.users.button_data(vera, offer["message_id"], CONTINUE)
            assert data is not None and data.endswith("|rs|")
            before = len(emu.bot_messages(vera))
            emu.armed = True
            query_id = emu.users.press(vera, vera, offer["message_id"], data)
            pressed = update_of(emu, query_id)
            await until(emu, emu.holding.is_set, "the bot is answering the press", first)
            await until(emu, lambda: all(u["update_id"] != pressed for u in emu.state.updates),
                        "Telegram was told the press arrived", first)
            first.signal(signal.SIGKILL)
            await first.wait()

            await second.start()
            record = emu.state.callbacks[query_id]
            await until(emu, lambda: record.answered and len(emu.bot_messages(vera)) > before,
                        "the press answered after the restart", second)
        finally:
            emu.release.set()
            await delivery.stop()
            await first.stop()
            await second.stop()
    texts = bot_texts(emu, vera)
    assert "What is the problem?" in texts[-1], texts[-1]  # Continue asks the open question
    # Handled before the kill, so not handled again: one welcome, one offer to continue.
    assert sum("Welcome" in t for t in texts) == 1
    assert sum(RESUME in t for t in texts) == 1
    rows = await inbox_rows(db_url)
    assert rows[pressed] == InboxState.DONE and set(rows.values()) == {InboxState.DONE}
