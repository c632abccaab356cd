"""The commands of those who keep the ledger (/ledger, /campaign, /meeting): who asks, in their
words, with their part of the grid, or the answer that they keep none."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.people import start_first, tr
from models import GridCell, Member
from services.grid import led_sources
from services.i18n import Translator
from services.ledger import may_export, scope_of
from services.members import find_member


@dataclass(frozen=True)
class Keeper:
    member: Member
    t: Translator
    scope: GridCell | None  # None: the whole grid
    sources: frozenset[int]  # the water sources they are the linked leader of


async def keeper(session: AsyncSession, inbound: Inbound, deps: Deps, *, not_staff: str,
                 no_cell: str) -> Keeper | Answer:
    """The member with their scope, or the answer (`not_staff`, `no_cell`: N_ messages) for
    someone unknown, a volunteer, or a member with no part of the grid."""
    member = await find_member(session, inbound.who.channel, inbound.who.user_id)
    if member is None:
        return start_first(inbound, deps)
    t = tr(inbound, deps, member)
    if not may_export(member):
        return Answer([Reply(t(not_staff))])
    scope = await scope_of(session, member)
    if scope is None and not member.sees_whole_grid:
        return Answer([Reply(t(no_cell))])
    return Keeper(member, t, scope, await led_sources(session, member))
