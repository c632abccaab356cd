"""The fortnightly summary (每半月例会): due to leaders and supervisors every 15 days, each with
the figures of the one before, and recorded for the next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, SummaryRecord
from services.digests.rounds import SUMMARY_PERIOD, SUMMARY_ROLES, Digest, digest_round
from services.figures import Figures


async def summaries_due(
    session: AsyncSession, members: Sequence[Member], now: datetime, tz: ZoneInfo
) -> list[Digest]:
    """Fortnightly summaries (每半月例会) for leaders whose last one is 15 days old or missing.

    Each carries the figures of the previous summary, and is recorded for the next one.
    """
    leaders = [m for m in members if m.role_enum in SUMMARY_ROLES
               and (m.cell_id is not None or m.sees_whole_grid)]
    if not leaders:
        return []
    latest = select(SummaryRecord.member_id, func.max(SummaryRecord.period_end)).where(
        SummaryRecord.member_id.in_([m.id for m in leaders])).group_by(SummaryRecord.member_id)
    last_end = {mid: end for mid, end in await session.execute(latest)}
    slack = timedelta(hours=1)  # a job that runs a little early still counts
    cutoff = now - SUMMARY_PERIOD + slack
    due = [m for m in leaders if m.id not in last_end or last_end[m.id] <= cutoff]
    if not due:
        return []
    summaries = await digest_round(session, due, now, tz, kind="summary", span=SUMMARY_PERIOD)
    for summary in summaries:
        previous = await session.scalar(
            select(SummaryRecord.figures).where(SummaryRecord.member_id == summary.member_id)
            .order_by(SummaryRecord.period_end.desc()).limit(1))
        summary.previous = Figures(**previous) if previous else None
        session.add(SummaryRecord(member_id=summary.member_id, period_start=now - SUMMARY_PERIOD,
                                  period_end=now, figures=asdict(summary.totals)))
    return summaries
