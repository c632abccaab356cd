"""Every press is answered: an update the bot had taken in (and so acknowledged to Telegram)
when it was killed is handled after the restart, by polling and by webhook; what was handled
is not handled again; a day later it is forgotten; a press whose handler fails is answered."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.runtime import InboxStore, Lease, channel_of
from bot.sandbox import BotApiEmulator, FloodConfig
from bot.sandbox.emulator import FileArg
from bot.sandbox.server import SandboxServer
from bot.sandbox.webhook import WebhookDelivery
from models import Inbox as InboxRow
from models import InboxState, utcnow
from models.db import SessionFactory, make_engine, make_session_factory
from tests.harness import TelegramHarness
from tests.test_webhook import BotProcess, bot_texts, until

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


async def test_updates_of_a_dead_process_are_taken_over_once_and_old_ones_forgotten(
    db_url: str, session_factory: SessionFactory,
) -> None:
    channel = channel_of("7000000001:SECRET")
    dead_lease, live_lease = Lease(db_url, instance=11), Lease(db_url, instance=12)
    await dead_lease.start()
    await live_lease.start()
    try:
        dead = InboxStore(session_factory, channel, dead_lease)
        updates = [Update(update_id=n) for n in (501, 502, 503)]
        assert [await dead.store(u) for u in updates] == [True, True, True]
        assert not await dead.store(updates[0])  # Telegram sending it again: in hand already
        await dead.done(updates[0])
        await dead_lease.close()  # the process dies with 502 and 503 taken in, not handled

        live = InboxStore(session_factory, channel, live_lease)
        assert await live.take_over(at_start=True) == [502, 503]
        assert await live.take_over(at_start=True) == []  # now this process's own
        assert not await live.store(updates[0])  # handled: a re-delivery is dropped
        assert not await live.store(updates[1])  # in this process's hands already
        for taken in updates[1:]:
            await live.done(taken)

        async with session_factory() as session:
            await session.execute(update(InboxRow).where(InboxRow.update_id == 501).values(
                handled_at=utcnow() - timedelta(days=1, minutes=1)))
            await session.commit()
        assert await live.forget() == 1
        async with session_factory() as session:
            kept = sorted(await session.scalars(select(InboxRow.update_id)))
        assert kept == [502, 503]
    finally:
        await dead_lease.close()
        await live_lease.close()


async def test_a_press_whose_handler_fails_after_answering_is_told_what_to_do(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    h.fail_on_handler_error = False  # the failure is the point
    h.fail_on_refusal = False  # a second answer is refused: that is how the bot learns of it

    async def answers_then_fails(update: Update, ctx: object) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()
        raise RuntimeError("the database fell over")

    async def fails(update: Update, ctx: object) -> None:
        raise RuntimeError("the database fell over")

    # First in group 0, as the bot's own button handlers are (one handler per group runs).
    h.app.handlers[0][:0] = [CallbackQueryHandler(answers_then_fails, pattern="^late$"),
                             CallbackQueryHandler(fails, pattern="^early$")]
    ann = h.user("Ann", language_code="en")
    await h.send_text(ann, "/start")
    await h.app.bot.send_message(ann.id, "Pick", reply_markup=InlineKeyboardMarkup([[
        InlineKeyboardButton("Late", callback_data="late"),
        InlineKeyboardButton("Early", callback_data="early")]]))
    offer = h.last_message(ann)

    await h.press(ann, offer, "Late")
    told = h.last_message(ann)["text"]
    assert told != "Pick" and "Press it again" in told and "/help" in told
    assert [r.method for r in h.refusals] == ["answerCallbackQuery"]

    query_id = await h.press(ann, offer, "Early")
    answer = h.callback_answer(query_id)
    assert answer is not None and "/help" in answer.get("text", "")
    assert answer.get("show_alert") is True
