"""The sender's pure helpers: the calls one notice takes, how Telegram counts its length, which
network failures may have been delivered, and how long to wait before trying again."""

from __future__ import annotations

import html
import random
import re
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from telegram import Bot, InputMediaPhoto, Message
from telegram.constants import MediaGroupLimit, MessageLimit, ParseMode
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from handlers.card_refresh import edit_card
from handlers.render import Rendered

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_MAX = timedelta(hours=1)
JITTER = 0.25  # up to a quarter more, so retries of a burst do not come back as a burst
_TAG = re.compile(r"<[^>]+>")
# Failures that happen before the request leaves this machine: safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

Step = Callable[[], Awaitable[list[int]]]


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int in PTB 22 and a timedelta with PTB_TIMEDELTA=1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... at most an hour, each up to a quarter longer at random."""
    delay: timedelta = BACKOFF_BASE * 2 ** min(max(attempts - 1, 0), 20)
    return min(delay, BACKOFF_MAX) * (1 + random.random() * JITTER)


def visible_length(text: str) -> int:
    """Length as Telegram counts it: after HTML parsing, in UTF-16 code units."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def maybe_delivered(exc: NetworkError) -> bool:
    """A timeout or a dropped connection after the request went out may have been delivered;
    a refused connection, a pool timeout or an HTTP 5xx answer was not."""
    cause: BaseException | None = exc.__cause__
    if isinstance(cause, _NOT_SENT):
        return False
    if isinstance(exc, TimedOut):
        return True
    return cause is not None  # PTB raises NetworkError without a cause for 5xx answers


def steps(
    bot: Bot, chat_id: str, rendered: Rendered, sent: list[Message] | None = None
) -> list[Step]:
    """The calls one notice takes: photos (an album, or one photo carrying the text as its
    caption when it fits), then the text with its buttons. Each call is one paced message;
    the messages sent are added to `sent`."""
    assert rendered.picture is None and not rendered.upload_jobs, "draw_pictures first"
    if rendered.edit_message_id is not None:  # a posted card brought up to date
        return [lambda: edit_card(bot, chat_id, rendered)]
    photos: list[str | bytes] = [*rendered.photo_file_ids,
                                 *(upload.data for upload in rendered.photo_uploads)]
    if rendered.photo_bytes is not None:
        photos.append(rendered.photo_bytes)
    text, keyboard = rendered.text, rendered.keyboard

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

    if len(photos) == 1 and text and visible_length(text) <= MessageLimit.CAPTION_LENGTH:
        return [photo_step(photos[0], with_text=True)]
    result: list[Step] = []
    size = int(MediaGroupLimit.MAX_MEDIA_LENGTH)
    for start in range(0, len(photos), size):
        chunk = photos[start : start + size]
        result.append(photo_step(chunk[0]) if len(chunk) == 1 else album_step(chunk))
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


