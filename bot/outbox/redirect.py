"""A notice a member cannot get (they blocked the bot, their chat is gone, or it failed for
good) goes to someone who can act on it instead, and the case says who has it now.

The stand-ins are the other active managers of the member's cell, else the managers of the
nearest level above. Only work notices move; a member's own digest or receipt does not.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import CaseEvent, Member, Outbox, OutboxState, Role
from services.grid import nearest_managers
from services.members import UnbindReason, group_lost, mark_unreachable
from services.notices.kinds import (
    CardRefresh,
    DigestNotice,
    DraftExpired,
    ExtensionDecided,
    GroupCard,
    SummaryNotice,
)
from services.notices.queue import requeue

log = logging.getLogger("bot.outbox")

STAFF = frozenset({Role.MANAGER, Role.PATROLLER, Role.LEADER})
# A card's edit is for the chat that has the card: a stand-in got (or gets) a card of their own.
PERSONAL_KINDS = frozenset(k.KIND for k in (
    DigestNotice, SummaryNotice, DraftExpired, ExtensionDecided, CardRefresh, GroupCard))


async def _already_told(session: AsyncSession, row: Outbox) -> set[int]:
    """Members who have (or will get) this very notice about this case: no second copy for them."""
    if row.case_id is None:
        return set()
    told = await session.scalars(
        select(Outbox.recipient_id).where(
            Outbox.case_id == row.case_id,
            Outbox.kind == row.kind,
            Outbox.recipient_id.is_not(None),
            Outbox.state != OutboxState.FAILED,
        )
    )
    return {member_id for member_id in told if member_id is not None}


def redirect_key(row_id: int, member_id: int) -> str:
    """The same notice is redirected to the same person once, however often it is retried."""
    return f"redirect:{row_id}:{member_id}"


async def redirect_notice(
    session: AsyncSession, row: Outbox, member: Member, *, holders: Sequence[Member] = (),
    why: str | None = None,
) -> list[Member]:
    """Queue `row` again for the stand-ins of `member` (already inactive, or never reached);
    who they are. `holders` were just handed the case (their card says it all: no copy).

    Runs in the caller's transaction. A case notice leaves a `notice_redirected` event naming
    who has it now, even when they all had it already (then nothing is queued)."""
    if row.kind in PERSONAL_KINDS or member.cell_id is None or member.role not in STAFF:
        return []
    why = why or ("deactivated" if member.deactivated_at is not None else "unreachable")
    already = await _already_told(session, row)
    held = {m.id for m in holders}
    stand_ins = [m for m in await nearest_managers(session, member.cell_id) if m.id != member.id]
    fresh = [m for m in stand_ins if m.id not in already and m.id not in held]
    for stand_in in fresh:
        await requeue(session, row, stand_in, redirect_key(row.id, stand_in.id))
    now_with = list({m.id: m for m in [*holders, *stand_ins]}.values())
    if now_with and row.case_id is not None:
        session.add(
            CaseEvent(
                case_id=row.case_id,
                actor_id=None,
                kind="notice_redirected",
                payload={
                    "notice_id": row.id,
                    "notice_kind": row.kind,
                    "from_member_id": member.id,
                    "from": member.display_name,
                    "why": why,
                    "to_member_ids": [m.id for m in fresh],
                    "with_member_ids": [m.id for m in now_with],
                    "now_with": "、".join(m.display_name for m in now_with),
                },
            )
        )
    log.log(
        logging.INFO if now_with else logging.ERROR,
        "outbox %s: %s not reached (%s); now with %s, sent to %s", row.id, member.id, why,
        [m.id for m in now_with] or "nobody", [m.id for m in fresh] or "nobody",
    )
    return fresh


async def _failed(session: AsyncSession, row_id: int, **values: Any) -> Outbox | None:
    await session.execute(
        update(Outbox).where(Outbox.id == row_id).values(state=OutboxState.FAILED, **values)
        .execution_options(synchronize_session=False))
    return await session.get(Outbox, row_id, populate_existing=True)


async def refused(session: AsyncSession, row_id: int, member_id: int | None, chat_id: str, *,
                  why: str, **values: Any) -> None:
    """The notice was refused (403, or the chat is gone): failed; its member is marked
    unreachable (their open cases handed over) and it goes to their stand-ins; a group's
    binding is dropped (its managers told). In the caller's transaction."""
    row = await _failed(session, row_id, **values)
    if member_id is None:
        await group_lost(session, chat_id, UnbindReason.FORBIDDEN)
        return
    member = await session.get(Member, member_id)
    if row is None or member is None:
        return
    handed = await mark_unreachable(session, member, why, notice_id=row_id)
    holders = [h.to for h in handed if h.to is not None and h.case_id == row.case_id]
    await redirect_notice(session, row, member, holders=holders, why=why)


async def gave_up_on(session: AsyncSession, row_id: int, member_id: int | None,
                     **values: Any) -> None:
    """The notice failed for good (not refused): failed, and its stand-ins get it; the member
    stays as they are (the next notice may reach them). In the caller's transaction."""
    row = await _failed(session, row_id, **values)
    member = await session.get(Member, member_id) if member_id is not None else None
    if row is not None and member is not None:
        await redirect_notice(session, row, member, why="failed")
