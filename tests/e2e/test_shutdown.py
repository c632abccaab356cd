"""SIGTERM while the real `gridpatrol run` process is sending an outbox batch: it stops taking
work, finishes the batch in flight, and leaves no notice `sending` (each row is sent, with its
message in the chat, or still pending for the next start)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import Member, Outbox, OutboxState
from models.db import make_engine, make_session_factory
from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from sandbox.telegram.emulator import FileArg
from sandbox.telegram.webhook import WebhookDelivery
from tests.support.processes import PUBLIC_URL, BotProcess, bot_texts, until

pytestmark = pytest.mark.e2e

NOTICES = 60


class HeldEmulator(BotApiEmulator):
    """The sandbox, holding back its answer to the `hold_at`-th sendMessage until `release` is
    set, so the test knows the bot is in the middle of its work when the signal arrives."""

    def __init__(self, hold_at: int = 3) -> None:
        super().__init__(flood=FloodConfig(enabled=False))
        self.hold_at = hold_at
        self.sends = 0
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def call(self, token: str, method: str, params: Mapping[str, Any],
                   files: Mapping[str, FileArg] | None = None) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage":
            self.sends += 1
            if self.sends == self.hold_at:
                self.holding.set()
                await self.release.wait()
        return await super().call(token, method, params, files)


async def test_sigterm_mid_batch_finishes_the_batch_and_leaves_nothing_sending(
    db_url: str, tmp_path: Path,
) -> None:
    emu = HeldEmulator()
    chats = []
    for n in range(NOTICES):
        user = emu.users.create_user(f"Reader {n}", language_code="en")["id"]
        emu.users.private_chat(user)
        chats.append(user)
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        async with sessions() as session:
            session.add_all(Outbox(kind="draft_expired", chat_id=str(chat), payload={"hours": 24})
                            for chat in chats)
            await session.commit()
        async with SandboxServer(emu) as server:
            bot = BotProcess(tmp_path, server, "bot", db_url, webhook=False)
            await bot.start()
            try:
                await until(emu, emu.holding.is_set, "the bot is sending the outbox", bot)
                bot.signal(signal.SIGTERM)
                emu.release.set()
                assert await bot.wait() == 0, bot.log()[-3000:]
            finally:
                await bot.stop()
        async with sessions() as session:
            rows = list(await session.scalars(select(Outbox).order_by(Outbox.id)))
    finally:
        await engine.dispose()

    states = {row.state for row in rows}
    assert OutboxState.SENDING not in states, bot.log()[-3000:]
    assert states <= {OutboxState.SENT, OutboxState.PENDING}
    sent = {int(row.chat_id) for row in rows if row.state == OutboxState.SENT}
    assert len(sent) >= 3  # the batch in flight was finished, not dropped
    assert sent == {chat for chat in chats if emu.bot_messages(chat)}  # each exactly as recorded
    assert all(len(emu.bot_messages(chat)) <= 1 for chat in chats)


async def test_sigterm_while_an_update_is_handled_lets_it_finish(
    db_url: str, tmp_path: Path,
) -> None:
    emu = HeldEmulator(hold_at=1)  # the welcome is the first message the bot sends
    async with SandboxServer(emu) as server:
        bot = BotProcess(tmp_path, server, "bot", db_url)
        await bot.start()
        try:
            async with WebhookDelivery(emu, [bot.url]):
                await until(emu, lambda: emu.state.webhook_url == PUBLIC_URL, "webhook", bot)
                vera = emu.users.create_user("Vera", language_code="en")["id"]
                emu.users.send_text(vera, "/start")
                await until(emu, emu.holding.is_set, "the bot is answering /start", bot)
                bot.signal(signal.SIGTERM)
                emu.release.set()
                assert await bot.wait() == 0, bot.log()[-3000:]
        finally:
            await bot.stop()
    assert any("Welcome, Vera" in text for text in bot_texts(emu, vera))
    engine = make_engine(db_url)
    try:
        async with make_session_factory(engine)() as session:
            member = await session.scalar(select(Member).where(
                Member.platform_user_id == str(vera)))
    finally:
        await engine.dispose()
    assert member is not None and member.display_name == "Vera"
