"""Nobody left unheard: every update is stored before the platform is told it arrived.

PTB's Updater acknowledges fetched updates with the next getUpdates offset, and its webhook
answers 200, before the update is handled; a process killed in between lost the press. Here the
update queue itself stores each update (`InboxQueue.put`, awaited by both before they
acknowledge), `InboxApplication` marks it done once handled, and rows whose process died are
taken over at start and by the lease holder's sweep. Handling is at least once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application

from bot.runtime.lease import Lease, holds_lease, instance_key, lease_of
from bot.telegram.context import Ctx, GridApp
from models import Inbox as Row
from models import InboxState, utcnow
from models.db import SessionFactory

log = logging.getLogger(__name__)

FORGET_AFTER = timedelta(days=1)  # handled rows kept this long; Telegram keeps updates a day
INBOX_SWEEP_JOB = "inbox-sweep"
SWEEP_SECONDS = 30.0
INBOX_SWEEP_GRACE_SECONDS = 60


def channel_of(token: str) -> str:
    """The inbox key of a Telegram bot: its id, the token's first part (never the secret)."""
    return f"telegram:{token.split(':', 1)[0]}"


class InboxStore:
    """The `inbox` table as this process uses it: store, mark done, take over, forget."""

    def __init__(self, sessions: SessionFactory, channel: str, lease: Lease | None) -> None:
        self.sessions = sessions
        self.channel = channel
        self.lease = lease
        self.in_hand: set[int] = set()  # update ids stored or taken over here, not yet done

    @property
    def instance(self) -> int:
        return self.lease.instance if self.lease is not None else instance_key()

    async def live(self) -> set[int]:
        return await self.lease.live_instances() if self.lease is not None else {self.instance}

    async def store(self, update: Update) -> bool:
        """Write the update down; False when it needs no handling here (a re-delivery of one
        handled, in hand, or in a live process's hands). Raises NetworkError when the database
        fails, so PTB's poller retries without acknowledging and the webhook answers 500."""
        try:
            fresh = await self._insert(update)
            if not fresh:
                fresh = await self._take_over_one(update.update_id)
        except SQLAlchemyError as exc:
            raise NetworkError(f"inbox: could not store update {update.update_id}: {exc}") from exc
        if fresh:
            self.in_hand.add(update.update_id)
        return fresh

    async def _insert(self, update: Update) -> bool:
        async with self.sessions() as session:
            session.add(Row(channel=self.channel, update_id=update.update_id,
                              payload=update.to_dict(), claimed_by=self.instance))
            try:
                await session.commit()
            except IntegrityError:
                return False
        return True

    async def _take_over_one(self, update_id: int) -> bool:
        """A re-delivered update: ours to handle only if it is pending with a dead process."""
        async with self.sessions() as session:
            row = (await session.execute(
                select(Row.state, Row.claimed_by).where(
                    Row.channel == self.channel, Row.update_id == update_id))).one_or_none()
        if row is None or row.state != InboxState.PENDING or row.claimed_by == self.instance:
            return False
        if row.claimed_by in await self.live():
            return False
        claimed = await self._claim(
            (Row.update_id == update_id) & (Row.claimed_by == row.claimed_by))
        return bool(claimed)

    async def done(self, update: object) -> None:
        """Handled: the row is done (a failure only means it may be handled again)."""
        if not isinstance(update, Update) or update.update_id not in self.in_hand:
            return
        self.in_hand.discard(update.update_id)
        try:
            async with self.sessions() as session:
                await session.execute(
                    sql_update(Row)
                    .where(Row.channel == self.channel, Row.update_id == update.update_id)
                    .values(state=InboxState.DONE, handled_at=utcnow())
                    .execution_options(synchronize_session=False))
                await session.commit()
        except SQLAlchemyError:
            log.warning("inbox: could not mark update %d handled; it may be handled again",
                        update.update_id, exc_info=True)

    async def take_over(self, *, at_start: bool, now: datetime | None = None) -> list[int]:
        """Claim the pending rows of processes that are gone (at start and alone: every
        pending row not ours); the update ids, oldest first, now in this process's hands."""
        now = now or utcnow()
        live = await self.live()
        others = Row.claimed_by.is_not(None) & Row.claimed_by.not_in(live)
        condition: ColumnElement[bool] = others
        if at_start and live == {self.instance}:
            condition = or_(others, Row.claimed_by.is_(None))
        condition = condition & (Row.received_at > now - FORGET_AFTER)
        return await self._claim(condition)

    async def _claim(self, condition: ColumnElement[bool]) -> list[int]:
        async with self.sessions() as session:
            ids = list(await session.scalars(
                sql_update(Row)
                .where(Row.channel == self.channel, Row.state == InboxState.PENDING,
                       condition)
                .values(claimed_by=self.instance)
                .returning(Row.update_id)
                .execution_options(synchronize_session=False)))
            await session.commit()
        return sorted(ids)

    async def payloads(self, update_ids: list[int]) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(Row.payload).where(Row.channel == self.channel,
                                            Row.update_id.in_(update_ids))
                .order_by(Row.update_id))
            return list(rows)

    async def forget(self, now: datetime | None = None) -> int:
        """Drop what is older than a day: handled rows, and any row nobody could handle."""
        cutoff = (now or utcnow()) - FORGET_AFTER
        async with self.sessions() as session:
            result: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
                delete(Row).where(or_(
                    (Row.state == InboxState.DONE) & (Row.handled_at < cutoff),
                    (Row.state == InboxState.PENDING) & (Row.received_at < cutoff))))
            await session.commit()
        return int(result.rowcount)


class InboxQueue(asyncio.Queue[object]):
    """The update queue of the Application and its Updater: `put` stores an update first.

    Both the poller (before it moves the offset past an update) and the webhook (before it
    answers 200) await `put`, so an update is in the database before it is acknowledged.
    """

    def __init__(self) -> None:
        super().__init__()
        self.inbox: InboxStore | None = None

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.inbox is not None \
                and not await self.inbox.store(item):
            return
        await super().put(item)

    def put_taken(self, item: object) -> None:
        """Queue an update taken over from the inbox (it is stored already)."""
        self.put_nowait(item)


class InboxApplication(Application):  # type: ignore[type-arg]
    """PTB's Application, marking each stored update done once its handlers have run."""

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        except Exception:
            await _done(self, update)
            raise
        await _done(self, update)


async def _done(app: Application[Any, Any, Any, Any, Any, Any], update: object) -> None:
    queue = app.update_queue
    if isinstance(queue, InboxQueue) and queue.inbox is not None:
        await queue.inbox.done(update)


def attach_inbox(app: GridApp, sessions: SessionFactory, token: str) -> None:
    """Give the app's queue its inbox and register the sweep; the queue must be an InboxQueue."""
    queue = app.update_queue
    if not isinstance(queue, InboxQueue):
        raise TypeError("build the application with .update_queue(InboxQueue())")
    queue.inbox = InboxStore(sessions, channel_of(token), lease_of(app.bot_data))
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            inbox_sweep_job, interval=SWEEP_SECONDS, first=SWEEP_SECONDS, name=INBOX_SWEEP_JOB,
            job_kwargs={"misfire_grace_time": INBOX_SWEEP_GRACE_SECONDS, "coalesce": True})


async def recover_inbox(app: Application[Any, Any, Any, Any, Any, Any], *, at_start: bool) -> int:
    """Queue the updates a dead process stored but did not handle; how many."""
    queue = app.update_queue
    if not isinstance(queue, InboxQueue) or queue.inbox is None:
        return 0
    inbox = queue.inbox
    taken = await inbox.take_over(at_start=at_start)
    if not taken:
        return 0
    for payload in await inbox.payloads(taken):
        update = Update.de_json(payload, app.bot)
        inbox.in_hand.add(update.update_id)
        queue.put_taken(update)
    log.warning("inbox: %d updates stored but never handled (their process stopped) are "
                "handled now", len(taken))
    return len(taken)


async def inbox_sweep_job(ctx: Ctx) -> None:
    """The lease holder takes over dead processes' updates and forgets old handled ones."""
    if not await holds_lease(ctx.bot_data):
        return
    await recover_inbox(ctx.application, at_start=False)
    queue = ctx.application.update_queue
    if isinstance(queue, InboxQueue) and queue.inbox is not None:
        forgotten = await queue.inbox.forget()
        if forgotten:
            log.info("inbox: %d updates older than a day forgotten", forgotten)
