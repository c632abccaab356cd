"""A notice for a member who blocked the bot goes to someone who can act on it instead.

The stand-ins are the other active managers of the member's cell, else the managers of the
nearest level above. Only work notices move; a member's own digest or receipt does not.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import CaseEvent, Member, Outbox, OutboxState, Role
from services.card_refresh import REFRESH_KINDS
from services.grid import nearest_managers
from services.notices import queue_notice

log = logging.getLogger("bot.outbox")

STAFF = frozenset({Role.MANAGER, Role.PATROLLER, Role.LEADER})
# A card's edit is for the chat that has the card: a stand-in got (or gets) a card of their own.
PERSONAL_KINDS = frozenset({"digest", "summary", "draft_expired", "extension_decided",
                            *REFRESH_KINDS})


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


async def redirect_notice(session: AsyncSession, row: Outbox, member: Member) -> list[Member]:
    """Queue `row` again for the stand-ins of `member` (already inactive); who they are.

    Runs in the caller's transaction; a case notice leaves a `notice_redirected` event.
    """
    if row.kind in PERSONAL_KINDS or member.cell_id is None or member.role not in STAFF:
        return []
    already = await _already_told(session, row)
    stand_ins = [m for m in await nearest_managers(session, member.cell_id)
                 if m.id != member.id and m.id not in already]
    for stand_in in stand_ins:
        await queue_notice(
            session,
            kind=row.kind,
            recipient=stand_in,
            case_id=row.case_id,
            payload={**row.payload, "redirected_from": row.id},
            dedupe_key=redirect_key(row.id, stand_in.id),
        )
    if stand_ins and row.case_id is not None:
        session.add(
            CaseEvent(
                case_id=row.case_id,
                actor_id=None,
                kind="notice_redirected",
                payload={
                    "notice_id": row.id,
                    "notice_kind": row.kind,
                    "from_member_id": member.id,
                    "to_member_ids": [m.id for m in stand_ins],
                },
            )
        )
    log.info(
        "outbox %s: %s blocked the bot; redirected to %s",
        row.id, member.id, [m.id for m in stand_ins] or "nobody",
    )
    return stand_ins
