"""Case figures over the grid, shared by the digest and the ledger: the SQL sums of one GROUP BY
(new, open, due today, overdue, closed against a `Window`), rolled up each cell's ancestors.

One aggregate feeds a whole round: each cell's figures are added to the cell and the cells
above it (a few additions per group, never a loop over cases).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from models import OPEN_STATES, Case, CaseState, GridCell
from services.grid import path_ids

OPEN_STATE_VALUES = [s.value for s in OPEN_STATES]
FIGURES = ("new", "open", "due_today", "overdue", "closed")


@dataclass
class Figures:
    """Counts over a part of the grid: new and closed in the window, open/due/overdue at `now`."""

    new: int = 0
    open: int = 0
    due_today: int = 0
    overdue: int = 0
    closed: int = 0

    def add(self, other: Figures) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def empty(self) -> bool:
        return not any(getattr(self, name) for name in FIGURES)


def figures_of(values: Iterable[Any]) -> Figures:
    """The five sums of `figure_sums`, as read from a result row (NULL when nothing matched)."""
    return Figures(*(int(v or 0) for v in values))


@dataclass
class Agg:
    """A part of the grid's figures, with the open cases by state and all figures by category."""

    figures: Figures = field(default_factory=Figures)
    by_state: Counter[str] = field(default_factory=Counter)
    by_category: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))

    def add(self, state: str, category: str, figures: Figures) -> None:
        self.figures.add(figures)
        if figures.open:
            self.by_state[state] += figures.open
        self.by_category[category].add(figures)


@dataclass(frozen=True)
class Window:
    """The moments a digest counts against, all in UTC."""

    now: datetime
    since: datetime  # "new" and "closed" count from here
    day_end: datetime  # "due today" runs to the end of the local day
    local_date: str


def window(now: datetime, tz: ZoneInfo, span: timedelta = timedelta(hours=24)) -> Window:
    """The `span` before `now`, with "due today" running to the end of the local day."""
    local = now.astimezone(tz)
    end = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=tz)
    return Window(now, now - span, end.astimezone(now.tzinfo), local.date().isoformat())


def figure_sums(w: Window) -> list[ColumnElement[Any]]:
    """The five SUMs of `Figures`, in its field order, for a SELECT grouped any way."""
    is_open = Case.state.in_(OPEN_STATE_VALUES)
    return [
        func.sum(when((Case.created_at >= w.since, 1), else_=0)),
        func.sum(when((is_open, 1), else_=0)),
        func.sum(when((and_(is_open, Case.due_at >= w.now, Case.due_at < w.day_end), 1), else_=0)),
        func.sum(when((and_(is_open, Case.due_at < w.now), 1), else_=0)),
        func.sum(when((and_(Case.state == CaseState.CLOSED, Case.closed_at >= w.since), 1),
                      else_=0)),
    ]


def in_window(w: Window) -> ColumnElement[bool]:
    """Only cases with something to count: open, or new or closed in the window."""
    return or_(Case.state.in_(OPEN_STATE_VALUES), Case.created_at >= w.since,
               Case.closed_at >= w.since)


async def cell_groups(
    session: AsyncSession, w: Window, path: str | None = None
) -> list[tuple[int, str, str, Figures]]:
    """(cell id, state, category, figures): the one aggregate a digest round needs."""
    stmt: Select[Any] = (
        select(Case.cell_id, Case.state, Case.category, *figure_sums(w))
        .where(in_window(w))
        .group_by(Case.cell_id, Case.state, Case.category)
    )
    if path is not None:
        inside = select(GridCell.id).where(GridCell.path.like(f"{path}%"))
        stmt = stmt.where(Case.cell_id.in_(inside))
    rows = await session.execute(stmt)
    return [(r[0], r[1], r[2], figures_of(r[3:])) for r in rows]


async def cell_source_groups(
    session: AsyncSession, w: Window, sources: Iterable[int] | None = None
) -> list[tuple[int, int | None, str, str, Figures]]:
    """(cell id, water source id, state, category, figures): `cell_groups` with the source, for
    a round that also counts linked leaders' sources from the same scan (or only the cases of
    `sources`)."""
    stmt: Select[Any] = (
        select(Case.cell_id, Case.water_source_id, Case.state, Case.category, *figure_sums(w))
        .where(in_window(w))
        .group_by(Case.cell_id, Case.water_source_id, Case.state, Case.category)
    )
    if sources is not None:
        stmt = stmt.where(Case.water_source_id.in_(sorted(sources)))
    rows = await session.execute(stmt)
    return [(r[0], r[1], r[2], r[3], figures_of(r[4:])) for r in rows]


def roll_up(cells: dict[int, GridCell], groups: Iterable[tuple[int, str, str, Figures]]
             ) -> dict[int, Agg]:
    """Each cell's figures added to the cell and every cell above it."""
    aggs: dict[int, Agg] = defaultdict(Agg)
    for cell_id, state, category, figures in groups:
        cell = cells.get(cell_id)
        for owner in path_ids(cell.path) if cell else [cell_id]:
            aggs[owner].add(state, category, figures)
    return aggs


def children_of(cells: dict[int, GridCell]) -> dict[int, list[GridCell]]:
    """parent id -> its child cells among `cells`, by code (the rows of a table)."""
    kids: dict[int, list[GridCell]] = defaultdict(list)
    for cell in cells.values():
        if cell.parent_id is not None:
            kids[cell.parent_id].append(cell)
    for siblings in kids.values():
        siblings.sort(key=lambda c: c.code)
    return kids


async def cells_under(session: AsyncSession, path: str | None = None) -> dict[int, GridCell]:
    """Every cell of the subtree at `path` (the whole grid for None), by id."""
    stmt = select(GridCell)
    if path is not None:
        stmt = stmt.where(GridCell.path.like(f"{path}%"))
    return {c.id: c for c in await session.scalars(stmt)}
