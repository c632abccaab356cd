"""The outbox sender: every notice the bot sends on its own initiative leaves from here.

One pass (`drain_once`) claims a batch of due rows (committed as `sending` before any network
call), renders each in its recipient's language with the kind's renderer, sends it, and records
the outcome in a fresh session. A send that timed out may have arrived, so it becomes
`uncertain` and is never repeated blindly.
"""

from __future__ import annotations

import html
import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from telegram import Bot, InputMediaPhoto, Message
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
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning

from handlers.context import Deps
from handlers.group_notices import edit_card
from handlers.render import RENDERERS, Rendered
from models import Member, Outbox, OutboxState, utcnow
from models.db import is_sqlite
from services.groups import UnbindReason, follow_migration, group_lost
from services.members import set_active

log = logging.getLogger(__name__)

BATCH_SIZE = 30
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_MAX = timedelta(hours=1)
_TAG = re.compile(r"<[^>]+>")

Step = Callable[[], Awaitable[list[int]]]


@dataclass
class _Job:
    """One claimed row, rendered and ready to go out (no session attached)."""

    row_id: int
    chat_id: str
    recipient_id: int | None
    rendered: Rendered
    done: int = 0
    message_ids: list[int] = field(default_factory=list)


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int in PTB 22 and a timedelta with PTB_TIMEDELTA=1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... at most an hour."""
    delay: timedelta = BACKOFF_BASE * 2 ** min(max(attempts - 1, 0), 20)
    return min(delay, BACKOFF_MAX)


def visible_length(text: str) -> int:
    """Length as Telegram counts it: after HTML parsing, in UTF-16 code units."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def _bot_of(app_or_bot: Bot | Application[Any, Any, Any, Any, Any, Any]) -> Bot:
    return app_or_bot if isinstance(app_or_bot, Bot) else app_or_bot.bot


async def drain_once(
    app_or_bot: Bot | Application[Any, Any, Any, Any, Any, Any], deps: Deps
) -> int:
    """Send one batch of due notices, oldest first; returns how many rows were handled."""
    bot = _bot_of(app_or_bot)
    claimed = await _claim(deps)
    held: dict[str, datetime] = {}  # chats whose earlier notice waits: later ones wait behind it
    for index, row_id in enumerate(claimed):
        job = await _prepare(deps, row_id)
        if job is None:
            continue
        if job.chat_id in held:
            await _release(deps, [row_id], held[job.chat_id])
            continue
        flood_wait, retry_at = await _deliver(bot, deps, job)
        if flood_wait is not None:
            # Flood control: everything not yet sent waits as long as Telegram asked.
            until = utcnow() + timedelta(seconds=flood_wait)
            await _release(deps, claimed[index + 1 :], until)
            return index + 1
        if retry_at is not None:
            held[job.chat_id] = retry_at
    return len(claimed)


async def _claim(deps: Deps) -> list[int]:
    """Mark a batch `sending` and commit before any of it is sent; one claimer per row.

    One UPDATE ... RETURNING: on SQLite the write lock is taken at once (no stale read to
    upgrade), on PostgreSQL rows another sender holds are skipped.
    """
    due = (
        select(Outbox.id)
        .where(Outbox.state == OutboxState.PENDING, Outbox.next_attempt_at <= utcnow())
        .order_by(Outbox.id)
        .limit(BATCH_SIZE)
    )
    if not is_sqlite(deps.settings.database.url):
        due = due.with_for_update(skip_locked=True)
    async with deps.sessions() as session:
        claimed = await session.scalars(
            update(Outbox)
            .where(Outbox.id.in_(due.scalar_subquery()), Outbox.state == OutboxState.PENDING)
            .values(state=OutboxState.SENDING, attempts=Outbox.attempts + 1)
            .returning(Outbox.id)
            .execution_options(synchronize_session=False)
        )
        ids = sorted(claimed)
        await session.commit()
    return ids


async def _prepare(deps: Deps, row_id: int) -> _Job | None:
    """Load and render in one short session; None when the row was settled here instead."""
    async with deps.sessions() as session:
        row = await session.get(Outbox, row_id)
        if row is None:
            return None
        member = await session.get(Member, row.recipient_id) if row.recipient_id else None
        renderer = RENDERERS.get(row.kind)
        problem: str | None = None
        rendered: Rendered | None = None
        if renderer is None:
            problem = f"no renderer registered for notice kind {row.kind!r}"
        elif member is not None and not member.active:
            problem = "recipient is inactive (blocked the bot)"
        else:
            try:
                rendered = await renderer(session, row, member, deps.settings)
            except Exception as exc:  # a renderer bug must not stop the other notices
                log.exception("outbox %s: renderer for %r failed", row_id, row.kind)
                problem = f"renderer failed: {exc!r}"
        progress = dict(row.result or {})
        chat_id, recipient_id = row.chat_id, row.recipient_id
    if problem is not None:
        if renderer is None:
            log.error("outbox %s: %s", row_id, problem)
        await _finish(deps, row_id, state=OutboxState.FAILED, last_error=problem)
        return None
    if rendered is None:
        await _finish(
            deps, row_id, state=OutboxState.SENT, sent_at=utcnow(), result={"dropped": True}
        )
        return None
    return _Job(
        row_id=row_id,
        chat_id=chat_id,
        recipient_id=recipient_id,
        rendered=rendered,
        done=int(progress.get("done", 0)),
        message_ids=list(progress.get("message_ids", [])),
    )


def _steps(bot: Bot, chat_id: str, rendered: Rendered) -> list[Step]:
    """The calls one notice takes: photos (an album, or one photo carrying the text as its
    caption when it fits), then the text with its buttons."""
    if rendered.edit_message_id is not None:  # a group's case card brought up to date
        return [lambda: edit_card(bot, chat_id, rendered)]
    photos: list[str | bytes] = [*rendered.photo_file_ids]
    if rendered.photo_bytes is not None:
        photos.append(rendered.photo_bytes)
    text, keyboard = rendered.text, rendered.keyboard

    def photo_step(photo: str | bytes, with_text: bool = False) -> Step:
        if with_text:
            return lambda: _ids(
                bot.send_photo(
                    chat_id, photo, caption=text, parse_mode=ParseMode.HTML, reply_markup=keyboard
                )
            )
        return lambda: _ids(bot.send_photo(chat_id, photo))

    def album_step(chunk: list[str | bytes]) -> Step:
        return lambda: _album(bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in chunk]))

    if len(photos) == 1 and text and visible_length(text) <= MessageLimit.CAPTION_LENGTH:
        return [photo_step(photos[0], with_text=True)]
    steps: list[Step] = []
    size = int(MediaGroupLimit.MAX_MEDIA_LENGTH)
    for start in range(0, len(photos), size):
        chunk = photos[start : start + size]
        steps.append(photo_step(chunk[0]) if len(chunk) == 1 else album_step(chunk))
    if text:
        steps.append(
            lambda: _ids(
                bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
            )
        )
    return steps


async def _ids(call: Awaitable[Message]) -> list[int]:
    return [(await call).message_id]


async def _album(call: Awaitable[tuple[Message, ...]]) -> list[int]:
    return [message.message_id for message in await call]


async def _deliver(bot: Bot, deps: Deps, job: _Job) -> tuple[float | None, datetime | None]:
    """Send what is left of one notice and record the outcome.

    Returns (flood wait in seconds, when this notice is retried), either None.
    """
    steps = _steps(bot, job.chat_id, job.rendered)
    now = utcnow()
    try:
        for step in steps[job.done :]:
            job.message_ids.extend(await step())
            job.done += 1
    except RetryAfter as exc:
        wait = retry_seconds(exc)
        log.warning("outbox %s: flood control, retry in %.0f s", job.row_id, wait)
        await _finish(
            deps,
            job.row_id,
            job=job,
            state=OutboxState.PENDING,
            next_attempt_at=now + timedelta(seconds=wait),
            last_error=str(exc),
        )
        return wait, None
    except TimedOut as exc:
        log.warning("outbox %s: timed out; it may have arrived, not resending", job.row_id)
        await _finish(
            deps, job.row_id, job=job, state=OutboxState.UNCERTAIN, last_error=f"timed out: {exc}"
        )
    except BadRequest as exc:
        log.error(
            "outbox %s: Telegram refused the notice (a bug in its renderer): %s", job.row_id, exc
        )
        await _finish(
            deps, job.row_id, job=job, state=OutboxState.FAILED, last_error=f"bad request: {exc}"
        )
    except Forbidden as exc:
        log.info("outbox %s: recipient blocked the bot: %s", job.row_id, exc)
        await _finish(
            deps,
            job.row_id,
            job=job,
            state=OutboxState.FAILED,
            last_error=f"forbidden: {exc}",
            deactivate=True,
        )
    except ChatMigrated as exc:
        await _follow_migration(deps, job.chat_id, exc.new_chat_id)
        await _finish(
            deps,
            job.row_id,
            job=job,
            state=OutboxState.PENDING,
            chat_id=str(exc.new_chat_id),
            last_error=str(exc),
        )
    except (NetworkError, TelegramError) as exc:
        return None, await _retry_or_fail(deps, job, str(exc))
    else:
        await _finish(
            deps, job.row_id, job=job, state=OutboxState.SENT, sent_at=now, last_error=None
        )
    return None, None


async def _retry_or_fail(deps: Deps, job: _Job, error: str) -> datetime | None:
    """Back off and retry, or give up after max_attempts; when it will be retried, if it will."""
    async with deps.sessions() as session:
        attempts = await session.scalar(select(Outbox.attempts).where(Outbox.id == job.row_id))
    attempts = attempts or 0
    if attempts >= deps.settings.outbox.max_attempts:
        log.error("outbox %s: giving up after %d attempts: %s", job.row_id, attempts, error)
        await _finish(deps, job.row_id, job=job, state=OutboxState.FAILED, last_error=error)
        return None
    log.warning("outbox %s: attempt %d failed, retrying: %s", job.row_id, attempts, error)
    retry_at = utcnow() + backoff(attempts)
    await _finish(
        deps,
        job.row_id,
        job=job,
        state=OutboxState.PENDING,
        next_attempt_at=retry_at,
        last_error=error,
    )
    return retry_at


async def _finish(
    deps: Deps,
    row_id: int,
    *,
    job: _Job | None = None,
    deactivate: bool = False,
    **values: Any,
) -> None:
    """Record an outcome in its own session (progress kept, so a retry skips what went out)."""
    if job is not None:
        values.setdefault("result", {"done": job.done, "message_ids": job.message_ids})
    async with deps.sessions() as session:
        await session.execute(
            update(Outbox)
            .where(Outbox.id == row_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if deactivate and job is not None and job.recipient_id is not None:
            await set_active(session, job.recipient_id, False)
        elif deactivate and job is not None:  # a bound group: unbind, tell its managers
            await group_lost(session, job.chat_id, UnbindReason.FORBIDDEN)
        await session.commit()


async def _follow_migration(deps: Deps, old: str, new: int) -> None:
    """A group became a supergroup: its binding and waiting notices move to the new id."""
    async with deps.sessions() as session:
        await follow_migration(session, old, new)
        await session.commit()


async def _release(deps: Deps, row_ids: list[int], until: datetime) -> None:
    """Put claimed but unsent rows back (the claim's attempt not counted), due at `until`."""
    if not row_ids:
        return
    async with deps.sessions() as session:
        await session.execute(
            update(Outbox)
            .where(Outbox.id.in_(row_ids), Outbox.state == OutboxState.SENDING)
            .values(
                state=OutboxState.PENDING,
                attempts=Outbox.attempts - 1,
                next_attempt_at=until,
            )
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def recover_interrupted(deps: Deps) -> int:
    """At start: rows left `sending` by a crash may have gone out, so they become uncertain.

    Assumes one sender process (the production issue adds a lease for several).
    """
    async with deps.sessions() as session:
        result: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
            update(Outbox)
            .where(Outbox.state == OutboxState.SENDING)
            .values(state=OutboxState.UNCERTAIN, last_error="interrupted while sending")
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    return int(result.rowcount)
