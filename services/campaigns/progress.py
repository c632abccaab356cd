"""A campaign's progress as offices report it: how many problems, how many rectified (struck
off, 销号), how many on schedule and how many overdue, by origin (交办, 自查, public reports),
each with its date; and one row per case for the progress sheet. Merged duplicates and rejected
reports are no problems of the campaign and are left out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Campaign, CampaignCase, Case, CaseSource, CaseState, GridCell, WaterSource
from services.grid import subtree_filter

ORIGIN_ORDER = (CaseSource.ASSIGNED, CaseSource.SELF, CaseSource.PUBLIC)
LEFT_OUT = (CaseState.MERGED, CaseState.REJECTED)
# 整治进度 (per cent) of a case by its state: where it stands on the way to 销号.
PERCENT: dict[str, int] = {
    CaseState.SUBMITTED: 0, CaseState.ACCEPTED: 10, CaseState.DISPATCHED: 20,
    CaseState.RECTIFYING: 50, CaseState.RECTIFIED: 80, CaseState.CHECKED: 90,
    CaseState.CLOSED: 100,
}


@dataclass(frozen=True)
class ProgressRow:
    """One case of the campaign, as the progress sheet shows it."""

    number: str
    origin: str
    issuer: str
    issue_number: str
    water_source: str
    zone: str | None
    category: str
    description: str
    measures: str
    progress: str  # what the list said of it, else ""
    state: str
    due_on: date
    done: bool
    overdue: bool
    percent: int
    cell: str


@dataclass
class Figures:
    total: int = 0
    rectified: int = 0
    on_schedule: int = 0
    overdue: int = 0
    due_on: date | None = None  # the latest date of its open problems (else of all of them)

    def add(self, row: ProgressRow) -> None:
        self.total += 1
        if row.done:
            self.rectified += 1
        elif row.overdue:
            self.overdue += 1
        else:
            self.on_schedule += 1


@dataclass
class Progress:
    name: str
    due_on: date
    as_of: date
    scope_name: str | None  # None: the whole grid
    rows: list[ProgressRow] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    by_origin: dict[str, Figures] = field(default_factory=dict)  # in ORIGIN_ORDER


def members_of(campaign: Campaign) -> ColumnElement[bool]:
    """The WHERE clause of a campaign's cases: those linked to it, or matching its selectors."""
    linked = Case.id.in_(select(CampaignCase.case_id)
                         .where(CampaignCase.campaign_id == campaign.id))
    selectors: list[ColumnElement[bool]] = []
    if campaign.origin:
        selectors.append(Case.source == campaign.origin)
    if campaign.water_source_id is not None:
        selectors.append(Case.water_source_id == campaign.water_source_id)
    if campaign.cell_id is not None:
        below = (select(GridCell.id).where(GridCell.path.like(
            select(GridCell.path).where(GridCell.id == campaign.cell_id).scalar_subquery()
            + "%")))
        selectors.append(Case.cell_id.in_(below))
    return or_(linked, and_(*selectors)) if selectors else linked


async def load_progress(
    session: AsyncSession, campaign: Campaign, now: datetime, tz: ZoneInfo,
    scope: GridCell | None = None,
) -> Progress:
    """The campaign's figures and rows (of `scope`'s part of the grid, or all of it)."""
    end = campaign.due_on
    query = (
        select(Case, GridCell.name, WaterSource.name)
        .join(GridCell, GridCell.id == Case.cell_id)
        .outerjoin(WaterSource, WaterSource.id == Case.water_source_id)
        .where(members_of(campaign), Case.state.not_in(LEFT_OUT))
        .order_by(Case.source, Case.id)
    )
    if scope is not None:
        query = query.where(subtree_filter(scope.path))
    today = now.astimezone(tz).date()
    progress = Progress(campaign.name, end, today, scope.name if scope else None)
    for case, cell_name, source_name in (await session.execute(query)).all():
        planned = case.plan_due.astimezone(tz).date() if case.plan_due else end
        due_on = min(planned, end)
        done = case.state == CaseState.CLOSED
        progress.rows.append(ProgressRow(
            number=case.number, origin=case.source, issuer=case.issuer or "",
            issue_number=case.issue_number or "", water_source=source_name or "",
            zone=case.zone, category=case.category, description=case.description,
            measures=case.plan_task or "", progress=case.plan_steps or "", state=case.state,
            due_on=due_on, done=done, overdue=not done and today > due_on,
            percent=PERCENT.get(case.state, 0), cell=cell_name,
        ))
    for origin in ORIGIN_ORDER:
        rows = [r for r in progress.rows if r.origin == origin]
        if rows:
            progress.by_origin[origin] = _figures(rows)
    progress.total = _figures(progress.rows) if progress.rows else Figures(due_on=end)
    return progress


def _figures(rows: list[ProgressRow]) -> Figures:
    figures = Figures()
    for row in rows:
        figures.add(row)
    dates = [r.due_on for r in rows if not r.done] or [r.due_on for r in rows]
    figures.due_on = max(dates)
    return figures
