"""Notices whose send may have arrived but was not confirmed: found (rows a dead sender left
`sending` become `uncertain`) and settled without a person, each by its kind's rule
(services.notices.rules): taken as sent, done again, or sent once more marked as a repeat."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import CursorResult

from bot.outbox.deliver import Job, retry_or_fail
from bot.outbox.deps import Deps
from models import Outbox, OutboxState, utcnow
from services.notices.card import Card
from services.notices.kinds import as_repeat, envelope, rule_for
from services.notices.rules import Uncertain

log = logging.getLogger("bot.outbox")

STALE_SENDING = timedelta(minutes=10)  # no live send takes this long: its sender died
SETTLE_AT_ONCE = 200  # uncertain notices settled per call (the next drain takes the rest)
INTERRUPTED = "interrupted while sending"


async def recover_interrupted(deps: Deps) -> int:
    """At start: rows left `sending` by a crash may have gone out, so they become uncertain
    (settle_uncertain then settles them).

    Every `sending` row counts, so this is for a process starting alone; with several senders
    `recover_stale` (run by every drain) catches a dead sender's rows after STALE_SENDING.
    """
    return await _mark_uncertain(deps, None)


async def recover_stale(deps: Deps) -> int:
    """Rows claimed longer ago than any live send takes: their sender died mid-send."""
    return await _mark_uncertain(deps, utcnow() - STALE_SENDING)


async def _mark_uncertain(deps: Deps, claimed_before: datetime | None) -> int:
    condition = Outbox.state == OutboxState.SENDING
    if claimed_before is not None:
        condition = and_(condition, Outbox.next_attempt_at < claimed_before)
    async with deps.sessions() as session:
        result: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
            update(Outbox)
            .where(condition)
            .values(state=OutboxState.UNCERTAIN, last_error=INTERRUPTED)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    return int(result.rowcount)


async def settle_uncertain(deps: Deps) -> Counter[str]:
    """Settle the uncertain notices by their kinds' rules; how many went each way (run by every
    drain and at start, so none waits for `gridpatrol outbox retry`).

    ASSUME: sent, marked unconfirmed. REDO: pending again now. REPEAT: pending again after
    `outbox.repeat_after`, flagged maybe_duplicate (the sender puts the repeat line on top).
    A repeat that is uncertain too, or a notice out of attempts, fails for good, through the
    same path as any notice that gave up (whoever else should hear it is told there); but a
    repeat our own process died in the middle of is sent again while attempts last: the
    network did not fail it, and it already says it may be a second copy.
    """
    async with deps.sessions() as session:
        rows = list(await session.scalars(
            select(Outbox).where(Outbox.state == OutboxState.UNCERTAIN)
            .order_by(Outbox.id).limit(SETTLE_AT_ONCE)))
    outcomes: Counter[str] = Counter()
    for row in rows:
        outcome = await _settle(deps, row)
        if outcome is not None:
            outcomes[outcome] += 1
    if outcomes:
        log.warning("outbox: uncertain notices settled: %s", dict(outcomes))
    return outcomes


async def _settle(deps: Deps, row: Outbox) -> str | None:
    """One row by its rule, if it is still uncertain (another sender may have settled it)."""
    rule, reason = rule_for(row.kind), row.last_error or "uncertain"
    out_of_attempts = row.attempts >= deps.settings.outbox.max_attempts
    values: dict[str, Any]
    if rule is Uncertain.ASSUME:
        outcome = "taken as sent"
        values = {"state": OutboxState.SENT, "sent_at": utcnow(),
                  "last_error": f"unconfirmed: {reason}",
                  "result": {**(row.result or {}), "unconfirmed": True}}
    elif rule is Uncertain.REDO and not out_of_attempts:
        outcome = "done again"
        values = {"state": OutboxState.PENDING, "next_attempt_at": utcnow(),
                  "last_error": f"uncertain, done again: {reason}"}
    elif rule is Uncertain.REPEAT and not out_of_attempts \
            and (not envelope(row.payload).maybe_duplicate or reason == INTERRUPTED):
        outcome = "sent again"
        values = {"state": OutboxState.PENDING,
                  "next_attempt_at": utcnow() + deps.settings.outbox.repeat_after,
                  "payload": as_repeat(row.payload, reason),
                  "last_error": f"uncertain, to be sent again: {reason}"}
    else:
        outcome = "failed"
        values = {"state": OutboxState.FAILED,
                  "last_error": f"uncertain again: {reason}" if not out_of_attempts
                  else f"uncertain after {row.attempts} attempts: {reason}"}
    async with deps.sessions() as session:
        taken: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
            update(Outbox)
            .where(Outbox.id == row.id, Outbox.state == OutboxState.UNCERTAIN)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    if taken.rowcount != 1:
        return None
    if outcome == "failed":
        await _give_up(deps, row, str(values["last_error"]))
    return outcome


async def _give_up(deps: Deps, row: Outbox, error: str) -> None:
    """The final failure of a send (retry_or_fail with no attempts left), as for any other."""
    result = row.result or {}
    job = Job(row_id=row.id, chat_id=row.chat_id, recipient_id=row.recipient_id,
              attempts=max(row.attempts, deps.settings.outbox.max_attempts),
              rendered=Card(text=""), done=int(result.get("done", 0)),
              message_ids=list(result.get("message_ids", [])))
    await retry_or_fail(deps, job, error)
