"""Every campaign's figures for many parts of the grid at once (the digests' round, the
fortnightly summary, the ledger, the reminders): one query for the cases of all campaigns
(`campaign_entries`), then counted for a cell's subtree and a linked leader's water sources
(`standings`), each case once per campaign."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models import Campaign, Case, CaseState, GridCell, WaterSource
from services.campaigns.progress import (
    LEFT_OUT,
    ORIGIN_ORDER,
    Figures,
    Progress,
    members_of,
)
from services.grid import path_ids


@dataclass(frozen=True)
class Entry:
    """One case of one campaign, judged as `load_progress` judges it."""

    campaign_id: int
    case_id: int
    number: str
    cell_id: int
    path: str
    water_source_id: int | None
    origin: str
    done: bool
    overdue: bool
    due_on: date


@dataclass
class Standing:
    """A campaign's figures in a part of the grid; plain data (`to_payload`) for a digest."""

    name: str
    due_on: date
    as_of: date
    total: Figures = field(default_factory=Figures)
    by_origin: dict[str, Figures] = field(default_factory=dict)

    @property
    def open(self) -> int:
        return self.total.total - self.total.rectified

    def progress(self, scope_name: str | None) -> Progress:
        """As a `Progress` without rows, for `progress_lines`."""
        return Progress(self.name, self.due_on, self.as_of, scope_name, total=self.total,
                        by_origin=dict(self.by_origin))

    def to_payload(self) -> dict[str, Any]:
        return {"name": self.name, "due_on": self.due_on.isoformat(),
                "as_of": self.as_of.isoformat(), "total": _figures_payload(self.total),
                "by_origin": {o: _figures_payload(f) for o, f in self.by_origin.items()}}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Standing:
        return cls(name=data["name"], due_on=date.fromisoformat(data["due_on"]),
                   as_of=date.fromisoformat(data["as_of"]), total=_figures(data["total"]),
                   by_origin={o: _figures(f) for o, f in data["by_origin"].items()})


def _figures_payload(f: Figures) -> list[Any]:
    return [f.total, f.rectified, f.on_schedule, f.overdue,
            f.due_on.isoformat() if f.due_on else None]


def _figures(data: list[Any]) -> Figures:
    total, rectified, on_schedule, overdue, due = data
    return Figures(total, rectified, on_schedule, overdue,
                   date.fromisoformat(due) if due else None)


@dataclass
class Entries:
    """The round's cases of every campaign, with the campaigns themselves."""

    as_of: date
    campaigns: dict[int, Campaign]
    rows: list[Entry]
    by_cell: dict[int, list[Entry]] = field(default_factory=dict)  # every cell above, too

    def __post_init__(self) -> None:
        index: dict[int, list[Entry]] = defaultdict(list)
        for entry in self.rows:
            for cell_id in path_ids(entry.path) or [entry.cell_id]:
                index[cell_id].append(entry)
        self.by_cell = dict(index)


async def campaign_entries(session: AsyncSession, now: datetime, tz: ZoneInfo,
                           campaigns: Sequence[Campaign] | None = None) -> Entries:
    """The cases of every campaign (or of `campaigns`) in one query (a UNION of each one's
    members), merged duplicates and rejected reports left out."""
    chosen = list(campaigns) if campaigns is not None else list(
        await session.scalars(select(Campaign).order_by(Campaign.due_on, Campaign.id)))
    today = now.astimezone(tz).date()
    if not chosen:
        return Entries(today, {}, [])
    parts = [
        select(literal(c.id).label("campaign_id"), Case.id, Case.number, Case.cell_id,
               GridCell.path, Case.water_source_id, Case.source, Case.state, Case.plan_due)
        .join(GridCell, GridCell.id == Case.cell_id)
        .where(members_of(c), Case.state.not_in(LEFT_OUT))
        for c in chosen
    ]
    query = parts[0] if len(parts) == 1 else union_all(*parts)
    by_id = {c.id: c for c in chosen}
    rows: list[Entry] = []
    for campaign_id, case_id, number, cell_id, path, source, origin, state, plan_due in (
            await session.execute(query)).all():
        end = by_id[campaign_id].due_on
        planned = plan_due.astimezone(tz).date() if plan_due else end
        due_on = min(planned, end)
        done = state == CaseState.CLOSED
        rows.append(Entry(campaign_id, case_id, number, cell_id, path, source, origin, done,
                          not done and today > due_on, due_on))
    rows.sort(key=lambda e: (e.campaign_id, e.case_id))
    return Entries(today, by_id, rows)


def chosen_entries(entries: Entries, path: str | None, cell_id: int | None = None,
                   sources: Iterable[int] = ()) -> list[Entry]:
    """The entries of a cell's subtree (`cell_id` and its `path`; None: the whole grid) and of
    `sources` outside it, each once."""
    if cell_id is None or path is None:
        return list(entries.rows)
    found = list(entries.by_cell.get(cell_id, []))
    wanted = set(sources)
    if wanted:
        found += [e for e in entries.rows
                  if e.water_source_id in wanted and not e.path.startswith(path)]
    return found


def standings(entries: Entries, chosen: Iterable[Entry], *, current: bool = False
              ) -> list[Standing]:
    """Each campaign's figures over `chosen`, the nearest date first; `current`: only those
    still open there or not yet past their date (a digest's)."""
    by_campaign: dict[int, list[Entry]] = defaultdict(list)
    for entry in chosen:
        by_campaign[entry.campaign_id].append(entry)
    found: list[Standing] = []
    for campaign_id, rows in by_campaign.items():
        campaign = entries.campaigns[campaign_id]
        standing = Standing(campaign.name, campaign.due_on, entries.as_of, _count(rows))
        for origin in ORIGIN_ORDER:
            of_origin = [r for r in rows if r.origin == origin]
            if of_origin:
                standing.by_origin[origin] = _count(of_origin)
        if not current or standing.open or campaign.due_on >= entries.as_of:
            found.append(standing)
    found.sort(key=lambda s: (s.due_on, s.name))
    return found


def _count(rows: list[Entry]) -> Figures:
    figures = Figures()
    for row in rows:
        figures.total += 1
        if row.done:
            figures.rectified += 1
        elif row.overdue:
            figures.overdue += 1
        else:
            figures.on_schedule += 1
    dates = [r.due_on for r in rows if not r.done] or [r.due_on for r in rows]
    figures.due_on = max(dates)
    return figures


async def standings_of_members(
    session: AsyncSession, homes: Mapping[int, GridCell], now: datetime, tz: ZoneInfo,
) -> dict[int, list[Standing]]:
    """member id -> the campaigns concerning the subtree of their digest's cell (`homes`: by
    member id) and the water sources they lead (those with nothing there, or done and past
    their date, are absent): one query for all campaigns' cases and one for the sources led,
    whatever the number of members."""
    staff = list(homes)
    if not staff:
        return {}
    entries = await campaign_entries(session, now, tz)
    if not entries.rows:
        return {}
    led: dict[int, set[int]] = defaultdict(set)
    ids = staff
    for start in range(0, len(ids), 5000):  # keep under the bound-parameter limits
        for source_id, leader_id in await session.execute(
                select(WaterSource.id, WaterSource.leader_id)
                .where(WaterSource.leader_id.in_(ids[start:start + 5000]))):
            if leader_id is not None:
                led[leader_id].add(source_id)
    seen: dict[tuple[int, frozenset[int]], list[Standing]] = {}
    found: dict[int, list[Standing]] = {}
    for member_id in staff:
        cell = homes[member_id]
        key = (cell.id, frozenset(led.get(member_id, ())))
        if key not in seen:
            seen[key] = standings(entries, chosen_entries(entries, cell.path, cell.id, key[1]),
                                  current=True)
        if seen[key]:
            found[member_id] = seen[key]
    return found
