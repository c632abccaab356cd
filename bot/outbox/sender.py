"""The outbox sender: every notice the bot sends on its own initiative leaves from here.

A drain runs in rounds. Each round asks the database for the oldest due notice of every chat
(a chat's later notices wait until the one before is settled, so a chat keeps its order), keeps
those whose chat is free now by our own pacing (bot/outbox/pacing.py), and sends them concurrently
across chats. Each notice is claimed (committed as `sending`, one claimer per row, so several
senders share the work) only when its paced slot has come, just before its first network call:
a crash can leave `sending` only what was on the wire. A send that may have arrived but was not
confirmed becomes `uncertain`; every drain settles those by their kind's rule (taken as sent,
done again, or sent once more marked as a repeat: bot/outbox/recover.py).

The program gives the sender its renderers (handlers/notices/table.py, through the wiring in
bot/telegram/app.py) and the channel's transport (bot.outbox.transport; Telegram's and the
outbox job are in bot/telegram/); nothing here imports the handlers or a chat library.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.outbox.calls import backoff
from bot.outbox.deliver import Claimed, Job, deliver, prepare
from bot.outbox.deps import Deps
from bot.outbox.pacing import Clock, Pacer, Sleep
from bot.outbox.recover import recover_stale, settle_uncertain
from bot.outbox.transport import Transport
from bot.runtime import Lease, instance_key
from models import Outbox, OutboxState, utcnow
from services.notices.card import Renderers
from services.settings import OutboxSettings

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 64  # notices being sent at once (different chats; one per chat)
CANDIDATES = 500  # heads of chats looked at per round
HORIZON = 0.25  # claim what the global bound lets go within this many seconds
TICK = 0.02  # shortest pause between rounds
SHARE_EVERY = 0.5  # seconds between counts of the live sender processes
RELEASE_AFTER = 5.0  # a claimed notice that would wait longer than this goes back to pending
# Of schedule.outbox_interval: one run of the outbox job claims for this long, then waits for
# its sends until SETTLE_SHARE, so it ends before the next run is due (a run still going makes
# the scheduler skip the next one: a gap in sending). Later sends finish in the background.
STOP_WITHIN = 20.0  # seconds a graceful stop waits for the sends on the wire (systemd: 30)
BUDGET_SHARE = 0.8
SETTLE_SHARE = 0.95
HARD_CAP = 3.0  # times the budget: a run ends then even if more is ready
_IN_FLIGHT = (OutboxState.PENDING, OutboxState.SENDING)


class Sender:
    """One process's sender: its pacer remembers every chat across drains."""

    def __init__(
        self,
        transport: Transport,
        deps: Deps,
        renderers: Renderers,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        real_time: bool = True,
        max_in_flight: int = MAX_IN_FLIGHT,
        platform: str = "telegram",
        pacing: OutboxSettings | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.transport = transport
        self.platform = platform  # the rows this sender sends: its channel's, through its transport
        self.deps = deps
        self.renderers = renderers
        self.clock = clock
        self.sleep = sleep
        self.real_time = real_time  # False: a fake clock; wait for sends, never for time
        self.max_in_flight = max_in_flight
        # The channel's own limits where they differ from the configured (Telegram's) ones.
        # `pacer`: one the channel's direct replies share, so the two together keep the bound.
        self.pacer = pacer or Pacer(pacing or deps.settings.outbox, clock, sleep)
        self.handled = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_hand: set[int] = set()  # rows a task of ours is preparing or sending
        self._unreserved: set[int] = set()  # ... of which no slot is taken yet
        self._all_started = False  # the last round started every due chat's notice
        self._running: Callable[[], bool] | None = None
        self.lease: Lease | None = None  # several processes: each paces its share
        self._shared_at = float("-inf")
        self._closing = False  # close() was called: start nothing more
        self._watching = False  # the application was seen running: its stop stops us too

    @property
    def stopping(self) -> bool:
        """The application began to stop (PTB's stop marks it not running first, then waits
        for the jobs), or close() was called: no new send starts, none is claimed."""
        if self._closing:
            return True
        return self._watching and (self._running is None or not self._running())

    def watch(self, running: Callable[[], bool]) -> None:
        """Stop starting sends once the application stops (`running()` false, once it has been
        seen true)."""
        self._running = running
        self._watching = self._watching or running()

    async def close(self, within: float = STOP_WITHIN) -> None:
        """At a graceful stop: start nothing more, let the sends on the wire finish (for at
        most `within` seconds; those claimed and not yet on the wire go back to pending as
        they reach their next call), then cancel what is left (it may stay `sending`, and is
        settled as uncertain at the next start)."""
        self._closing = True
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=within)
        for task in set(self._tasks):
            task.cancel()
        if self._tasks:
            log.warning("outbox: %d sends did not finish within %.0f s of the stop",
                        len(self._tasks), within)
            await asyncio.gather(*set(self._tasks), return_exceptions=True)

    async def one_run(self) -> int:
        """One run of the outbox job: send for most of the job's interval, or until nothing
        due can go; over before the next run is due. Returns how many notices were settled."""
        interval = self.deps.settings.schedule.outbox_interval.total_seconds()
        return await self.drain(interval * BUDGET_SHARE, interval * SETTLE_SHARE)

    async def drain(self, budget: float | None = None, settle_within: float | None = None) -> int:
        """Send until nothing due can go, or `budget` seconds (of `clock`) have passed; then
        wait for the sends in flight, for at most `settle_within` seconds from the start (the
        rest finish in the background). Returns how many notices were settled meanwhile."""
        start, before = self.clock(), self.handled
        await recover_stale(self.deps)
        await settle_uncertain(self.deps)
        try:
            while not self.stopping:
                await self._share_global_bound()
                wake = await self.round()
                if wake is None and not self._tasks:
                    break
                if budget is not None and self._out_of_time(start, budget, wake, settle_within):
                    break
                await self._pause(wake)
        finally:
            await self.settle(None if settle_within is None else start + settle_within)
        self.pacer.forget_idle()
        return self.handled - before

    def _out_of_time(
        self, start: float, budget: float, wake: float | None, limit: float | None
    ) -> bool:
        """Past the budget, stop rather than wait, unless what is left is small and ready (every
        due chat's notice started, the rest only behind sends in flight): a slow machine must not
        leave a chat's next notice for the next run. A backlog stops at the budget."""
        now = self.clock()
        if now - start > min(budget * HARD_CAP, limit if limit is not None else float("inf")):
            return True
        if self._all_started:
            return False
        return (wake if wake is not None else now) - start > budget

    async def round(self) -> float | None:
        """Start sending the oldest due notices of the chats that are free now; when to look
        again (None: nothing is due)."""
        heads = [] if self.stopping else await _heads(self.deps, self.platform)
        self._all_started = not heads
        if not heads:
            return None
        # the slots ahead are for the tasks already started too, until they take theirs
        room = max(0, min(self.max_in_flight - len(self._tasks),
                          self.pacer.slots_within(HORIZON) - len(self._unreserved)))
        heads = [(r, c) for r, c in heads if r not in self._in_hand]
        chosen = [row_id for row_id, chat_id in heads if self.pacer.chat_free(chat_id)][:room]
        picked = set(chosen)
        waiting = [self.pacer.chat_ready_at(c) for r, c in heads if r not in picked]
        self._all_started = not waiting
        for row_id in chosen:
            self._in_hand.add(row_id)
            self._unreserved.add(row_id)
            task = asyncio.create_task(self._send(row_id), name=f"outbox-{row_id}")
            self._tasks.add(task)  # ours: close() awaits them at a graceful stop
            task.add_done_callback(self._tasks.discard)
        if not waiting:
            return self.clock() if chosen else None
        return max(min(waiting), self.pacer.global_ready_at())

    async def _share_global_bound(self) -> None:
        """With several bot processes on one database (bot.runtime.lease), each paces an even share
        of the global bound, so together they keep it; recounted every SHARE_EVERY seconds."""
        if self.lease is None or self.clock() - self._shared_at < SHARE_EVERY:
            return
        self._shared_at = self.clock()
        try:
            senders = len(await self.lease.live_instances())
        except Exception:  # the lease's connection is down: keep the last share
            log.debug("outbox: could not count the live senders", exc_info=True)
            return
        self.pacer.share(senders)

    async def _pause(self, wake: float | None) -> None:
        """Until `wake`, or until a send in flight finishes (its chat may have more)."""
        now = self.clock()
        if self._tasks:
            timeout = None if wake is None or not self.real_time else max(wake - now, TICK)
            await asyncio.wait(set(self._tasks), timeout=timeout,
                               return_when=asyncio.FIRST_COMPLETED)
            return
        await self.sleep(max((wake or now) - now, TICK))

    async def settle(self, until: float | None = None) -> None:
        """Wait for the sends in flight (with a real clock, until `until` at the latest)."""
        while self._tasks:
            if until is None or not self.real_time:
                await asyncio.gather(*set(self._tasks), return_exceptions=True)
                continue
            left = until - self.clock()
            if left <= 0:
                return
            await asyncio.wait(set(self._tasks), timeout=left)

    async def _send(self, row_id: int) -> None:
        try:
            job = await prepare(self.deps, row_id, claim_row, self.renderers)
            settled = job if isinstance(job, bool) else False  # False: another sender has it
            if isinstance(job, Job):
                wait = max(self.pacer.chat_ready_at(job.chat_id), self.pacer.global_ready_at())
                if wait - self.clock() > RELEASE_AFTER:
                    await _defer(self.deps, row_id, wait - self.clock())
                    return
                settled = await deliver(self.transport, self.deps, self.pacer, job, claim_row,
                                        on_slot=lambda: self._unreserved.discard(row_id),
                                        stopping=lambda: self.stopping, channel=self.platform)
            if settled:
                self.handled += 1
        except Exception as exc:  # a bug here must not stop the other notices
            log.exception("outbox %s: unexpected failure while sending", row_id)
            await _put_off(self.deps, row_id, exc)
        finally:
            self._in_hand.discard(row_id)
            self._unreserved.discard(row_id)


# One alias and fixed parameter names for every query: a new alias or name per call would make
# each call a new statement to compile and cache (memory that grew with every round).
_EARLIER = aliased(Outbox, name="earlier")


def _unsettled(table: Any, name: str) -> Any:
    """state IN ('pending', 'sending') with literal values: the predicate of the partial index
    ix_outbox_active_chat, which both databases use only when they see it as written."""
    return table.state.in_(
        bindparam(name, list(_IN_FLIGHT), expanding=True, literal_execute=True)
    )


def _head_filter() -> Any:
    """No earlier notice of the same chat is still to be settled."""
    return and_(
        # redundant with state = pending, but it lets the index serve
        _unsettled(Outbox, "unsettled"),
        ~exists().where(
            and_(
                _EARLIER.chat_id == Outbox.chat_id,
                _EARLIER.id < Outbox.id,
                _unsettled(_EARLIER, "unsettled_earlier"),
            )
        ),
    )


async def _heads(deps: Deps, platform: str) -> list[tuple[int, str]]:
    """(id, chat) of the oldest due notice of each chat of `platform` whose earlier notices are
    settled (another channel's notices wait for that channel's sender)."""
    query = (
        select(Outbox.id, Outbox.chat_id)
        .where(
            Outbox.state == OutboxState.PENDING,
            Outbox.platform == bindparam("platform", platform),
            Outbox.next_attempt_at <= utcnow(),
            _head_filter(),
        )
        .order_by(Outbox.id)
        .limit(CANDIDATES)
    )
    async with deps.sessions() as session:
        return [(row_id, chat_id) for row_id, chat_id in await session.execute(query)]


async def claim_row(session: AsyncSession, row_id: int) -> Claimed | None:
    """Mark one due, pending row `sending` for this process, in the caller's transaction; None
    when another sender has it, it was put off meanwhile, or an earlier notice of its chat is
    unsettled again. Returns the row as claimed: another sender may have sent part of it.

    The claim time is kept in next_attempt_at, so a sender that died can be told from one that
    is still sending, and `claimed_by` names this process (bot.runtime.lease settles the rows of
    processes that are gone). On PostgreSQL a second claimer waits for the first to commit and
    then finds the row no longer pending.
    """
    now = utcnow()
    found = (await session.execute(
        update(Outbox)
        .where(
            Outbox.id == row_id,
            Outbox.state == OutboxState.PENDING,
            Outbox.next_attempt_at <= now,
            _head_filter(),
        )
        .values(
            state=OutboxState.SENDING,
            attempts=Outbox.attempts + 1,
            next_attempt_at=now,
            claimed_by=instance_key(),
        )
        .returning(Outbox.attempts, Outbox.result, Outbox.chat_id)
        .execution_options(synchronize_session=False)
    )).first()
    if found is None:
        return None
    attempts, result, chat_id = found
    return Claimed(attempts=attempts, result=dict(result or {}), chat_id=chat_id)


async def _defer(deps: Deps, row_id: int, wait: float) -> None:
    """A notice that would wait long for its slot goes back to the queue until then."""
    async with deps.sessions() as session:
        await session.execute(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.state == OutboxState.PENDING)
            .values(next_attempt_at=utcnow() + timedelta(seconds=wait))
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def _put_off(deps: Deps, row_id: int, error: Exception) -> None:
    """A notice whose preparation raised is tried again after a backoff, like a failed send,
    and failed after outbox.max_attempts (not at once again: that would loop on a bug). A row
    already claimed is left `sending`: it may have gone out (recover_stale settles it)."""
    try:
        async with deps.sessions() as session:
            attempts = await session.scalar(
                select(Outbox.attempts).where(
                    Outbox.id == row_id, Outbox.state == OutboxState.PENDING))
            if attempts is None:
                return
            attempts += 1
            gave_up = attempts >= deps.settings.outbox.max_attempts
            await session.execute(
                update(Outbox)
                .where(Outbox.id == row_id, Outbox.state == OutboxState.PENDING)
                .values(
                    attempts=attempts,
                    last_error=f"unexpected failure: {error!r}",
                    **({"state": OutboxState.FAILED} if gave_up
                       else {"next_attempt_at": utcnow() + backoff(attempts)}),
                )
                .execution_options(synchronize_session=False)
            )
            await session.commit()
    except Exception:  # the database itself may be what failed: the next round tries again
        log.warning("outbox %s: could not put the notice off", row_id, exc_info=True)
