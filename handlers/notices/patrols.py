"""The patrols' notices: a patroller told that the sweep ended their patrol after a silence,
with its figures and verdict as the end button would have shown them; a manager told that a
water source of their cells missed its patrol, with the rule."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.render import notice_translator
from handlers.patrols.views import summary
from handlers.words import escape
from models import GridCell, Member, Outbox, Patrol, WaterSource
from services.i18n import N_
from services.notices.card import Card
from services.notices.kinds import PatrolDue, PatrolEnded
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


async def render_patrol_due(
    session: AsyncSession, notice: PatrolDue, _row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    """A manager told that a source of their cells missed its patrol: the rule with it."""
    source = await session.get(WaterSource, notice.source_id)
    if source is None:
        return None
    cell = await session.get(GridCell, source.cell_id)
    rule = settings.patrols.rule(cell.level if cell is not None else "village")
    t = notice_translator(member, settings)
    figures = {"source": escape(source.name), "minutes": f"{rule.min_minutes:g}",
               "km": f"{rule.min_km:g}"}
    if notice.passed:
        text = t.n("{source} did not have the patrol its rule asks for in the period just "
                   "ended (at least 1 every {count} day, {minutes} minutes, {km} km); please "
                   "arrange one soon.",
                   "{source} did not have the patrol its rule asks for in the period just "
                   "ended (at least 1 every {count} days, {minutes} minutes, {km} km); please "
                   "arrange one soon.", notice.days, **figures)
    elif notice.days == 7:
        text = t.n("{source} has not yet had the patrol its rule asks for this week (at least "
                   "1 every {count} day, {minutes} minutes, {km} km); please arrange one.",
                   "{source} has not yet had the patrol its rule asks for this week (at least "
                   "1 every {count} days, {minutes} minutes, {km} km); please arrange one.",
                   notice.days, **figures)
    else:
        text = t.n("{source} has not yet had the patrol its rule asks for this period (at "
                   "least 1 every {count} day, {minutes} minutes, {km} km); please arrange "
                   "one.",
                   "{source} has not yet had the patrol its rule asks for this period (at "
                   "least 1 every {count} days, {minutes} minutes, {km} km); please arrange "
                   "one.", notice.days, **figures)
    return Card(text)
