"""The Telegram transport of the outbox sender (bot.outbox.transport): a Card becomes the Bot
API calls that send it (sendPhoto, sendMediaGroup, sendMessage) or put an edit of a posted card
in place (editMessage*), each call one paced message; what is kept of what was sent; and
Telegram's errors told in the sender's terms. Telegram's limits are here."""

from __future__ import annotations

import logging
import warnings
import weakref
from collections.abc import Awaitable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, InputFile, InputMediaPhoto, Message
from telegram.constants import MediaGroupLimit, MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.outbox.transport import (
    ChatMoved,
    FloodWait,
    Lost,
    Rejected,
    SendFailed,
    Step,
    Unreachable,
)
from bot.telegram.markup import NO_PREVIEW, markup
from models.db import SessionFactory
from services.cases import remember_sent_ids
from services.members import BLOCKED, CHAT_GONE
from services.notices.card import Card, fit_caption, shown, visible_length
from services.notices.card_refresh import CAPTION, MARKUP, TEXT

log = logging.getLogger("bot.outbox")

TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096 characters of a message (UTF-16 units)
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)  # 1024 of a photo's caption
CALLBACK_DATA_LIMIT = 64  # bytes of a button's callback data
ALBUM_LIMIT = int(MediaGroupLimit.MAX_MEDIA_LENGTH)  # 10 photos in one sendMediaGroup
PRIVATE_PER_SECOND = 1.0  # messages a second to one chat
GROUP_PER_MINUTE = 20  # messages a minute to one group
# Telegram's words for a message that is no longer there to edit (deleted, or too old).
GONE = ("not found", "can't be edited", "message_id_invalid")
# Failures that happen before the request leaves this machine: safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class TelegramTransport:
    """The sender's calls on Telegram, through `bot` (held weakly: the process's sender
    registry must not keep a finished application alive)."""

    def __init__(self, bot: Bot) -> None:
        self._bot = weakref.ref(bot)

    @property
    def bot(self) -> Bot:
        bot = self._bot()
        if bot is None:
            raise RuntimeError("the bot of this sender is gone")
        return bot

    def sending(self, chat_id: str, card: Card) -> TelegramSending:
        return TelegramSending(self.bot, chat_id, card)


class TelegramSending:
    """One notice's calls, with Telegram's errors told as the sender's (bot.outbox.transport)."""

    def __init__(self, bot: Bot, chat_id: str, card: Card) -> None:
        self.card = card
        self.sent: list[Message] = []
        self.steps = [_told(step) for step in steps(bot, chat_id, card, self.sent)]

    def record(self) -> dict[str, Any]:
        return sent_card(self.sent, self.card)

    async def after(self, sessions: SessionFactory) -> None:
        await keep_upload_ids(sessions, self.card, self.sent)


_OUTBOX: ContextVar[bool] = ContextVar("gridpatrol_outbox_call", default=False)


def in_outbox_call() -> bool:
    """Whether the Bot API call being made is the outbox sender's (paced by it already, its
    429s its own to handle: bot.telegram.pace leaves it alone)."""
    return _OUTBOX.get()


def _told(step: Step) -> Step:
    async def call() -> list[int]:
        token = _OUTBOX.set(True)
        try:
            return await step()
        except RetryAfter as exc:
            raise FloodWait(retry_seconds(exc), str(exc)) from exc
        except ChatMigrated as exc:
            raise ChatMoved(str(exc.new_chat_id), str(exc)) from exc
        except BadRequest as exc:  # before NetworkError: PTB makes it one
            if chat_gone(exc):
                raise Unreachable(CHAT_GONE, str(exc)) from exc
            raise Rejected(str(exc)) from exc
        except Forbidden as exc:
            raise Unreachable(BLOCKED, str(exc)) from exc
        except NetworkError as exc:  # TimedOut included
            if maybe_delivered(exc):
                raise Lost(str(exc), timed_out=isinstance(exc, TimedOut)) from exc
            raise SendFailed(str(exc)) from exc
        except TelegramError as exc:
            raise SendFailed(str(exc)) from exc
        finally:
            _OUTBOX.reset(token)

    return call


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int in PTB 22 and a timedelta with PTB_TIMEDELTA=1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def maybe_delivered(exc: NetworkError) -> bool:
    """A timeout or a dropped connection after the request went out may have been delivered;
    a refused connection, a pool timeout or an HTTP 5xx answer was not."""
    cause: BaseException | None = exc.__cause__
    if isinstance(cause, _NOT_SENT):
        return False
    if isinstance(exc, TimedOut):
        return True
    return cause is not None  # PTB raises NetworkError without a cause for 5xx answers


def chat_gone(exc: BadRequest) -> bool:
    """Telegram's 400 for a chat that does not exist (any more): a deleted account, a user who
    never started the bot under this id. As good as a 403."""
    return "chat not found" in str(exc).lower()


def steps(bot: Bot, chat_id: str, card: Card, sent: list[Message] | None = None) -> list[Step]:
    """The calls one notice takes: photos (an album, or one photo carrying the text as its
    caption when it fits), then the text with its buttons; or the edit of a posted card. The
    messages sent are added to `sent`."""
    assert card.picture is None and not card.upload_jobs, "draw_pictures first"
    if card.edit_message_id is not None:  # a posted card brought up to date
        return [lambda: edit_card(bot, chat_id, card)]
    photos: list[str | bytes] = [*card.photo_file_ids,
                                 *(upload.data for upload in card.photo_uploads)]
    if card.photo_bytes is not None:
        photos.append(card.photo_bytes)
    text, keyboard = card.text, markup(card.buttons)

    def photo_step(photo: str | bytes, with_text: bool = False) -> Step:
        if with_text:
            return lambda: _ids(
                bot.send_photo(
                    chat_id, photo, caption=text, parse_mode=ParseMode.HTML, reply_markup=keyboard
                ), sent
            )
        return lambda: _ids(bot.send_photo(chat_id, photo), sent)

    def album_step(chunk: list[str | bytes]) -> Step:
        return lambda: _album(
            bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in chunk]), sent)

    document = card.document
    assert document is None or document.data is not None, "draw_pictures first"
    if len(photos) == 1 and document is None and text and visible_length(text) <= CAPTION_LIMIT:
        return [photo_step(photos[0], with_text=True)]
    result: list[Step] = []
    for start in range(0, len(photos), ALBUM_LIMIT):
        chunk = photos[start : start + ALBUM_LIMIT]
        result.append(photo_step(chunk[0]) if len(chunk) == 1 else album_step(chunk))
    if document is not None and document.data is not None:
        upload = InputFile(document.data, filename=document.filename)
        result.append(lambda: _ids(bot.send_document(chat_id, upload), sent))
    if text:
        result.append(
            lambda: _ids(
                bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard),
                sent,
            )
        )
    return result


async def _ids(call: Awaitable[Message], sent: list[Message] | None = None) -> list[int]:
    message = await call
    if sent is not None:
        sent.append(message)
    return [message.message_id]


async def _album(
    call: Awaitable[tuple[Message, ...]], sent: list[Message] | None = None
) -> list[int]:
    messages = await call
    if sent is not None:
        sent.extend(messages)
    return [message.message_id for message in messages]


async def edit_card(bot: Bot, chat_id: str | int, card: Card) -> list[int]:
    """The edit of a posted card, with the call that fits the message; the message id when it
    shows the case now, [] when it is final (buttons gone for good, or the message is gone),
    which spares it later edits. "Not modified" is no failure."""
    message_id = card.edit_message_id
    assert message_id is not None
    form, keyboard = card.edit_form, markup(card.buttons)
    try:
        if form == MARKUP:
            await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=keyboard)
            return []
        if form in (TEXT, ""):
            try:
                await bot.edit_message_text(card.text, chat_id, message_id,
                                            parse_mode=ParseMode.HTML, reply_markup=keyboard,
                                            link_preview_options=NO_PREVIEW)
                return [message_id]
            except BadRequest as exc:  # not recorded: a photo card answers "no text"
                if form or "no text" not in str(exc).lower():
                    raise
        caption = fit_caption(card.text, CAPTION_LIMIT)
        if caption:
            await bot.edit_message_caption(chat_id, message_id, caption=caption,
                                           parse_mode=ParseMode.HTML, reply_markup=keyboard)
        else:
            await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=keyboard)
    except BadRequest as exc:
        problem = str(exc).lower()
        if "not modified" in problem:
            return [] if form == MARKUP else [message_id]
        if any(word in problem for word in GONE):
            log.info("card %s in %s: no longer there to edit (%s)", message_id, chat_id, exc)
            return []
        raise
    return [message_id]


def _form_of(message: Message) -> str:
    return CAPTION if message.photo or message.document else TEXT


def sent_card(sent: list[Message], card: Card) -> dict[str, Any]:
    """For the outbox's record of a sent notice: the message that carries its words and
    buttons (the last one) and its form, so a later edit uses the call that fits it, and what
    it shows (for an edit, what the message shows now)."""
    if card.edit_message_id is not None:
        return {"shown": shown(card)}
    if not sent:
        return {}
    return {"card": {"message_id": sent[-1].message_id, "form": _form_of(sent[-1])},
            "shown": shown(card)}


async def keep_upload_ids(sessions: SessionFactory, card: Card, sent: list[Message]) -> None:
    """After a notice went out whole: the ids of its uploaded display copies, for next time.

    The photos went out in order (file ids, uploads, photo_bytes); a notice resumed after a
    retry has not seen every message, and then nothing is kept."""
    if not card.photo_uploads:
        return
    pictures = [m.photo[-1].file_id for m in sent if m.photo]
    first = len(card.photo_file_ids)
    expected = first + len(card.photo_uploads) + (card.photo_bytes is not None)
    if len(pictures) != expected:
        return
    ids = {u.photo_id: pictures[first + i] for i, u in enumerate(card.photo_uploads)}
    async with sessions() as session:
        await remember_sent_ids(session, ids)
        await session.commit()
