"""Reminders as a campaign's date nears (`campaigns.remind_days` before it): the managers of the
cells holding its still-open cases (or of the nearest cell above that has any) get one notice
each, with the numbers of those cases; once per campaign, day and member, however often the
sweep runs and across restarts (the outbox's dedupe key holds the day)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OPEN_STATES, Campaign, Case, Member
from services.campaigns.standing import campaign_entries
from services.grid import nearest_managers_of
from services.notices.kinds import CampaignDue
from services.notices.queue import outbox_row, queue_many, target
from services.settings import Settings


async def queue_campaign_reminders(session: AsyncSession, settings: Settings,
                                   now: datetime) -> int:
    """Queue today's reminders of the campaigns due in `remind_days`; how many were new or
    already queued today (the caller commits)."""
    tz = ZoneInfo(settings.locale.timezone)
    today = now.astimezone(tz).date()
    ahead = {today + timedelta(days=d): d for d in settings.campaigns.remind_days}
    if not ahead:
        return 0
    campaigns = list(await session.scalars(
        select(Campaign).where(Campaign.due_on.in_(sorted(ahead))).order_by(Campaign.id)))
    if not campaigns:
        return 0
    entries = await campaign_entries(session, now, tz, campaigns)
    still_open = [e for e in entries.rows if not e.done]
    managers = await nearest_managers_of(session, {e.cell_id for e in still_open})
    told: dict[tuple[int, int], list[str]] = defaultdict(list)
    people: dict[int, Member] = {}
    for entry in still_open:
        for member in managers.get(entry.cell_id, []):
            people[member.id] = member
            if entry.number not in told[(entry.campaign_id, member.id)]:
                told[(entry.campaign_id, member.id)].append(entry.number)
    rows = []
    for (campaign_id, member_id), numbers in sorted(told.items()):
        days = ahead[entries.campaigns[campaign_id].due_on]
        notice = CampaignDue(campaign_id, days, tuple(sorted(numbers)))
        key = f"campaign_due:{campaign_id}:{today.isoformat()}:{member_id}"
        rows.append(outbox_row(notice, target(people[member_id]), key, now))
    await queue_many(session, rows)
    return len(rows)


async def still_open(session: AsyncSession, numbers: Iterable[str]) -> list[str]:
    """Those of the case numbers that are still open, in order: what a late reminder names."""
    wanted = sorted(set(numbers))
    if not wanted:
        return []
    return sorted(await session.scalars(select(Case.number).where(
        Case.number.in_(wanted), Case.state.in_([s.value for s in OPEN_STATES]))))
