"""A Telegram update as the conversations see it (handlers.chat.Inbound): cheap and without the
network, so a handler's check can call it; the picture is fetched only when asked."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from telegram import MaybeInaccessibleMessage, Message, Update

from handlers.chat import Inbound, Located, Picture, Pressed, Who

CHANNEL = "telegram"
_OTHER = ("sticker", "voice", "audio", "video", "video_note", "animation")


def who_of(update: Update) -> Who | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    return Who(CHANNEL, str(user.id), str(chat.id), private=chat.type == "private",
               name=user.full_name or user.username or str(user.id),
               language_code=user.language_code)


def _picture(message: Message) -> Picture | None:
    if message.photo:
        largest = message.photo[-1]
        return Picture(largest.file_id, largest.file_unique_id, largest.file_size,
                       resend=largest.file_id)
    if message.document is not None:
        doc = message.document
        return Picture(doc.file_id, doc.file_unique_id, doc.file_size)  # a file keeps its EXIF
    return None


def pressed_of(message: MaybeInaccessibleMessage | None) -> Pressed | None:
    """The message a button was on, as far as Telegram still shows it."""
    if message is None:
        return None
    if not isinstance(message, Message):  # too old: Telegram gives only its id
        return Pressed(str(message.message_id))
    keyboard = message.reply_markup.inline_keyboard if message.reply_markup else ()
    data = tuple(str(b.callback_data) for row in keyboard for b in row if b.callback_data)
    return Pressed(str(message.message_id), with_media=bool(message.photo or message.document),
                   buttons=data)


def _other(message: Message) -> str | None:
    for kind in _OTHER:
        if getattr(message, kind, None):
            return kind
    return None


def located_of(message: Message, *, moved: bool = False) -> Located | None:
    """The rest of a message's location: its time (the edit's, for a live location that moved),
    live period, accuracy and heading."""
    location = message.location
    if location is None:
        return None
    at = (message.edit_date if moved else None) or message.date
    period = location.live_period
    return Located(at, str(message.message_id),
                   live_period=(int(period.total_seconds()) if hasattr(period, "total_seconds")
                                else int(period)) if period is not None else (0 if moved else None),
                   accuracy_m=location.horizontal_accuracy, heading=location.heading,
                   moved=moved)


def moved_of(update: Update, memo: MutableMapping[str, Any] | None = None) -> Inbound | None:
    """An edited message that moves (or stops) a live location, or None for any other edit."""
    who, message = who_of(update), update.edited_message
    if who is None or message is None or message.location is None:
        return None
    location = message.location
    return Inbound(who, location=(location.latitude, location.longitude),
                   located=located_of(message, moved=True),
                   memo=memo if memo is not None else {})


def inbound_of(update: Update, memo: MutableMapping[str, Any] | None = None) -> Inbound | None:
    """The person's message or press, or None for anything else (a status change, a channel
    post, an edit)."""
    who = who_of(update)
    if who is None:
        return None
    memo = memo if memo is not None else {}

    async def fetch(file_id: str) -> bytes:
        tg_file = await update.get_bot().get_file(file_id)
        return bytes(await tg_file.download_as_bytearray())

    query = update.callback_query
    if query is not None:
        return Inbound(who, press=query.data or "", pressed=pressed_of(query.message),
                       fetch=fetch, memo=memo)
    message = update.message
    if message is None:
        return None
    location = message.location
    return Inbound(
        who,
        text=message.text or "",
        caption=message.caption or "",
        picture=_picture(message),
        location=(location.latitude, location.longitude) if location is not None else None,
        located=located_of(message),
        forwarded=message.forward_origin is not None,
        album=message.media_group_id,
        other=_other(message),
        fetch=fetch,
        memo=memo,
    )
