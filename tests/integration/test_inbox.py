"""Every press is answered: the updates a dead process had taken in are taken over once by the
next, a day later they are forgotten, and a press whose handler fails is answered. (The real
process killed and restarted: tests/e2e/test_inbox_restart.py.)"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.runtime import InboxStore, Lease
from bot.telegram.inbox import channel_of
from models import Inbox as InboxRow
from models import utcnow
from models.db import SessionFactory
from tests.support.harness import TelegramHarness


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
        assert [await dead.store(u.update_id, u.to_dict()) for u in updates] == [True, True, True]
        assert not await dead.store(501, updates[0].to_dict())  # sent again: in hand already
        await dead.done(501)
        await dead_lease.close()  # the process dies with 502 and 503 taken in, not handled

        live = InboxStore(session_factory, channel, live_lease)
        assert await live.take_over(at_start=True) == [502, 503]
        assert await live.take_over(at_start=True) == []  # now this process's own
        assert not await live.store(501, updates[0].to_dict())  # handled: a re-delivery is dropped
        assert not await live.store(502, updates[1].to_dict())  # in this process's hands already
        for taken in updates[1:]:
            await live.done(taken.update_id)

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
