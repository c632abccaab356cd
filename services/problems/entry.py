"""One problem entered from the chat (`/problem`): the choices its questions offer from the grid
and the campaigns, and the answers filed as a one-row list through the import, so it becomes
exactly the case a list's row would."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Campaign, GridCell, WaterSource
from services.grid import subtree_filter
from services.problems.columns import Field
from services.problems.load import ImportReport, import_problems
from services.problems.read import RawRow
from services.settings import Settings

ORIGIN_WORDS = {"assigned": "交办", "self": "自查"}  # what the import reads


async def sources_in(session: AsyncSession, scope: GridCell | None,
                     limit: int = 30) -> list[WaterSource]:
    """The water sources of a part of the grid (None: all of them), by name."""
    query = select(WaterSource).order_by(WaterSource.name).limit(limit)
    if scope is not None:
        query = query.join(GridCell, GridCell.id == WaterSource.cell_id).where(
            subtree_filter(scope.path))
    return list(await session.scalars(query))


async def cells_below(session: AsyncSession, cell_id: int | None,
                      limit: int = 40) -> list[GridCell]:
    """The cells right below a cell (None: the top of the grid), by code."""
    parent = GridCell.parent_id.is_(None) if cell_id is None else GridCell.parent_id == cell_id
    return list(await session.scalars(
        select(GridCell).where(parent).order_by(GridCell.code).limit(limit)))


async def campaigns_from(session: AsyncSession, day: date, limit: int = 20) -> list[Campaign]:
    """The campaigns whose date is `day` or later, the nearest first."""
    return list(await session.scalars(select(Campaign).where(Campaign.due_on >= day)
                                      .order_by(Campaign.due_on, Campaign.id).limit(limit)))


async def enter_problem(
    session: AsyncSession, settings: Settings, now: datetime, *, origin: str, issuer: str,
    number: str, cell: GridCell, source: WaterSource | None, category: str,
    description: str, due: date, campaign: Campaign | None, actor_id: int,
) -> ImportReport:
    """The answers as one row of a list, imported (raises ProblemListRefused as the import
    does); the caller commits."""
    values: dict[Field, Any] = {
        Field.NUMBER: number, Field.ISSUER: issuer, Field.ORIGIN: ORIGIN_WORDS[origin],
        Field.CELL: cell.code, Field.CATEGORY: category, Field.DESCRIPTION: description,
        Field.DEADLINE: due,
    }
    if source is not None:
        values[Field.WATER_SOURCE] = source.code
    if campaign is not None:
        values[Field.CAMPAIGN] = campaign.name
    return await import_problems(session, [RawRow(1, values)], settings, now,
                                 source_file="chat", actor_id=actor_id)
