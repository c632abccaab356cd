"""Nobody left unheard on Telegram: every update is stored (`bot.runtime.inbox`) before
Telegram is told it arrived.

PTB's Updater acknowledges fetched updates with the next getUpdates offset, and its webhook
answers 200, before the update is handled; a process killed in between lost the press. Here the
update queue itself stores each update (`InboxQueue.put`, awaited by both before they
acknowledge), `InboxApplication` marks it done once handled, and rows whose process died are
taken over at start and by the lease holder's sweep. Handling is at least once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application

from bot.runtime.inbox import InboxStore, InboxUnavailable
from bot.runtime.lease import holds_lease, lease_of
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import CHANNEL
from models.db import SessionFactory
from services.metrics import message_step, press_step

log = logging.getLogger(__name__)

INBOX_SWEEP_JOB = "inbox-sweep"
SWEEP_SECONDS = 30.0
INBOX_SWEEP_GRACE_SECONDS = 60


def channel_of(token: str) -> str:
    """The inbox key of a Telegram bot: its id, the token's first part (never the secret)."""
    return f"telegram:{token.split(':', 1)[0]}"


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
                and not await self._store(self.inbox, item):
            return
        await super().put(item)

    @staticmethod
    async def _store(inbox: InboxStore, update: Update) -> bool:
        """Raises NetworkError when the database fails, so PTB's poller retries without
        acknowledging and the webhook answers 500."""
        try:
            return await inbox.store(update.update_id, update.to_dict())
        except InboxUnavailable as exc:
            raise NetworkError(str(exc)) from exc

    def put_taken(self, item: object) -> None:
        """Queue an update taken over from the inbox (it is stored already)."""
        self.put_nowait(item)


class InboxApplication(Application):  # type: ignore[type-arg]
    """PTB's Application, marking each stored update done once its handlers have run."""

    async def process_update(self, update: object) -> None:
        began = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            await _done(self, update)
            deps = self.bot_data.get("deps")
            if deps is not None and isinstance(update, Update):
                deps.metrics.handled(CHANNEL, step_of(update), time.perf_counter() - began)


def step_of(update: Update) -> str:
    """What /metrics times this update as: a button by its kind, a command by its name, a
    message by what it carries."""
    if update.callback_query is not None:
        return press_step(update.callback_query.data or "")
    message = update.message
    if message is None:
        return "edited" if update.edited_message is not None else "other"
    for kind in ("photo", "document", "location", "venue", "voice", "video", "sticker"):
        if getattr(message, kind):
            return kind
    return message_step("text", message.text or "") if message.text else "other"


async def _done(app: Application[Any, Any, Any, Any, Any, Any], update: object) -> None:
    queue = app.update_queue
    if isinstance(queue, InboxQueue) and queue.inbox is not None and isinstance(update, Update):
        await queue.inbox.done(update.update_id)


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
