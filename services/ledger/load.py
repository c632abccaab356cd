"""The ledger (台账): every case of a part of the grid with its plan, owner, deadline and state,
loaded as plain rows, plus the figures of its summary sheet (`services.figures`, one aggregate).

Loading is separate from building the workbook (`services.ledger.book`), so no session is held
while the spreadsheet is written or sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models import (
    Case,
    CaseEvent,
    CaseSource,
    CaseState,
    GridCell,
    Member,
    Role,
    WaterSource,
)
from services.campaigns import Entry, Standing, campaign_entries, chosen_entries, standings
from services.figures import (
    FIGURES,
    OPEN_STATE_VALUES,
    Figures,
    Window,
    cell_groups,
    cells_under,
    children_of,
    figure_sums,
    figures_of,
    in_window,
    roll_up,
    window,
)
from services.grid import path_ids
from services.patrols.sheet import PatrolRow, patrol_rows

LEDGER_ROLES = frozenset({Role.MANAGER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN})
EXCEL_MAX_ROWS = 1_048_576  # rows in one sheet, the header included
BOT_ROW_LIMIT = 20_000  # what the bot builds (~7 s in a thread); the CLI goes to Excel's limit
OWN_ROW = ""  # the name in `Ledger.by_cell` of the scope cell's own cases (the book labels it)
BEYOND_ROW = "\x00beyond"  # ... of the cases of a leader's water source outside the scope


class LedgerMode(StrEnum):
    OPEN = "open"  # cases not yet struck off
    ALL = "all"  # every case, struck off (销号) and rejected included; merged duplicates never


@dataclass(frozen=True)
class LedgerRow:
    """One case as the spreadsheet shows it; names already resolved, times in UTC."""

    number: str
    reported_at: datetime
    source: str
    category: str
    severity: str
    emergency: bool
    description: str
    place: tuple[str, ...]  # the names of the cell where it was reported, below the scope
    lat: float | None  # None: the village was chosen from the list (the last of `place`)
    lon: float | None
    water_source: str | None
    zone: str | None
    state: str
    responsible_cell: str
    assignee: str | None
    plan_task: str | None
    plan_steps: str | None
    plan_owner: str | None
    plan_due: datetime | None
    due_at: datetime | None
    overdue_days: int | None  # None: not overdue (or no longer open)
    escalation_level: int
    closed_at: datetime | None
    reporter: str | None = None  # never named when the report was anonymous
    anonymous: bool = False
    accepted_by: str | None = None  # who took the case on (受理), recorded at accept
    fixed_at: datetime | None = None  # the fix claimed (整改完成), unless sent back since
    checker: str | None = None  # who checked the fix (核查), and when
    checked_at: datetime | None = None
    campaign: str = ""  # the campaigns (专项行动) it is in, by name

    @property
    def handler(self) -> str | None:
        """承办人: the member the case was given to, else the one who accepted it."""
        return self.assignee or self.accepted_by

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATE_VALUES


@dataclass(frozen=True)
class Ledger:
    """Everything the workbook needs, loaded in one session and then let go."""

    scope_name: str  # the cell's name, or "" for the whole grid
    scope_code: str
    generated_at: datetime
    week_start: datetime  # "this week" runs from local Monday 00:00 (UTC here)
    mode: LedgerMode
    rows: list[LedgerRow]
    truncated: bool  # more cases matched than the row limit allowed
    totals: Figures
    # the scope's children, then OWN_ROW for cases the scope cell holds itself
    by_cell: list[tuple[str, Figures]] = field(default_factory=list)
    by_cell_level: str = ""
    by_category: list[tuple[str, Figures]] = field(default_factory=list)
    by_source: list[tuple[str, Figures]] = field(default_factory=list)  # public, self, assigned
    campaigns: list[Standing] = field(default_factory=list)  # those with cases in the scope
    patrols: list[PatrolRow] = field(default_factory=list)  # closed, begun this week

    @property
    def overdue(self) -> list[LedgerRow]:
        return [r for r in self.rows if r.overdue_days is not None]


def may_export(member: Member) -> bool:
    """Managers, leaders, supervisors and administrators keep ledgers; volunteers do not."""
    return member.role in LEDGER_ROLES


def _in_scope(path: str, sources: frozenset[int]) -> ColumnElement[bool]:
    """A case in the subtree at `path`, or of one of `sources` (each case once)."""
    inside = Case.cell_id.in_(select(GridCell.id).where(GridCell.path.like(f"{path}%")))
    return or_(inside, Case.water_source_id.in_(sorted(sources))) if sources else inside


async def scope_of(session: AsyncSession, member: Member) -> GridCell | None:
    """The member's cell; an administrator or a city-wide supervisor without one gets the top
    of the grid when it has a single top. None: the whole grid (`Member.sees_whole_grid`) or
    nothing (anyone else)."""
    if member.cell_id is not None:
        return await session.get(GridCell, member.cell_id)
    if not member.sees_whole_grid:
        return None
    tops = list(await session.scalars(select(GridCell).where(GridCell.parent_id.is_(None))
                                      .limit(2)))
    return tops[0] if len(tops) == 1 else None


def week_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Monday 00:00 of the local week holding `now`, in `now`'s timezone (UTC)."""
    local = now.astimezone(tz).date()
    monday = datetime.combine(local - timedelta(days=local.weekday()), time(), tzinfo=tz)
    return monday.astimezone(now.tzinfo)


MILESTONES = ("accepted", "fix_claimed", "checked", "sent_back", "reopened")
ID_CHUNK = 5_000  # case ids per IN (...) when the milestones are read


def _row_query(path: str | None, mode: LedgerMode, limit: int, sources: frozenset[int]
               ) -> Select[*tuple[Any, ...]]:
    reporter = aliased(Member)
    stmt: Select[*tuple[Any, ...]] = (
        select(
            Case.number, Case.created_at, Case.source, Case.category, Case.severity,
            Case.emergency, Case.description, Case.origin_cell_id, Case.lat, Case.lon,
            WaterSource.name, Case.zone, Case.state, GridCell.name, Member.display_name,
            Case.plan_task, Case.plan_steps, Case.plan_owner, Case.plan_due, Case.due_at,
            Case.escalation_level, Case.closed_at, Case.id, Case.anonymous,
            reporter.display_name,
        )
        .join(GridCell, GridCell.id == Case.cell_id)
        .outerjoin(WaterSource, WaterSource.id == Case.water_source_id)
        .outerjoin(Member, Member.id == Case.assignee_id)
        .outerjoin(reporter, reporter.id == Case.reporter_id)
        .where(Case.state != CaseState.MERGED.value)
        .order_by(Case.created_at, Case.id)
        .limit(limit + 1)
    )
    if path is not None:
        stmt = stmt.where(_in_scope(path, sources))
    if mode is LedgerMode.OPEN:
        stmt = stmt.where(Case.state.in_(OPEN_STATE_VALUES))
    return stmt


async def _place_names(session: AsyncSession, scope: GridCell | None
                       ) -> dict[int, tuple[str, ...]]:
    """Each cell's names from just below the scope's parent down to the cell (a cell outside
    the scope, where a rerouted case began, keeps its whole path)."""
    cells = {cid: (name, path) for cid, name, path in await session.execute(
        select(GridCell.id, GridCell.name, GridCell.path))}
    above = set(path_ids(scope.path)) - {scope.id} if scope is not None else set()
    places: dict[int, tuple[str, ...]] = {}
    for cid, (_, path) in cells.items():
        ids = path_ids(path)
        if scope is not None and scope.id in ids:
            ids = [i for i in ids if i not in above]
        places[cid] = tuple(cells[i][0] for i in ids if i in cells)
    return places


@dataclass
class _Milestones:
    accepted_by: str | None = None
    fixed_at: datetime | None = None
    checker: str | None = None
    checked_at: datetime | None = None


async def _milestones(session: AsyncSession, case_ids: list[int]) -> dict[int, _Milestones]:
    """From each case's events, oldest first: who accepted it, when the fix was claimed, who
    checked it and when; a fix sent back or a case reopened since forgets fix and check."""
    found: dict[int, _Milestones] = {}
    for start in range(0, len(case_ids), ID_CHUNK):
        rows = await session.execute(
            select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.at, Member.display_name)
            .outerjoin(Member, Member.id == CaseEvent.actor_id)
            .where(CaseEvent.case_id.in_(case_ids[start:start + ID_CHUNK]),
                   CaseEvent.kind.in_(MILESTONES))
            .order_by(CaseEvent.id))
        for case_id, kind, at, who in rows:
            m = found.setdefault(case_id, _Milestones())
            if kind == "accepted":
                m.accepted_by = who
            elif kind == "fix_claimed":
                m.fixed_at, m.checker, m.checked_at = at, None, None
            elif kind == "checked":
                m.checker, m.checked_at = who, at
            else:  # sent back, reopened
                m.fixed_at, m.checker, m.checked_at = None, None, None
    return found


async def _rows(session: AsyncSession, scope: GridCell | None, now: datetime, mode: LedgerMode,
                limit: int, sources: frozenset[int]) -> tuple[list[LedgerRow], bool]:
    places = await _place_names(session, scope)
    found: list[Any] = list(await session.execute(
        _row_query(scope.path if scope is not None else None, mode, limit, sources)))
    marks = await _milestones(session, [r[22] for r in found[:limit]])
    rows = []
    for (number, created, source, category, severity, emergency, description, origin, lat, lon,
         water, zone, state, cell_name, assignee, task, steps, owner, plan_due, due_at, level,
         closed_at, case_id, anonymous, reporter) in found[:limit]:
        late = state in OPEN_STATE_VALUES and due_at is not None and due_at < now
        m = marks.get(case_id) or _Milestones()
        rows.append(LedgerRow(
            number=number, reported_at=created, source=source, category=category,
            severity=severity, emergency=emergency, description=description,
            place=places.get(origin, ()), lat=lat, lon=lon, water_source=water, zone=zone,
            state=state, responsible_cell=cell_name, assignee=assignee, plan_task=task,
            plan_steps=steps, plan_owner=owner, plan_due=plan_due, due_at=due_at,
            overdue_days=(now - due_at).days if late else None,  # whole days, as the digest
            escalation_level=level, closed_at=closed_at,
            reporter=None if anonymous else reporter, anonymous=anonymous,
            accepted_by=m.accepted_by,
            fixed_at=m.fixed_at, checker=m.checker, checked_at=m.checked_at,
        ))
    return rows, len(found) > limit


async def _beyond(session: AsyncSession, w: Window, path: str, sources: frozenset[int]
                  ) -> tuple[Figures, dict[str, Figures]]:
    """The figures, in all and by category, of the cases of `sources` outside the subtree."""
    inside = select(GridCell.id).where(GridCell.path.like(f"{path}%"))
    rows = await session.execute(
        select(Case.category, *figure_sums(w))
        .where(in_window(w), Case.water_source_id.in_(sorted(sources)),
               Case.cell_id.not_in(inside))
        .group_by(Case.category))
    by_category = {category: figures_of(values) for category, *values in rows}
    total = Figures()
    for figures in by_category.values():
        total.add(figures)
    return total, by_category


async def _figures(session: AsyncSession, scope: GridCell | None, now: datetime, since: datetime,
                   tz: ZoneInfo, sources: frozenset[int] = frozenset()
                   ) -> tuple[Figures, list[tuple[str, Figures]], str, list[tuple[str, Figures]]]:
    """Totals, by child cell and by category, from the digest's one GROUP BY (new and closed
    count from `since`); a leader's water sources outside the scope add a row of their own."""
    w = window(now, tz, now - since)
    path = scope.path if scope is not None else None
    cells = await cells_under(session, path)
    aggs = roll_up(cells, await cell_groups(session, w, path))
    kids = children_of(cells)
    if scope is not None:
        shown = kids.get(scope.id) or [scope]
    else:
        shown = sorted((c for c in cells.values() if c.parent_id is None), key=lambda c: c.code)
    by_cell = [(c.name, aggs[c.id].figures if c.id in aggs else Figures()) for c in shown]
    totals, by_category = Figures(), dict[str, Figures]()
    for top in [scope] if scope is not None else shown:
        agg = aggs.get(top.id)
        if agg is None:
            continue
        totals.add(agg.figures)
        for category, figures in agg.by_category.items():
            by_category.setdefault(category, Figures()).add(figures)
    level = shown[0].level if shown else ""
    if scope is not None and shown != [scope]:
        # cases held by the scope cell itself (escalated to it, or reported at its level)
        own = Figures(**{name: getattr(totals, name) - sum(getattr(f, name) for _, f in by_cell)
                         for name in FIGURES})
        if not own.empty():
            by_cell.append((OWN_ROW, own))
    if scope is not None and sources:
        beyond, beyond_by_category = await _beyond(session, w, scope.path, sources)
        if not beyond.empty():
            by_cell.append((BEYOND_ROW, beyond))
            totals.add(beyond)
            for category, figures in beyond_by_category.items():
                by_category.setdefault(category, Figures()).add(figures)
    return totals, by_cell, level, sorted(by_category.items())


async def _by_source(session: AsyncSession, scope: GridCell | None, w: Window,
                     sources: frozenset[int] = frozenset()) -> list[tuple[str, Figures]]:
    """The same figures by where cases came from (自查上报, 交办, the public): the digest's sums
    grouped by source, since the office reports its counts that way."""
    stmt: Select[*tuple[Any, ...]] = (
        select(Case.source, *figure_sums(w)).where(in_window(w)).group_by(Case.source))
    if scope is not None:
        stmt = stmt.where(_in_scope(scope.path, sources))
    rows = await session.execute(stmt)
    found = {r[0]: figures_of(r[1:]) for r in rows}
    order = [s.value for s in CaseSource]
    return sorted(found.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 9,
                                                 kv[0]))


def _with_campaigns(rows: list[LedgerRow], campaigns: dict[int, Any],
                    entries: list[Entry]) -> list[LedgerRow]:
    """Each row with the names of its campaigns (rows in none are left as they are)."""
    names: dict[str, list[str]] = {}
    for entry in entries:
        names.setdefault(entry.number, []).append(campaigns[entry.campaign_id].name)
    if not names:
        return rows
    return [replace(r, campaign="、".join(names[r.number])) if r.number in names else r
            for r in rows]


async def load_ledger(
    session: AsyncSession, scope: GridCell | None, now: datetime, tz: ZoneInfo,
    mode: LedgerMode = LedgerMode.OPEN, limit: int = BOT_ROW_LIMIT,
    sources: frozenset[int] = frozenset(),
) -> Ledger:
    """The ledger of `scope` (a cell and everything under it; None: the whole grid) at `now`,
    and of the water sources `sources` wherever their cases lie (a linked leader's,
    `led_sources`): its cases oldest first (at most `limit`) and its figures for this week."""
    limit = min(limit, EXCEL_MAX_ROWS - 1)
    since = week_start(now, tz)
    rows, truncated = await _rows(session, scope, now, mode, limit, sources)
    totals, by_cell, level, by_category = await _figures(session, scope, now, since, tz, sources)
    by_source = await _by_source(session, scope, window(now, tz, now - since), sources)
    entries = await campaign_entries(session, now, tz)
    chosen = chosen_entries(entries, scope.path if scope else None,
                            scope.id if scope else None, sources)
    campaigns = standings(entries, chosen)
    rows = _with_campaigns(rows, entries.campaigns, chosen)
    patrols = await patrol_rows(session, scope, since, sources)
    return Ledger(
        scope_name=scope.name if scope is not None else "",
        scope_code=scope.code if scope is not None else "",
        generated_at=now, week_start=since, mode=mode, rows=rows, truncated=truncated,
        totals=totals, by_cell=by_cell, by_cell_level=level, by_category=by_category,
        by_source=by_source, campaigns=campaigns, patrols=patrols,
    )

