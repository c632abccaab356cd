"""The place of a report: which answers the draft keeps, and what a case may say of its place.

A point (shared, typed, or a photo's GPS) is kept only when it lies in the grid and, when a
village was chosen from the list in this report, inside that village; a refused point is never
written anywhere. A village chosen from the list is no point at all: the case keeps no
coordinates, and whatever shows it says it was chosen, with at most an approximate map.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Draft, GridCell, WaterSource
from services.reports.drafts import DraftError, PlaceSource, touch


class PlaceLike(Protocol):
    """What `services.grid.routing` answers for a point (structural, so tests may pass a fake)."""

    @property
    def cell_id(self) -> int | None: ...
    @property
    def source_id(self) -> int | None: ...
    @property
    def zone(self) -> str | None: ...


class Locator(Protocol):
    def locate(self, lat: float, lon: float) -> PlaceLike: ...


@lru_cache(maxsize=512)
def _shape(wkt: str) -> BaseGeometry:
    return shapely.from_wkt(wkt)


@lru_cache(maxsize=512)
def _inner_point(wkt: str) -> tuple[float, float]:
    point = _shape(wkt).representative_point()
    return float(point.y), float(point.x)


def covers(cell: GridCell, lat: float, lon: float) -> bool:
    """Whether the cell's boundary holds the point (its edge counts as inside)."""
    return bool(_shape(cell.boundary_wkt).covers(shapely.Point(lon, lat)))


async def check_point(
    session: AsyncSession, draft: Draft, lat: float, lon: float, grid: Locator
) -> PlaceLike:
    """Where a point lands, or DraftError: "outside_grid" (outside every cell), or
    "outside_chosen" with `cell` (the village chosen from the list) and `found` (where it is)."""
    place = grid.locate(lat, lon)
    if place.cell_id is None:
        raise DraftError("outside_grid", lat=lat, lon=lon)
    if draft.chosen_cell_id is not None:
        chosen = await session.get(GridCell, draft.chosen_cell_id)
        if chosen is not None and not covers(chosen, lat, lon):
            found = await session.get(GridCell, place.cell_id)
            raise DraftError("outside_chosen", lat=lat, lon=lon, cell=chosen.name,
                             found=found.name if found else "")
    return place


async def accept_point(
    session: AsyncSession, draft: Draft, lat: float, lon: float, source: PlaceSource,
    grid: Locator, now: datetime,
) -> PlaceLike:
    """Keep a point as the draft's place, after `check_point` (whose refusals it raises, and
    then the draft is left as it was)."""
    place = await check_point(session, draft, lat, lon, grid)
    draft.lat, draft.lon = lat, lon
    draft.place_source = source
    touch(draft, now, source_id=place.source_id or draft.extra.get("source_id"))
    return place


async def choose_village(
    session: AsyncSession, draft: Draft, cell_id: int, now: datetime
) -> GridCell:
    """A village picked from the list becomes the place; any point given before is dropped
    (it was either refused or is replaced by this answer)."""
    cell = await session.get(GridCell, cell_id)
    if cell is None:
        raise DraftError("unknown_cell")
    draft.lat = draft.lon = None
    draft.place_source = PlaceSource.MENU
    draft.chosen_cell_id = cell.id
    touch(draft, now)
    return cell


def forget_point(draft: Draft, now: datetime) -> None:
    """Drop a kept point that no longer lands in the grid (the grid was changed meanwhile)."""
    draft.lat = draft.lon = None
    draft.place_source = None
    touch(draft, now)


def approximate_point(cell: GridCell | None, source: WaterSource | None
                      ) -> tuple[float, float] | None:
    """A point standing for a place chosen from the list: inside the village, else the water
    source's own point. Never a measurement; shown only as approximate."""
    if cell is not None and cell.boundary_wkt:
        return _inner_point(cell.boundary_wkt)
    if source is not None:
        lat, lon = source.properties.get("lat"), source.properties.get("lon")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            return float(lat), float(lon)
    return None


@dataclass(frozen=True)
class CasePlace:
    """A case's place as accepted: a measured point, or a village chosen from the list."""

    source: str | None  # a PlaceSource value; None: filed before it was kept (a point as given)
    point: tuple[float, float] | None  # (lat, lon), WGS-84, measured; None when chosen
    chosen: str | None  # the name of the village chosen from the list
    approximate: tuple[float, float] | None  # stands for the chosen village, for a map only

    @property
    def from_list(self) -> bool:
        return self.point is None


async def case_place(session: AsyncSession, case: Case) -> CasePlace:
    if case.lat is not None and case.lon is not None:
        return CasePlace(case.place_source, (case.lat, case.lon), None, None)
    # chosen from the list: the village it was filed under (a reroute does not change it)
    cell = await session.get(GridCell, case.origin_cell_id)
    source = (await session.get(WaterSource, case.water_source_id)
              if case.water_source_id else None)
    return CasePlace(PlaceSource.MENU, None, cell.name if cell else None,
                     approximate_point(cell, source))
