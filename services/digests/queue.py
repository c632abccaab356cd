"""Every member's digest (and any fortnightly summary due) queued in the outbox, split for
Telegram, once per member and local day; then the bound groups' copies."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GridCell, Member, utcnow
from services.digests.groups import drop_group_read, queue_group_digests
from services.digests.render import digest_text
from services.digests.rounds import OWN_CASES_ROLES, Digest, PatrolLine, digest_for, digest_round
from services.digests.split import split_message
from services.digests.summary import summaries_due
from services.figures import Figures, window
from services.i18n import translator
from services.notices.kinds import DigestNotice, SummaryNotice
from services.notices.queue import Target, outbox_row, queue_many
from services.patrols import patrols_due
from services.settings import Settings


async def queue_digests(
    session: AsyncSession, settings: Settings, now: datetime, member_id: int | None = None
) -> tuple[int, int]:
    """Queue today's digests (and any fortnightly summaries due); (digests, summaries) queued.

    A digest goes out at most once per member and local day: the dedupe key holds the date.
    """
    tz = ZoneInfo(settings.locale.timezone)
    query = select(Member).where(Member.active.is_(True)).order_by(Member.id)
    if member_id is not None:
        query = query.where(Member.id == member_id)
    members = list(await session.scalars(query))
    if member_id is not None:
        one = await digest_for(session, members[0], now, tz) if members else None
        digests = [one] if one is not None else []
    else:
        digests = await digest_round(session, members, now, tz)
    digests = await _with_patrols(session, settings, now, tz, digests, members)
    if member_id is None:
        digests = await drop_group_read(session, settings, digests, members)
    summaries = await summaries_due(session, members, now, tz)
    by_id = {m.id: m for m in members}
    rows = []
    queued_at = utcnow()
    for d in (*digests, *summaries):
        member = by_id[d.member_id]
        parts = split_message(digest_text(d, translator(member.language), settings))
        payload = d.to_payload()
        kind = DigestNotice if d.kind == "daily" else SummaryNotice
        to = Target(member.platform, member.chat_id, member.id)
        rows += [outbox_row(kind(payload, part=k, parts=len(parts)), to,
                            f"{d.kind}:{member.id}:{d.local_date}:{k}", queued_at)
                 for k in range(len(parts))]
    await queue_many(session, rows)
    if member_id is None:
        await queue_group_digests(session, settings, now)
    return len(digests), len(summaries)


async def _with_patrols(session: AsyncSession, settings: Settings, now: datetime, tz: ZoneInfo,
                        digests: list[Digest], members: list[Member]) -> list[Digest]:
    """Each daily digest of a part of the grid gets its sources' patrols against their rule
    (the member's cell, or the whole grid's tops for those who see it all); a part with
    nothing to count but a source missing its patrol gets a digest all the same. From one
    read of the patrols due and one of the cells, whatever the members."""
    due = await patrols_due(session, settings.patrols, now, tz)
    if not due:
        return digests
    cells = {id_: (name, parent) for id_, name, parent in await session.execute(
        select(GridCell.id, GridCell.name, GridCell.parent_id))}
    tops = [id_ for id_, (_, parent) in cells.items() if parent is None]
    had = {d.member_id for d in digests if d.kind == "daily"}
    local_date = window(now, tz).local_date
    found = list(digests)
    for member in members:
        homes = [member.cell_id] if member.cell_id is not None else (
            tops if member.sees_whole_grid else [])
        if member.id in had or member.role_enum in OWN_CASES_ROLES or len(homes) != 1 \
                or homes[0] not in cells:
            continue
        if any(line.missing for line in due.get(homes[0], [])):
            found.append(Digest(member.id, "daily", cells[homes[0]][0], local_date, Figures()))
    by_id = {m.id: m for m in members}
    for d in found:
        if not d.scope or d.kind != "daily":
            continue
        member = by_id[d.member_id]
        homes = [member.cell_id] if member.cell_id is not None else (
            tops if member.sees_whole_grid else [])
        d.patrols = [PatrolLine(line.source, line.done, line.days)
                     for home in homes for line in due.get(home, [])]
    return found
