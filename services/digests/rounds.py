"""The daily digest and the fortnightly summary: SQL aggregates per cell, rolled up the grid
(`services.figures`), so a member's digest is the figures of their cell plus those of its
children, and a linked leader's adds their water source's cases outside it; volunteers and
patrollers hear of their own cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    GridCell,
    Level,
    Member,
    Role,
    SupervisionOrder,
    WaterSource,
)
from services.audit import latest_anchor
from services.campaigns import Standing, standings_of_members
from services.deadlines import RED_LEVEL
from services.figures import (
    OPEN_STATE_VALUES,
    Agg,
    Figures,
    Window,
    cell_groups,
    cell_source_groups,
    cells_under,
    children_of,
    figure_sums,
    figures_of,
    in_window,
    roll_up,
    window,
)
from services.grid import cell_names, path_ids
from services.orders import OPEN_ORDER_STATES

OWN_CASES_ROLES = frozenset({Role.VOLUNTEER, Role.PATROLLER})
SUMMARY_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR})
TABLE_LEVELS = frozenset({Level.CITY, Level.COUNTY})
SUMMARY_PERIOD = timedelta(days=15)
OVERDUE_SHOWN = 30


@dataclass(frozen=True)
class OverdueLine:
    number: str
    cell: str
    owner: str | None
    days_late: int
    red: bool = False  # red (the third escalation): in the summary even before it is late
    late: bool = True  # past its deadline (a red line may not be yet)


@dataclass(frozen=True)
class OrderLine:
    """A supervision order still open, as the fortnightly summary lists it."""

    number: str
    case_number: str
    cell: str  # the cell it is addressed to
    days_late: int  # past its deadline; 0 before it
    late: bool = True


@dataclass
class PatrolLine:
    """A water source's counting patrols in its rule's period of `days` (one is needed)."""

    source: str
    done: int
    days: int


@dataclass
class Digest:
    """What one member hears; plain data, so it travels in an outbox payload as JSON."""

    member_id: int
    kind: str  # "daily" or "summary"
    scope: str  # a cell name, or "" for a volunteer's own cases
    local_date: str
    totals: Figures
    by_state: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, Figures] = field(default_factory=dict)
    rows: list[tuple[str, Figures]] = field(default_factory=list)  # by county or township
    rows_level: str = ""  # the level of the cells in `rows`
    overdue: list[OverdueLine] = field(default_factory=list)
    previous: Figures | None = None  # the last summary's figures (summaries only)
    open_orders: int = 0  # supervision orders still open in the scope (summaries only)
    orders: list[OrderLine] = field(default_factory=list)  # the first of them, oldest deadline
    campaigns: list[Standing] = field(default_factory=list)  # those concerning the scope
    # The city supervisors' daily digest carries the latest daily anchor of the case history
    # (services.audit), so a rewrite would have to change messages already delivered.
    anchor_day: str = ""
    anchor_hash: str = ""
    patrols: list[PatrolLine] = field(default_factory=list)  # the scope's sources' patrols

    def to_payload(self) -> dict[str, Any]:
        data = asdict(self)
        data["rows"] = [[name, asdict(f)] for name, f in self.rows]
        data["campaigns"] = [c.to_payload() for c in self.campaigns]
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Digest:
        return cls(
            member_id=data["member_id"], kind=data["kind"], scope=data["scope"],
            local_date=data["local_date"], totals=Figures(**data["totals"]),
            by_state=dict(data["by_state"]),
            by_category={k: Figures(**v) for k, v in data["by_category"].items()},
            rows=[(name, Figures(**f)) for name, f in data["rows"]],
            rows_level=data.get("rows_level", ""),
            overdue=[OverdueLine(**line) for line in data["overdue"]],
            previous=Figures(**data["previous"]) if data.get("previous") else None,
            open_orders=data.get("open_orders", 0),
            orders=[OrderLine(**line) for line in data.get("orders", [])],
            campaigns=[Standing.from_payload(c) for c in data.get("campaigns", [])],
            anchor_day=data.get("anchor_day", ""), anchor_hash=data.get("anchor_hash", ""),
            patrols=[PatrolLine(**p) for p in data.get("patrols", [])],
        )


async def _own_groups(
    session: AsyncSession, w: Window, reporter_ids: Sequence[int]
) -> list[tuple[int, str, str, Figures]]:
    stmt = (
        select(Case.reporter_id, Case.state, Case.category, *figure_sums(w))
        .where(in_window(w), Case.reporter_id.in_(reporter_ids))
        .group_by(Case.reporter_id, Case.state, Case.category)
    )
    rows = await session.execute(stmt)
    return [(r[0], r[1], r[2], figures_of(r[3:])) for r in rows]


async def _overdue(
    session: AsyncSession, w: Window, cells: dict[int, GridCell], path: str | None = None,
    limit: int | None = None, *, red: bool = False,
) -> dict[int, list[OverdueLine]]:
    """The most overdue cases of each cell's subtree, oldest deadline first, at most 30 each;
    with `red`, the red ones first, late or not (the fortnightly meeting goes over both)."""
    overdue = Case.due_at < w.now
    stmt = (
        select(Case.number, Case.cell_id, Case.due_at, Member.display_name,
               Case.escalation_level)
        .outerjoin(Member, Member.id == Case.assignee_id)
        .where(Case.state.in_(OPEN_STATE_VALUES),
               or_(overdue, Case.escalation_level >= RED_LEVEL) if red else overdue)
        .order_by(*([(Case.escalation_level >= RED_LEVEL).desc()] if red else []),
                  Case.due_at, Case.id)
    )
    if path is not None:
        inside = select(GridCell.id).where(GridCell.path.like(f"{path}%"))
        stmt = stmt.where(Case.cell_id.in_(inside))
    if limit is not None:
        stmt = stmt.limit(limit)
    found: dict[int, list[OverdueLine]] = defaultdict(list)
    for number, cell_id, due_at, owner, level in await session.execute(stmt):
        days = (w.now - due_at).days if due_at is not None and due_at < w.now else None
        cell = cells.get(cell_id)
        line = OverdueLine(number, cell.name if cell else "?", owner, days or 0,
                           red and level >= RED_LEVEL, days is not None)
        for above in path_ids(cell.path) if cell else []:
            if len(found[above]) < OVERDUE_SHOWN:
                found[above].append(line)
    return found


@dataclass
class Beyond:
    """A linked leader's water sources outside their cell: the groups and overdue lines that
    their digest adds to their cell's (each case once: the cell's own are not here)."""

    groups: list[tuple[str, str, Figures]] = field(default_factory=list)  # state, category
    overdue: list[OverdueLine] = field(default_factory=list)


async def _beyond(session: AsyncSession, w: Window, cells: dict[int, GridCell],
                  members: Sequence[Member],
                  groups: list[tuple[int, int | None, str, str, Figures]] | None = None,
                  ) -> dict[int, Beyond]:
    """member id -> what their led water sources add outside their cell (none: absent), from
    the round's `groups` (`cell_source_groups`) or, for one digest, a query of their own."""
    ids = [m.id for m in members if m.role_enum not in OWN_CASES_ROLES and m.cell_id in cells]
    led: dict[int, set[int]] = defaultdict(set)  # source -> its leaders among `members`
    for start in range(0, len(ids), 5000):
        for source_id, leader_id in await session.execute(
                select(WaterSource.id, WaterSource.leader_id)
                .where(WaterSource.leader_id.in_(ids[start:start + 5000]))):
            if leader_id is not None:
                led[source_id].add(leader_id)
    if not led:
        return {}
    paths = {m.id: cells[m.cell_id].path for m in members if m.cell_id in cells}
    found: dict[int, Beyond] = defaultdict(Beyond)

    def outside(leader_id: int, cell_id: int) -> bool:
        cell = cells.get(cell_id)
        return cell is None or not cell.path.startswith(paths[leader_id])

    if groups is None:
        groups = await cell_source_groups(session, w, led)
    for cell_id, source, state, category, figures in groups:
        for leader_id in led.get(source, ()) if source is not None else ():
            if outside(leader_id, cell_id):
                found[leader_id].groups.append((state, category, figures))
    late = (await session.execute(
        select(Case.number, Case.water_source_id, Case.cell_id, Case.due_at, Member.display_name)
        .outerjoin(Member, Member.id == Case.assignee_id)
        .where(Case.state.in_(OPEN_STATE_VALUES), Case.due_at < w.now,
               Case.water_source_id.in_(sorted(led)))
        .order_by(Case.due_at, Case.id))).all()
    names = {c.id: c.name for c in cells.values()}
    names.update(await cell_names(session, {row[2] for row in late} - names.keys()))
    for number, source, cell_id, due_at, owner in late:
        assert due_at is not None and source is not None
        line = OverdueLine(number, names.get(cell_id, "?"), owner, (w.now - due_at).days)
        for leader_id in led[source]:
            if outside(leader_id, cell_id):
                found[leader_id].overdue.append(line)
    return found


def _with(agg: Agg | None, beyond: Beyond | None) -> Agg | None:
    """The cell's figures with what the member's water sources add outside it."""
    if beyond is None or not beyond.groups:
        return agg
    merged = Agg()
    if agg is not None:
        merged.figures.add(agg.figures)
        merged.by_state.update(agg.by_state)
        for category, figures in agg.by_category.items():
            merged.by_category[category].add(figures)
    for state, category, figures in beyond.groups:
        merged.add(state, category, figures)
    return merged


def _digest(member: Member, kind: str, scope: str, w: Window, agg: Agg | None,
            rows: list[tuple[str, Figures]], overdue: list[OverdueLine]) -> Digest | None:
    if agg is None or agg.figures.empty():
        return None
    return Digest(
        member_id=member.id, kind=kind, scope=scope, local_date=w.local_date,
        totals=agg.figures, by_state=dict(sorted(agg.by_state.items())),
        by_category={k: v for k, v in sorted(agg.by_category.items()) if not v.empty()},
        rows=rows, overdue=overdue,
    )


def _member_digest(member: Member, kind: str, w: Window, cells: dict[int, GridCell],
                   kids: dict[int, list[GridCell]], aggs: dict[int, Agg],
                   own: dict[int, Agg], overdue: dict[int, list[OverdueLine]],
                   beyond: Beyond | None = None) -> Digest | None:
    if member.role_enum in OWN_CASES_ROLES:
        return _digest(member, kind, "", w, own.get(member.id), [], [])
    cell = _home_of(member, cells)
    if cell is None:
        return None
    rows: list[tuple[str, Figures]] = []
    if cell.level_enum in TABLE_LEVELS:
        rows = [(k.name, aggs[k.id].figures if k.id in aggs else Figures())
                for k in kids.get(cell.id, [])]
    late = overdue.get(cell.id, [])
    if beyond is not None and beyond.overdue:
        late = sorted([*late, *beyond.overdue], key=lambda x: -x.days_late)[:OVERDUE_SHOWN]
    found = _digest(member, kind, cell.name, w, _with(aggs.get(cell.id), beyond), rows, late)
    if found is not None and rows:
        found.rows_level = kids[cell.id][0].level
    return found


async def digest_for(
    session: AsyncSession, member: Member, now: datetime, tz: ZoneInfo
) -> Digest | None:
    """One member's daily digest (their subtree, or their own cases); None: nothing to say."""
    w = window(now, tz)
    if member.role_enum in OWN_CASES_ROLES:
        own = _roll_own(await _own_groups(session, w, [member.id]))
        return _member_digest(member, "daily", w, {}, {}, {}, own, {})
    cell = await _home_cell(session, member)
    if cell is None:
        return None
    cells = await cells_under(session, cell.path)
    aggs = roll_up(cells, await cell_groups(session, w, cell.path))
    overdue = await _overdue(session, w, cells, cell.path, OVERDUE_SHOWN)
    beyond = (await _beyond(session, w, cells, [member])).get(member.id)
    found = _member_digest(member, "daily", w, cells, children_of(cells), aggs, {}, overdue,
                           beyond)
    if found is not None:
        found.campaigns = (await standings_of_members(session, {member.id: cell}, now, tz)
                           ).get(member.id, [])
    return found


async def _home_cell(session: AsyncSession, member: Member) -> GridCell | None:
    """The cell whose subtree a member's digest covers: theirs, or for one who sees the whole
    grid without a cell, its top (a grid of several tops has no such digest)."""
    if member.cell_id is not None:
        return await session.get(GridCell, member.cell_id)
    if not member.sees_whole_grid:
        return None
    tops = list(await session.scalars(
        select(GridCell).where(GridCell.parent_id.is_(None)).limit(2)))
    return tops[0] if len(tops) == 1 else None


def _home_of(member: Member, cells: dict[int, GridCell]) -> GridCell | None:
    """`_home_cell` from a round's cells: the member's, or the grid's single top."""
    if member.cell_id is not None:
        return cells.get(member.cell_id)
    if not member.sees_whole_grid:
        return None
    tops = [c for c in cells.values() if c.parent_id is None]
    return tops[0] if len(tops) == 1 else None


def _roll_own(groups: Iterable[tuple[int, str, str, Figures]]) -> dict[int, Agg]:
    own: dict[int, Agg] = defaultdict(Agg)
    for reporter_id, state, category, figures in groups:
        own[reporter_id].add(state, category, figures)
    return own


async def digest_round(
    session: AsyncSession, members: Sequence[Member], now: datetime, tz: ZoneInfo,
    *, kind: str = "daily", span: timedelta = timedelta(hours=24),
) -> list[Digest]:
    """Digests for many members from one aggregate over all cases (and one over reporters)."""
    w = window(now, tz, span)
    cells = await cells_under(session)
    groups = await cell_source_groups(session, w)
    aggs = roll_up(cells, ((cell, state, category, f) for cell, _, state, category, f in groups))
    reporters = [m.id for m in members if m.role_enum in OWN_CASES_ROLES]
    own: dict[int, Agg] = {}
    for start in range(0, len(reporters), 5000):  # keep under the bound-parameter limits
        own.update(_roll_own(await _own_groups(session, w, reporters[start:start + 5000])))
    overdue = await _overdue(session, w, cells, red=kind == "summary")
    beyond = await _beyond(session, w, cells, members, groups)
    kids = children_of(cells)
    found = [d for d in (_member_digest(m, kind, w, cells, kids, aggs, own, overdue,
                                        beyond.get(m.id)) for m in members) if d is not None]
    by_id = {m.id: m for m in members}
    homes = {d.member_id: home for d in found if d.scope
             and (home := _home_of(by_id[d.member_id], cells)) is not None}
    campaigns = await standings_of_members(session, homes, now, tz)
    orders = await _open_orders(session, w, cells) if kind == "summary" else {}
    anchor = await latest_anchor(session) if kind == "daily" else None
    for digest in found:
        home = homes.get(digest.member_id)
        if anchor is not None and home is not None and home.parent_id is None \
                and by_id[digest.member_id].role == Role.SUPERVISOR:
            digest.anchor_day, digest.anchor_hash = anchor.day.isoformat(), anchor.hash
        digest.campaigns = campaigns.get(digest.member_id, [])
        if digest.member_id in homes:
            count, lines = orders.get(homes[digest.member_id].id, (0, []))
            digest.open_orders, digest.orders = count, lines
    return found


async def _open_orders(session: AsyncSession, w: Window, cells: dict[int, GridCell]
                       ) -> dict[int, tuple[int, list[OrderLine]]]:
    """cell id -> how many supervision orders are still open addressed to its subtree, and the
    first of them by deadline (at most 30), from one scan of the open orders."""
    found: dict[int, tuple[int, list[OrderLine]]] = {}
    rows = await session.execute(
        select(SupervisionOrder.number, SupervisionOrder.target_cell_id,
               SupervisionOrder.deadline, Case.number)
        .join(Case, Case.id == SupervisionOrder.case_id)
        .where(SupervisionOrder.state.in_(OPEN_ORDER_STATES))
        .order_by(SupervisionOrder.deadline, SupervisionOrder.id))
    for number, cell_id, deadline, case_number in rows:
        cell = cells.get(cell_id)
        line = OrderLine(number, case_number, cell.name if cell else "?",
                         (w.now - deadline).days if deadline < w.now else 0, deadline < w.now)
        for above in path_ids(cell.path) if cell else []:
            count, lines = found.get(above, (0, []))
            if len(lines) < OVERDUE_SHOWN:
                lines.append(line)
            found[above] = (count + 1, lines)
    return found
