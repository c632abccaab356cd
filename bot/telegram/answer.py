"""An Answer given on Telegram, after the unit of work is committed: the press answered (its
spinner stopped), the pressed message redrawn or its buttons taken off, the replies sent as
HTML (with their file, as a photo or a document), a later reply scheduled on the JobQueue, then
the work that follows the answer."""

from __future__ import annotations

import logging
from typing import cast

from telegram import CallbackQuery, InputFile, Message, Update
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import JobQueue

from bot.telegram.context import Ctx
from bot.telegram.markup import NO_PREVIEW, markup, reply_markup
from handlers.chat import Answer, Later, Reply
from services.notices.card import fit_caption

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
                await _edit(query, answer.edit)
            elif answer.strip_buttons:
                await query.edit_message_reply_markup(None)
        except BadRequest as exc:
            # The message is too old to edit, or already shows this: nothing to do.
            log.debug("the pressed message was not edited: %s", exc)
    chat = update.effective_chat
    if chat is not None:
        for reply in answer.replies:
            await send(ctx, chat.id, reply)
        if answer.later is not None:
            schedule(ctx, chat.id, answer.later)
    user = update.effective_user
    if user is not None:
        for reply in answer.direct:  # a private chat's id is the person's on Telegram
            await send(ctx, user.id, reply)
    if answer.then is not None:
        await answer.then()


async def _edit(query: CallbackQuery, reply: Reply) -> None:
    """The pressed message redrawn in its own form: a photo's caption, or text."""
    message = query.message
    if isinstance(message, Message) and (message.photo or message.document):
        caption = fit_caption(reply.text, MessageLimit.CAPTION_LENGTH)
        if caption:
            await query.edit_message_caption(caption, parse_mode=ParseMode.HTML,
                                             reply_markup=markup(reply.buttons))
        else:
            await query.edit_message_reply_markup(markup(reply.buttons))
        return
    await query.edit_message_text(reply.text, parse_mode=ParseMode.HTML,
                                  reply_markup=markup(reply.buttons),
                                  link_preview_options=None if reply.preview else NO_PREVIEW)


async def send(ctx: Ctx, chat_id: int | str, reply: Reply) -> Message:
    keys = reply_markup(reply)
    if reply.file is None:
        sent = await ctx.bot.send_message(
            chat_id, reply.text, parse_mode=ParseMode.HTML, reply_markup=keys,
            link_preview_options=None if reply.preview else NO_PREVIEW)
    elif reply.file.image:
        sent = await ctx.bot.send_photo(
            chat_id, InputFile(reply.file.data, filename=reply.file.name),
            caption=fit_caption(reply.text, MessageLimit.CAPTION_LENGTH) or None,
            parse_mode=ParseMode.HTML, reply_markup=keys)
    else:
        sent = await ctx.bot.send_document(
            chat_id, InputFile(reply.file.data, filename=reply.file.name),
            caption=fit_caption(reply.text, MessageLimit.CAPTION_LENGTH) or None,
            parse_mode=ParseMode.HTML, reply_markup=keys)
    if reply.sent is not None:
        await reply.sent(str(sent.message_id))
    return sent


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
