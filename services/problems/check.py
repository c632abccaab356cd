"""Each row of a problem list checked against the grid, the categories and the calendar, and
turned into a `ListedProblem`, or refused with every reason it has (in the office's words:
the column and what it said)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import CaseSource, GridCell, WaterSource
from services.grid import GridIndex, load_grid_index
from services.problems.columns import ORIGINS, STATUSES, ZONES, Field, folded
from services.problems.read import RawRow
from services.settings import Settings
from services.workflow import ListedProblem

_DATE = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_POINT = re.compile(r"^(-?\d{1,2}(?:\.\d+)?)\s*[,，]\s*(-?\d{1,3}(?:\.\d+)?)$")
_NAME_PARTS = re.compile(r"[/()（）、]")


def parse_date(value: str | date, today: date) -> date | None:
    """'2026-11-30', '2026/11/30', '2026年11月30日', '11月30日' (this year) or a sheet's date."""
    if isinstance(value, date):
        return value
    match = _DATE.match(value.strip())
    if not match:
        return None
    try:
        return date(int(match.group(1) or today.year), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def end_of(day: date, tz: ZoneInfo) -> datetime:
    """The last minute of a local day, in UTC: what "by 30 November" means (as a plan's date)."""
    return datetime.combine(day, time(23, 59), tzinfo=tz).astimezone(UTC)


@dataclass
class Lookups:
    """The grid and categories, read once for the whole list."""

    cells_by_code: dict[str, GridCell]
    cells_by_name: dict[str, list[GridCell]]
    sources_by_code: dict[str, WaterSource]
    sources_by_name: dict[str, list[WaterSource]]
    categories: dict[str, str]  # a folded code or name (or a part of a name) -> code
    settings: Settings
    session: AsyncSession
    now: datetime
    _index: GridIndex | None = None

    @property
    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(self.settings.locale.timezone)).date()

    async def locate(self, lat: float, lon: float) -> tuple[int | None, int | None, str | None]:
        if self._index is None:
            self._index = await load_grid_index(self.session)
        place = self._index.locate(lat, lon)
        return place.cell_id, place.source_id, place.zone


async def lookups(session: AsyncSession, settings: Settings, now: datetime) -> Lookups:
    cells = list(await session.scalars(select(GridCell)))
    sources = list(await session.scalars(select(WaterSource)))
    by_name: dict[str, list[GridCell]] = defaultdict(list)
    for cell in cells:
        by_name[folded(cell.name)].append(cell)
    source_names: dict[str, list[WaterSource]] = defaultdict(list)
    for source in sources:
        source_names[folded(source.name)].append(source)
    categories: dict[str, str] = {}
    for category in settings.categories:
        words = [category.code, category.zh_CN, category.en]
        words += [p for p in _NAME_PARTS.split(category.zh_CN) if p]
        for word in words:
            categories.setdefault(folded(word), category.code)
    return Lookups({c.code: c for c in cells}, dict(by_name), {s.code: s for s in sources},
                   dict(source_names), categories, settings, session, now)


def _one(found: list[GridCell] | list[WaterSource], what: str, value: str,
         why: list[str]) -> int | None:
    if len(found) == 1:
        return found[0].id
    if not found:
        why.append(f"{what} {value!r}: no such {what} in the grid")
    else:
        why.append(f"{what} {value!r}: several have this name, give its code "
                   f"({', '.join(sorted(x.code for x in found))})")
    return None


async def check_row(row: RawRow, look: Lookups) -> tuple[ListedProblem | None, list[str]]:
    """The row as a problem, or None and why not (every reason, not only the first)."""
    why: list[str] = []
    tz = ZoneInfo(look.settings.locale.timezone)
    number = row.text(Field.NUMBER)
    if not number:
        why.append("编号 (number) is empty")
    elif len(number) > 64:
        why.append("编号 (number) is longer than 64 characters")
    issuer = row.text(Field.ISSUER)
    if len(issuer) > 100:
        why.append("交办单位 (issuer) is longer than 100 characters")
    origin_text = row.text(Field.ORIGIN)
    origin = ORIGINS.get(folded(origin_text)) if origin_text else ("assigned" if issuer else "self")
    if origin is None:
        why.append(f"来源 (origin) {origin_text!r}: say 交办 or 自查")
    category_text = row.text(Field.CATEGORY)
    category = look.categories.get(folded(category_text))
    if category is None:
        why.append(f"问题类型 (category) {category_text!r}: not one of the categories "
                   "(config.toml [[categories]])")
    description = row.text(Field.DESCRIPTION)
    if not description:
        why.append("问题描述 (description) is empty")
    elif len(description) > look.settings.cases.max_description:
        why.append(f"问题描述 (description) is longer than "
                   f"{look.settings.cases.max_description} characters")
    zone_text = row.text(Field.ZONE)
    zone = ZONES.get(folded(zone_text)) if zone_text else None
    if zone_text and zone is None:
        why.append(f"保护区类型 (zone) {zone_text!r}: say 一级保护区, 二级保护区 or 准保护区")
    source_id = None
    source_text = row.text(Field.WATER_SOURCE)
    if source_text:
        source = look.sources_by_code.get(source_text)
        source_id = source.id if source else _one(
            look.sources_by_name.get(folded(source_text), []), "water source", source_text, why)
    cell_id = await _where(row, look, why, source_id)
    if isinstance(cell_id, tuple):
        cell_id, located_source, located_zone = cell_id
        source_id = source_id or located_source
        zone = zone or located_zone
    status_text = row.text(Field.STATUS)
    done = STATUSES.get(folded(status_text)) if status_text else None
    if status_text and done is None:
        why.append(f"是否完成 (status) {status_text!r}: say 是 (already rectified) or 否")
    done_on = None
    if Field.DONE_ON in row.values:
        done_on = parse_date(row.values[Field.DONE_ON], look.today)
        if done_on is None:
            why.append(f"完成时间 (done on) {row.text(Field.DONE_ON)!r} is no date")
        elif done is None:
            done = True
    deadline = None
    if Field.DEADLINE in row.values:
        deadline = parse_date(row.values[Field.DEADLINE], look.today)
        if deadline is None:
            why.append(f"整改时限 (deadline) {row.text(Field.DEADLINE)!r} is no date "
                       "(write 2026-11-30 or 2026年11月30日)")
    elif not done:
        why.append("整改时限 (deadline) is empty (an open problem needs its date)")
    if why or origin is None or category is None or cell_id is None:
        return None, why
    closed_at = None
    if done:
        closed_at = min(end_of(done_on, tz), look.now) if done_on else look.now
    due_day = deadline or done_on or look.today
    return ListedProblem(
        origin=CaseSource(origin), issuer=issuer, number=number, cell_id=cell_id,
        water_source_id=source_id, zone=zone, category=category, description=description,
        due=end_of(due_day, tz), measures=row.text(Field.MEASURES),
        owner=row.text(Field.OWNER)[:128], progress=row.text(Field.PROGRESS),
        closed_at=closed_at,
    ), []


async def _where(row: RawRow, look: Lookups, why: list[str], source_id: int | None
                 ) -> int | tuple[int | None, int | None, str | None] | None:
    """The responsible cell: 责任网格 by code or name, else 地点 (a cell's name, or 'lat, lon'),
    else the cell the water source belongs to."""
    for key, what in ((Field.CELL, "responsible cell"), (Field.PLACE, "place")):
        text = row.text(key)
        if not text:
            continue
        if text in look.cells_by_code:
            return look.cells_by_code[text].id
        point = _POINT.match(text) if key is Field.PLACE else None
        if point:
            found = await look.locate(float(point.group(1)), float(point.group(2)))
            if found[0] is None:
                why.append(f"place {text!r}: outside the grid")
                return None
            return found
        return _one(look.cells_by_name.get(folded(text), []), what, text, why)
    if source_id is not None:
        source = next(s for s in look.sources_by_code.values() if s.id == source_id)
        if source.cell_id is not None:
            return source.cell_id
        why.append("no responsible cell: the water source belongs to no cell; fill 责任网格")
        return None
    why.append("no responsible cell: fill 责任网格, 地点 or 水源地")
    return None
