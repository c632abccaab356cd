"""Who else has a stake in a move of a case, and hears of it: the owner (the assignee, who
claimed the fix) when the check passes and when the case is struck off; whoever held a case
that was taken over, rerouted, merged, escalated or raised by the reporter's "not fixed", and
where it went; the reporters, in plain words, when it is dispatched or escalated.

README.md's table "Who is told" lists every event; tests/integration/test_who_is_told.py
holds it true.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Member
from services.grid import nearest_managers
from services.notices.kinds import Stakeholder
from services.notices.queue import queue

# The events of each kind (the renderer has a text for each): CaseNews to staff, what became of
# a case they own or held; ReportNews to reporters, dispatched or escalated.
NEWS_EVENTS = ("checked", "closed", "rejected", "taken_over", "rerouted", "merged", "escalated",
               "raised")
REPORT_EVENTS = ("dispatched", "escalated")


async def _active(session: AsyncSession, ids: Iterable[int | None]) -> list[Member]:
    found: list[Member] = []
    for member_id in dict.fromkeys(i for i in ids if i is not None):
        member = await session.get(Member, member_id)
        if member is not None and member.active:
            found.append(member)
    return found


async def owners(session: AsyncSession, case: Case, fixer_id: int | None) -> list[Member]:
    """Who owns the work on a case: its assignee and whoever claimed the latest fix."""
    return await _active(session, [case.assignee_id, fixer_id])


async def holders(session: AsyncSession, case: Case) -> list[Member]:
    """Who holds the case where it is now: its active assignee, else the managers of its cell
    (or of the nearest cell above that has any). Ask before moving it."""
    assigned = await _active(session, [case.assignee_id])
    return assigned or await nearest_managers(session, case.cell_id)


def others(members: Sequence[Member], *skip: Iterable[Member | int | None]) -> list[Member]:
    """`members` less those in any of `skip` (members or ids), in order."""
    ids = {m.id if isinstance(m, Member) else m for group in skip for m in group}
    return [m for m in members if m.id not in ids]


async def tell(
    session: AsyncSession, notice: Stakeholder, members: Sequence[Member],
    dedupe: str | None = None,
) -> int:
    """Queue `notice` to each member once (a `dedupe` stem makes it once ever); how many were
    queued."""
    told = 0
    for member in dict((m.id, m) for m in members).values():
        await queue(
            session, notice, recipient=member,
            dedupe_key=f"{notice.KIND}:{dedupe}:{member.id}"[:128] if dedupe else None,
        )
        told += 1
    return told
