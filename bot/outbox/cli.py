"""`gridpatrol outbox status` and `gridpatrol outbox retry ID`: what the sender holds, and a
failed (or still uncertain) notice sent again by hand; the sender settles uncertain ones itself."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from bot.runtime import with_sessions
from models import Outbox, OutboxState, utcnow
from models.db import SessionFactory
from services.notices import outbox_counts
from services.settings import Settings

LISTED = 50  # uncertain and failed notices shown, newest first
RETRYABLE = (OutboxState.UNCERTAIN, OutboxState.FAILED)


async def unsettled(sessions: SessionFactory, state: str, limit: int = LISTED) -> list[Outbox]:
    """The newest notices in `state` (uncertain or failed), for someone to look at."""
    async with sessions() as session:
        rows = await session.scalars(
            select(Outbox).where(Outbox.state == state).order_by(Outbox.id.desc()).limit(limit)
        )
        return list(rows)


async def retry_notice(sessions: SessionFactory, row_id: int) -> str | None:
    """Put an uncertain or failed notice back in the queue; None when done, else why not.

    Parts of it that went out (an album before its text) are not sent again.
    """
    async with sessions() as session:
        row = await session.get(Outbox, row_id)
        if row is None:
            return f"no notice {row_id}"
        if row.state not in RETRYABLE:
            return f"notice {row_id} is {row.state}; only uncertain or failed ones are retried"
        await session.execute(
            update(Outbox)
            .where(Outbox.id == row_id)
            .values(state=OutboxState.PENDING, attempts=0, next_attempt_at=utcnow(),
                    last_error=f"retried by hand (was {row.state}: {row.last_error})")
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    return None


def _line(row: Outbox) -> str:
    error = (row.last_error or "").replace("\n", " ")[:80]
    return (f"  {row.id:>8}  {row.kind:<20} chat {row.chat_id:<14} case {row.case_id or '-':<6} "
            f"attempts {row.attempts}  {row.created_at:%Y-%m-%d %H:%M}  {error}")


def cmd_outbox_status(settings: Settings, args: argparse.Namespace) -> int:
    async def work(sessions: SessionFactory) -> tuple[
        dict[OutboxState, int], dict[str, list[Outbox]]
    ]:
        async with sessions() as session:
            counts = await outbox_counts(session)
        return counts, {state: await unsettled(sessions, state) for state in RETRYABLE}

    counts, rows = with_sessions(settings, work)
    for state, count in counts.items():
        print(f"{state.value:<10} {count}")
    for state in RETRYABLE:
        if rows[state]:
            print(f"\n{state.value} (newest {LISTED}; `gridpatrol outbox retry ID` sends one "
                  "again):")
            print("\n".join(_line(row) for row in rows[state]))
    return 0


def cmd_outbox_retry(settings: Settings, args: argparse.Namespace) -> int:
    problem = with_sessions(settings, lambda s: retry_notice(s, args.id))
    if problem is not None:
        print(problem)
        return 1
    print(f"notice {args.id} queued again")
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """`gridpatrol outbox status` and `gridpatrol outbox retry ID`."""
    outbox = add("outbox", cmd_outbox_status, "notices waiting, sent, uncertain or failed")
    sub: Any = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    status = sub.add_parser("status", help="counts by state, and the uncertain and failed ones")
    status.set_defaults(handler=cmd_outbox_status)
    retry = sub.add_parser("retry", help="send an uncertain or failed notice again")
    retry.add_argument("id", type=int, help="the notice id (from `outbox status`)")
    retry.set_defaults(handler=cmd_outbox_retry)
