"""One notice: render it, claim it when its slot comes, send its steps (each on a paced slot),
record the outcome.

The claim and every outcome are written in their own short transactions right before the first
call and right after each answer, so a crash leaves `sending` only a notice that was on the wire
(it becomes `uncertain` at restart); one that was still being drawn or waiting stays pending.
An uncertain notice is settled by its kind's rule (bot/outbox/recover.py). Which renderer
draws which kind is given by the program (`renderers`, handlers/notices/table.py); the Card it
draws goes out through the channel's transport (bot.outbox.transport; Telegram's is
bot/telegram/transport.py), which tells its failures in the terms used here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.calls import backoff
from bot.outbox.deps import Deps
from bot.outbox.pacing import Pacer
from bot.outbox.record import recorded
from bot.outbox.redirect import gave_up_on, redirect_notice, refused
from bot.outbox.transport import (
    ChatMoved,
    FloodWait,
    Lost,
    Rejected,
    SendFailed,
    Transport,
    Unreachable,
)
from bot.runtime import instance_key
from models import Member, Outbox, OutboxState, utcnow
from services.i18n import Translator, translator
from services.members import BLOCKED, follow_migration
from services.notices.card import Card, Renderers, draw_pictures, render_row, renderer_for
from services.notices.kinds import envelope
from services.notices.rules import MAYBE_DUPLICATE, marked_as_repeat

log = logging.getLogger("bot.outbox")


@dataclass(frozen=True)
class Claimed:
    """A row as it was when this process claimed it (another sender may have sent part of it,
    or moved its chat, since it was rendered)."""

    attempts: int
    result: dict[str, Any]
    chat_id: str


# Marks a due, pending row `sending` for this process in the given transaction; None: not ours.
Claim = Callable[[AsyncSession, int], Awaitable[Claimed | None]]


@dataclass
class Job:
    """One pending row, rendered and ready to go out (no session attached)."""

    row_id: int
    chat_id: str
    recipient_id: int | None
    attempts: int
    rendered: Card
    done: int = 0
    message_ids: list[int] = field(default_factory=list)
    repeat_of: str | None = None  # a repeat after an uncertain send: why (kept when it is sent)

    def take_over(self, claimed: Claimed) -> None:
        """Continue from the row as claimed, not as it was read before rendering."""
        self.attempts, self.chat_id = claimed.attempts, claimed.chat_id
        self.done = int(claimed.result.get("done", 0))
        self.message_ids = list(claimed.result.get("message_ids", []))


async def prepare(deps: Deps, row_id: int, claim: Claim, renderers: Renderers) -> Job | bool:
    """Load and render in one short session, then draw the picture with it closed. Instead of a
    job: False when the row is not ours (no longer pending, or another sender claimed it), True
    when it was claimed and settled here (no renderer, a renderer that failed, nothing to send,
    a recipient who blocked the bot)."""
    async with deps.sessions() as session:
        row = await session.get(Outbox, row_id)
        if row is None or row.state != OutboxState.PENDING:
            return False
        member = await session.get(Member, row.recipient_id) if row.recipient_id else None
        kind = row.kind
        renderer = renderer_for(renderers, kind)
        problem: str | None = None
        rendered: Card | None = None
        marks = envelope(row.payload)
        if renderer is None:
            problem = f"no renderer registered for notice kind {row.kind!r}"
        elif member is not None and not member.active:
            if await claim(session, row_id) is None:
                return False
            await redirect_notice(session, row, member)
            await _settle(session, row_id, state=OutboxState.FAILED,
                          last_error="recipient is inactive (blocked the bot)")
            await session.commit()  # claimed, redirected and failed at once
            return True
        else:
            try:
                rendered = await render_row(renderers, session, row, member, deps.settings)
                if rendered is not None and marks.maybe_duplicate:
                    language = member.language if member else deps.settings.locale.default
                    rendered = _as_repeat(rendered, translator(language))
            except DBAPIError:  # the database, not the renderer: the sender puts the row off
                raise
            except Exception as exc:  # a renderer bug must not stop the other notices
                log.exception("outbox %s: renderer for %r failed", row_id, row.kind)
                problem = f"renderer failed: {exc!r}"
        progress = dict(row.result or {})
        chat_id, recipient_id, attempts = row.chat_id, row.recipient_id, row.attempts
        repeat_of = (f"sent again: {marks.uncertain or 'uncertain'}"
                     if marks.maybe_duplicate else None)
    if rendered is not None:  # its picture is drawn now, with the session closed
        try:
            rendered = await draw_pictures(rendered)
        except Exception as exc:
            log.exception("outbox %s: picture for %r failed", row_id, kind)
            problem = f"renderer failed: {exc!r}"
    if problem is not None or rendered is None:
        if await _claim_alone(deps, claim, row_id) is None:
            return False
        if problem is not None:
            if renderer is None:
                log.error("outbox %s: %s", row_id, problem)
            await finish(deps, row_id, state=OutboxState.FAILED, last_error=problem)
        else:
            await finish(
                deps, row_id, state=OutboxState.SENT, sent_at=utcnow(), result={"dropped": True}
            )
        return True
    return Job(
        row_id=row_id,
        chat_id=chat_id,
        recipient_id=recipient_id,
        attempts=attempts,
        rendered=rendered,
        done=int(progress.get("done", 0)),
        message_ids=list(progress.get("message_ids", [])),
        repeat_of=repeat_of,
    )


def _as_repeat(rendered: Card, t: Translator) -> Card:
    """A notice sent again after an uncertain send says so on top (an edit is not a copy)."""
    if rendered.edit_message_id is not None:
        return rendered
    return replace(rendered, text=marked_as_repeat(rendered.text, t))


async def _claim_alone(deps: Deps, claim: Claim, row_id: int) -> Claimed | None:
    """Claim in a transaction of its own. A commit cut off by a database restart may have gone
    through: before claiming again, look whether the row is already ours."""
    tried = False

    async def attempt() -> Claimed | None:
        nonlocal tried
        async with deps.sessions() as session:
            if tried:
                row = await session.get(Outbox, row_id)
                if row is not None and row.state == OutboxState.SENDING \
                        and row.claimed_by == instance_key():
                    return Claimed(row.attempts, dict(row.result or {}), row.chat_id)
            tried = True
            claimed = await claim(session, row_id)
            await session.commit()
        return claimed

    return await recorded(attempt, f"the claim of notice {row_id}")


async def deliver(
    transport: Transport, deps: Deps, pacer: Pacer, job: Job, claim: Claim,
    on_slot: Callable[[], None] | None = None, stopping: Callable[[], bool] = lambda: False,
    channel: str = "telegram",
) -> bool:
    """Claim the notice, send what is left of it, each call on a paced slot (`on_slot` is told
    when the first is taken), and record the outcome; False (nothing done) when it is not ours
    or not due any more. Once `stopping()`, no call starts: the notice goes back to pending,
    with what went out of it recorded."""
    # Claimed when its slot is due but before the slot is taken: a kill while it waited leaves
    # it pending, and a slow write does not bunch the messages that follow it.
    await pacer.until_ready(job.chat_id)
    if stopping():
        return False
    claimed = await _claim_alone(deps, claim, job.row_id)
    if claimed is None:
        return False
    job.take_over(claimed)
    log.debug("outbox %s: claimed (attempt %d), from step %d%s", job.row_id, job.attempts,
              job.done, " as a repeat" if job.repeat_of else "")
    sending = transport.sending(job.chat_id, job.rendered)
    calls = sending.steps
    try:
        for index, step in enumerate(calls[job.done :], start=job.done):
            await pacer.acquire(job.chat_id, on_slot)
            if stopping():
                raise _Stopped
            job.message_ids.extend(await step())
            job.done += 1
            log.debug("outbox %s: step %d went out, messages %s", job.row_id, index,
                      job.message_ids)
            if index + 1 < len(calls):  # more to come: a retry must skip what went out
                await finish(deps, job.row_id, job=job)
    except _Stopped:
        log.info("outbox %s: the bot is stopping; back to the queue", job.row_id)
        await finish(deps, job.row_id, job=job, state=OutboxState.PENDING,
                     attempts=Outbox.attempts - 1, next_attempt_at=utcnow())
        return False
    except FloodWait as exc:
        pacer.hold(exc.seconds)  # the channel's flood wait is for the whole bot
        deps.metrics.flood_waits.labels(channel).inc()
        log.warning("outbox %s: flood control, retry in %.0f s", job.row_id, exc.seconds)
        await finish(
            deps,
            job.row_id,
            job=job,
            state=OutboxState.PENDING,
            attempts=Outbox.attempts - 1,  # our pacing's miss, not the notice's
            next_attempt_at=utcnow() + timedelta(seconds=exc.seconds),
            last_error=str(exc),
        )
    except ChatMoved as exc:
        async with deps.sessions() as session:  # a group became a supergroup: follow it
            await follow_migration(session, job.chat_id, exc.new_chat_id)
            await session.commit()
        await finish(
            deps,
            job.row_id,
            job=job,
            state=OutboxState.PENDING,
            attempts=Outbox.attempts - 1,
            chat_id=exc.new_chat_id,
            last_error=str(exc),
        )
    except Unreachable as exc:
        log.info("outbox %s: recipient not reachable (%s): %s", job.row_id, exc.why, exc)
        await forbidden(deps, job, str(exc), why=exc.why)
    except Rejected as exc:
        log.error(
            "outbox %s: the channel refused the notice (a bug in its renderer): %s",
            job.row_id, exc,
        )
        await finish(
            deps, job.row_id, job=job, state=OutboxState.FAILED, last_error=f"bad request: {exc}"
        )
    except Lost as exc:
        log.warning("outbox %s: %s; it may have arrived: uncertain, settled by its kind",
                    job.row_id, exc)
        await finish(
            deps, job.row_id, job=job, state=OutboxState.UNCERTAIN,
            last_error=f"timed out: {exc}" if exc.timed_out else f"lost: {exc}",
        )
    except SendFailed as exc:
        await retry_or_fail(deps, job, str(exc))
    else:
        await finish(
            deps, job.row_id, job=job, state=OutboxState.SENT, sent_at=utcnow(),
            last_error=job.repeat_of,  # a repeat keeps why it was sent again
            result={"done": job.done, "message_ids": job.message_ids,
                    **({MAYBE_DUPLICATE: True} if job.repeat_of is not None else {}),
                    **sending.record()},
        )
        await sending.after(deps.sessions)  # e.g. the ids of uploaded display copies
    return True


class _Stopped(Exception):
    """The bot began to stop before the next call of a notice."""


async def forbidden(deps: Deps, job: Job, error: str, why: str = BLOCKED) -> None:
    """403 (or a chat that is gone): the member cannot be reached (fail the notice, mark them
    unreachable and hand their open cases over, queue the notice for their stand-ins), or the
    bot may no longer post in a bound group (unbind it, tell its managers); all in one
    transaction (bot.outbox.redirect)."""

    async def write() -> None:
        async with deps.sessions() as session:
            await refused(session, job.row_id, job.recipient_id, job.chat_id,
                          last_error=f"forbidden: {error}", why=why,
                          result={"done": job.done, "message_ids": job.message_ids})
            await session.commit()

    await recorded(write, f"the refusal of notice {job.row_id}")


async def retry_or_fail(deps: Deps, job: Job, error: str) -> None:
    """Back off and retry, or give up after max_attempts: then the notice goes to the member's
    stand-ins in the same transaction, so a case is not left with nobody told."""
    if job.attempts >= deps.settings.outbox.max_attempts:
        log.error("outbox %s: giving up after %d attempts: %s", job.row_id, job.attempts, error)

        async def write() -> None:
            async with deps.sessions() as session:
                await gave_up_on(session, job.row_id, job.recipient_id, last_error=error,
                                 result={"done": job.done, "message_ids": job.message_ids})
                await session.commit()

        await recorded(write, f"the failure of notice {job.row_id}")
        return
    log.warning("outbox %s: attempt %d failed, retrying: %s", job.row_id, job.attempts, error)
    await finish(
        deps,
        job.row_id,
        job=job,
        state=OutboxState.PENDING,
        next_attempt_at=utcnow() + backoff(job.attempts),
        last_error=error,
    )


async def finish(deps: Deps, row_id: int, *, job: Job | None = None, **values: Any) -> None:
    """Record an outcome in its own session (progress kept, so a retry skips what went out)."""
    if job is not None:
        values.setdefault("result", {"done": job.done, "message_ids": job.message_ids})

    async def write() -> None:
        async with deps.sessions() as session:
            await _settle(session, row_id, **values)
            await session.commit()

    await recorded(write, f"the outcome of notice {row_id}")


async def _settle(session: AsyncSession, row_id: int, **values: Any) -> None:
    await session.execute(
        update(Outbox)
        .where(Outbox.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
