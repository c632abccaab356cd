"""`/patrols`: the patrols of the last 30 days a member may look over (their own, or their part
of the grid's), newest first, each with its time, length and verdict."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.patrols.flow import NOT_CADRE, PATROL_ROLES
from handlers.people import as_member
from handlers.words import escape
from models import Member, utcnow
from services import patrols
from services.i18n import N_, translator

DAYS = 30
MARKS = {"counts": "✅", "too_short": "❌", "too_few_checkpoints": "❌"}
NONE_YET = N_("No patrol in the last 30 days.")


async def on_patrols(inbound: Inbound, deps: Deps) -> Answer:
    async def work(session: AsyncSession, member: Member) -> Answer:
        t = translator(member.language)
        if member.role_enum not in PATROL_ROLES:
            return Answer([Reply(t(NOT_CADRE))])
        listed = await patrols.recent_patrols(session, member, utcnow() - timedelta(days=DAYS))
        if not listed:
            return Answer([Reply(t(NONE_YET))])
        tz = ZoneInfo(deps.settings.locale.timezone)
        counted = sum(1 for item in listed if item.patrol.verdict == "counts")
        lines = [t.n("{count} patrol in the last 30 days, {counted} of them counting:",
                     "{count} patrols in the last 30 days, {counted} of them counting:",
                     len(listed), counted=counted)]
        for item in listed:
            p = item.patrol
            when = p.started_at.astimezone(tz).strftime("%m-%d %H:%M") if p.started_at else ""
            lines.append(t("{mark} {when} {source} · {name} · {minutes} min, {km} km",
                           mark=MARKS.get(p.verdict or "", "·"), when=when,
                           source=escape(item.source), name=escape(item.patroller),
                           minutes=f"{patrols.minutes_of(p):.0f}",
                           km=f"{p.distance_m / 1000:.2f}"))
        return Answer([Reply("\n".join(lines))])

    return await as_member(inbound, deps, work)
