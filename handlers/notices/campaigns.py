"""The campaigns' notice: a manager told that a campaign's date nears while their cells still
hold its open cases. It reloads them, so a reminder sent late names only those still open, and
one whose cases were all struck off meanwhile is dropped."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.render import notice_translator
from handlers.words import escape
from models import Campaign, Member, Outbox
from services.campaigns import day_label, still_open
from services.notices.card import Card
from services.notices.kinds import CampaignDue
from services.settings import Settings


async def render_campaign_due(
    session: AsyncSession, notice: CampaignDue, _row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    campaign = await session.get(Campaign, notice.campaign_id)
    if campaign is None or not notice.cases:
        return None
    still = await still_open(session, notice.cases)
    if not still:
        return None
    t = notice_translator(member, settings)
    name = escape(campaign.name)
    day = day_label(campaign.due_on, t)  # (not inside t.n: babel would lose the message)
    due = t.n("The campaign “{name}” is due in {count} day, on {date}.",
              "The campaign “{name}” is due in {count} days, on {date}.", notice.days,
              name=name, date=day)
    left = t.n("{count} problem in your part of the grid is not yet rectified: {numbers}",
               "{count} problems in your part of the grid are not yet rectified: {numbers}",
               len(still), numbers=t(", ").join(escape(n) for n in still))
    hint = t("Send /campaign {name} for its progress sheet.", name=name)
    return Card("\n".join([due, left, hint]))
