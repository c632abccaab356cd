"""The patrols' notice: a patroller told that the sweep ended their patrol after a silence,
with its figures and verdict as the end button would have shown them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.render import notice_translator
from handlers.patrols.views import summary
from models import Member, Outbox, Patrol, WaterSource
from services.i18n import N_
from services.notices.card import Card
from services.notices.kinds import PatrolEnded
from services.patrols import checkpoints_of, judgement_of
from services.settings import Settings

SILENT = N_("No point of your patrol came for a while, so it was ended.")


async def render_patrol_ended(
    session: AsyncSession, notice: PatrolEnded, _row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    patrol = await session.get(Patrol, notice.patrol_id)
    if patrol is None:
        return None
    source = await session.get(WaterSource, patrol.source_id)
    t = notice_translator(member, settings)
    text = summary(patrol, judgement_of(patrol, settings.patrols), source.name if source else "",
                   await checkpoints_of(session, patrol.source_id), t)
    return Card(t(SILENT) + "\n" + text)
