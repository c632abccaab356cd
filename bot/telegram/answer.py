"""An Answer given on Telegram, after the unit of work is committed: the press answered (its
spinner stopped), the pressed message redrawn or its buttons taken off, the replies sent as
HTML, a later reply scheduled on the JobQueue, then the work that follows the answer."""

from __future__ import annotations

import logging
from typing import cast

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import JobQueue

from handlers.chat import Answer, Later, Reply
from handlers.common import markup, reply_markup
from handlers.context import Ctx

log = logging.getLogger(__name__)


async def give(update: Update, ctx: Ctx, answer: Answer) -> None:
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(answer.toast, show_alert=answer.alert)
        except TelegramError as exc:
            # The work is committed; a lost answer only stops the spinner, and an apology
            # here would make the person do the same thing again.
            log.warning("answering the button failed: %s", exc)
        try:
            if answer.edit is not None:
                await query.edit_message_text(answer.edit.text, parse_mode=ParseMode.HTML,
                                              reply_markup=markup(answer.edit.buttons))
            elif answer.strip_buttons:
                await query.edit_message_reply_markup(None)
        except BadRequest:
            pass  # the message is too old to edit, or already shows this: nothing to do
    chat = update.effective_chat
    if chat is not None:
        for reply in answer.replies:
            await send(ctx, chat.id, reply)
        if answer.later is not None:
            schedule(ctx, chat.id, answer.later)
    if answer.then is not None:
        await answer.then()


async def send(ctx: Ctx, chat_id: int, reply: Reply) -> None:
    await ctx.bot.send_message(chat_id, reply.text, parse_mode=ParseMode.HTML,
                               reply_markup=reply_markup(reply))


def schedule(ctx: Ctx, chat_id: int, later: Later) -> None:
    """Run `later` after its delay, in place of an earlier one with the same key."""
    queue = cast("JobQueue[Ctx] | None", ctx.job_queue)  # PTB leaves its type open here
    if queue is None:
        return
    for job in queue.get_jobs_by_name(later.key):
        job.schedule_removal()
    queue.run_once(_run_later, later.delay, data=later, name=later.key, chat_id=chat_id)


async def _run_later(ctx: Ctx) -> None:
    job = ctx.job
    assert job is not None and isinstance(job.data, Later) and job.chat_id is not None
    for reply in await job.data.make():
        await send(ctx, job.chat_id, reply)


