"""A bulletin's life: drafted (or resumed) by its issuer for their scope and period, edited,
issued with the next number of the year (in the issuing transaction, so numbers run without
gaps), sent to the managers of every cell it names and their groups, acknowledged by them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Bulletin,
    BulletinLine,
    BulletinRecipient,
    BulletinSection,
    BulletinState,
    CaseEvent,
    GridCell,
    Member,
)
from services.bulletins.gather import bulletin
from services.grid import nearest_managers_of
from services.i18n import N_
from services.members import kind_of
from services.members import queue_copies as group_copies
from services.notices.kinds import BulletinNotice
from services.notices.queue import queue
from services.numbering import Series, format_number, next_number
from services.settings import Settings

TEXT_FIELDS = ("opening", "demands")
TEXT_LIMIT = 2000  # characters of an opening or the demands
SECTIONS = (BulletinSection.OVERDUE, BulletinSection.SLOW, BulletinSection.REOPENED,
            BulletinSection.ORDER)  # the document's order
GONE = N_("This bulletin no longer exists.")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str = ""
    bulletin: Bulletin | None = None
    told: int = 0  # the managers an issued bulletin went to


async def draft_of(session: AsyncSession, member: Member) -> Bulletin | None:
    return await session.scalar(select(Bulletin).where(
        Bulletin.issuer_id == member.id, Bulletin.state == BulletinState.DRAFT))


async def fill(session: AsyncSession, row: Bulletin) -> None:
    """The draft's lines drawn again from the cases of its scope and period."""
    await session.execute(delete(BulletinLine).where(BulletinLine.bulletin_id == row.id))
    scope = await session.get(GridCell, row.scope_cell_id) if row.scope_cell_id else None
    found = await bulletin(session, row.period_start, row.period_end, scope,
                           frozenset(int(x) for x in row.sources))
    sections = ((BulletinSection.OVERDUE, found.overdue),
                (BulletinSection.REOPENED, found.reopened),
                (BulletinSection.SLOW, found.slow), (BulletinSection.ORDER, found.orders))
    for section, lines in sections:
        for position, line in enumerate(lines):
            session.add(BulletinLine(
                bulletin_id=row.id, section=section, position=position, case_id=line.case_id,
                case_number=line.case_number, cell_id=line.cell_id, place=line.place[:200],
                owner=line.owner, days_late=line.days_late, order_number=line.order_number,
                order_state=line.order_state))
    await session.flush()


async def draft_for(
    session: AsyncSession, member: Member, scope: GridCell | None, sources: frozenset[int],
    start: datetime, end: datetime, *, again: bool = False,
) -> Bulletin:
    """The member's draft, made for [start, end) when they have none; `again`: its period set to
    [start, end) and its lines drawn again (its texts kept)."""
    row = await draft_of(session, member)
    if row is not None and not again:
        return row
    if row is None:
        row = Bulletin(state=BulletinState.DRAFT, issuer_id=member.id, period_start=start,
                       period_end=end, scope_cell_id=scope.id if scope else None,
                       sources=sorted(sources), opening="", demands="")
        session.add(row)
        await session.flush()
    row.period_start, row.period_end = start, end
    row.scope_cell_id, row.sources = (scope.id if scope else None), sorted(sources)
    await fill(session, row)
    return row


async def own_draft(session: AsyncSession, bulletin_id: int, member: Member) -> Outcome:
    row = await session.get(Bulletin, bulletin_id)
    if row is None:
        return Outcome(False, GONE)
    if row.issuer_id != member.id:
        return Outcome(False, N_("Only the one who drafted this bulletin can change it."))
    if row.state != BulletinState.DRAFT:
        return Outcome(False, N_("This bulletin was already issued."), row)
    return Outcome(True, bulletin=row)


async def set_text(session: AsyncSession, bulletin_id: int, member: Member, name: str,
                   text: str) -> Outcome:
    """The opening or the demands (整改要求) of the member's draft."""
    found = await own_draft(session, bulletin_id, member)
    if not found.ok or found.bulletin is None:
        return found
    if name not in TEXT_FIELDS:
        raise ValueError(name)
    text = text.strip()
    if not text:
        return Outcome(False, N_("The text is empty; send it again, please."), found.bulletin)
    setattr(found.bulletin, name, text[:TEXT_LIMIT])
    return found


async def lines_of(session: AsyncSession, bulletin_id: int) -> list[BulletinLine]:
    """The lines in the document's order: overdue, slow, reopened, then the orders."""
    lines = await session.scalars(
        select(BulletinLine).where(BulletinLine.bulletin_id == bulletin_id))
    return sorted(lines, key=lambda x: (SECTIONS.index(BulletinSection(x.section)),
                                        x.position, x.id))


async def named_for(session: AsyncSession, bulletin_id: int, member: Member | None
                    ) -> list[str]:
    """The case numbers of the bulletin in the member's part of the grid (all of them for a
    group's copy, or for someone none of whose cells are named), each once."""
    lines = await lines_of(session, bulletin_id)
    everything = list(dict.fromkeys(x.case_number for x in lines))
    mine = await session.get(GridCell, member.cell_id) if member and member.cell_id else None
    if mine is None:
        return everything
    inside = set(await session.scalars(select(GridCell.id).where(
        GridCell.id.in_({x.cell_id for x in lines}), GridCell.path.like(f"{mine.path}%"))))
    return list(dict.fromkeys(x.case_number for x in lines if x.cell_id in inside)) or everything


async def drop_line(session: AsyncSession, line_id: int, member: Member) -> Outcome:
    line = await session.get(BulletinLine, line_id)
    if line is None:
        return Outcome(False, N_("This line is no longer in the bulletin."))
    found = await own_draft(session, line.bulletin_id, member)
    if found.ok:
        await session.delete(line)
        await session.flush()
    return found


async def discard(session: AsyncSession, bulletin_id: int, member: Member) -> Outcome:
    found = await own_draft(session, bulletin_id, member)
    if found.ok and found.bulletin is not None:
        await session.delete(found.bulletin)
        await session.flush()
    return found


async def issue(session: AsyncSession, settings: Settings, bulletin_id: int, member: Member,
                now: datetime) -> Outcome:
    """Number the draft, name it in every case's history, and send it to the managers of the
    cells it names and to those cells' groups; all in the caller's transaction."""
    found = await own_draft(session, bulletin_id, member)
    row = found.bulletin
    if not found.ok or row is None:
        return found
    lines = await lines_of(session, row.id)
    if not lines:
        return Outcome(False, N_("This bulletin names no case, so there is nothing to issue."),
                       row)
    year = now.astimezone(ZoneInfo(settings.locale.timezone)).year
    row.year = year
    row.seq = await next_number(session, Series.BULLETIN, year)
    row.number = format_number(settings.documents.bulletin_number, year, row.seq)
    row.state, row.issued_at = BulletinState.ISSUED, now
    kind = kind_of(member)
    row.kind = kind.value if kind else None
    for case_id in dict.fromkeys(line.case_id for line in lines):
        session.add(CaseEvent(case_id=case_id, actor_id=member.id, kind="named_in_bulletin",
                              at=now, payload={"bulletin_id": row.id, "bulletin": row.number}))
    cells = list(dict.fromkeys(line.cell_id for line in lines))
    managers = await nearest_managers_of(session, cells)
    told: set[int] = set()
    for cell_id in cells:
        for manager in managers.get(cell_id, []):
            if manager.id in told:
                continue
            told.add(manager.id)
            session.add(BulletinRecipient(bulletin_id=row.id, member_id=manager.id,
                                          cell_id=cell_id))
            await queue(session, BulletinNotice(row.id), recipient=manager,
                        dedupe_key=f"bulletin:{row.id}:{manager.id}")
    await group_copies(session, BulletinNotice(row.id), cells, dedupe=f"bulletin:{row.id}")
    await session.flush()
    return Outcome(True, bulletin=row, told=len(told))


async def acknowledge(session: AsyncSession, bulletin_id: int, member: Member,
                      now: datetime) -> Outcome:
    """A recipient acknowledges the bulletin, once; anyone else is told it is not theirs."""
    row = await session.get(Bulletin, bulletin_id)
    if row is None or row.state != BulletinState.ISSUED:
        return Outcome(False, GONE)
    mine = await session.get(BulletinRecipient, (row.id, member.id))
    if mine is None:
        return Outcome(False, N_("Only the people this bulletin is addressed to can "
                                 "acknowledge it."), row)
    if mine.acknowledged_at is not None:
        return Outcome(False, N_("You already acknowledged this bulletin."), row)
    mine.acknowledged_at = now
    return Outcome(True, bulletin=row)


@dataclass(frozen=True)
class Issued:
    """An issued bulletin as the list shows it: its number, when, its scope, its recipients."""

    id: int
    number: str
    issued_at: datetime
    scope_cell_id: int | None
    recipients: int
    acknowledged: int


async def issued_in(session: AsyncSession, year: int | None = None, *,
                    reader: Member | None = None) -> list[Issued]:
    """The issued bulletins (of `year`), in number order, with their acknowledgements; for a
    `reader`, those of their part of the grid and those sent to them (everything for one who
    sees the whole grid)."""
    acked = func.count(BulletinRecipient.acknowledged_at)
    stmt = (
        select(Bulletin, func.count(BulletinRecipient.member_id), acked)
        .outerjoin(BulletinRecipient, BulletinRecipient.bulletin_id == Bulletin.id)
        .where(Bulletin.state == BulletinState.ISSUED)
        .group_by(Bulletin.id)
        .order_by(Bulletin.year, Bulletin.seq)
    )
    if year is not None:
        stmt = stmt.where(Bulletin.year == year)
    if reader is not None and not reader.sees_whole_grid:
        sent = select(BulletinRecipient.bulletin_id).where(
            BulletinRecipient.member_id == reader.id)
        mine: ColumnElement[bool] = Bulletin.id.in_(sent)
        if reader.cell_id is not None:
            path = select(GridCell.path).where(GridCell.id == reader.cell_id).scalar_subquery()
            below = select(GridCell.id).where(GridCell.path.like(path + "%"))
            mine = or_(mine, Bulletin.scope_cell_id.in_(below))
        stmt = stmt.where(mine)
    return [Issued(row.id, row.number or "", row.issued_at or row.created_at, row.scope_cell_id,
                   total, done)
            for row, total, done in (await session.execute(stmt)).all()]


async def by_number(session: AsyncSession, number: str) -> Bulletin | None:
    return await session.scalar(select(Bulletin).where(
        Bulletin.number == number.strip(), Bulletin.state == BulletinState.ISSUED))


async def recipients_of(session: AsyncSession, bulletin_id: int
                        ) -> list[tuple[BulletinRecipient, str]]:
    """(recipient row, display name), in cell order."""
    return [(r, name) for r, name in (await session.execute(
        select(BulletinRecipient, Member.display_name)
        .join(Member, Member.id == BulletinRecipient.member_id)
        .where(BulletinRecipient.bulletin_id == bulletin_id)
        .order_by(BulletinRecipient.cell_id, Member.id))).all()]
