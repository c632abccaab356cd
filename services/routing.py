"""Which grid cell, water source and zone hold a point: one Shapely STRtree over all polygons.

The index is built once from plain (id, level, wkt) rows and swapped whole after a grid import,
so lookups never touch the database. Boundaries count as inside (predicate "intersects").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import shapely
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.grid import GridCell, Level, ProtectionZone, Zone

EARTH_RADIUS_M = 6_371_008.8
_LEVEL_RANK = {level.value: level.rank for level in Level}
# Lower is more serious: grade1 beats grade2 beats quasi.
_ZONE_RANK = {Zone.GRADE1.value: 0, Zone.GRADE2.value: 1, Zone.QUASI.value: 2}


class CellShape(NamedTuple):
    id: int
    level: str
    wkt: str


class ZoneShape(NamedTuple):
    source_id: int
    grade: str
    wkt: str


@dataclass(frozen=True)
class Place:
    """Where a point falls: the deepest cell, and the most serious protection zone, if any."""

    cell_id: int | None
    source_id: int | None = None
    zone: str | None = None


NOWHERE = Place(None)


class GridIndex:
    """Cells and zones in one STRtree; tree positions below `_n_cells` are cells, the rest zones."""

    def __init__(self, ids: list[int], ranks: list[int], areas: list[float],
                 zone_sources: list[int], zone_grades: list[str],
                 tree: shapely.STRtree) -> None:
        self._ids = ids
        self._ranks = ranks
        self._areas = areas
        self._n_cells = len(ids)
        self._zone_sources = zone_sources
        self._zone_grades = zone_grades
        self._tree = tree

    @classmethod
    def build(cls, cells: Iterable[tuple[int, str, str]],
              zones: Iterable[tuple[int, str, str]] = ()) -> GridIndex:
        """From (cell id, level, wkt) and (source id, grade, wkt) rows."""
        cell_rows = list(cells)
        zone_rows = list(zones)
        geoms = shapely.from_wkt([r[2] for r in cell_rows] + [r[2] for r in zone_rows])
        areas = shapely.area(geoms[: len(cell_rows)]).tolist()
        return cls(
            ids=[r[0] for r in cell_rows],
            ranks=[_LEVEL_RANK[r[1]] for r in cell_rows],
            areas=areas,
            zone_sources=[r[0] for r in zone_rows],
            zone_grades=[r[1] for r in zone_rows],
            tree=shapely.STRtree(geoms),
        )

    @classmethod
    def empty(cls) -> GridIndex:
        return cls.build([], [])

    def __len__(self) -> int:
        return self._n_cells

    def locate(self, lat: float, lon: float) -> Place:
        """The smallest cell holding (lat, lon), and the most serious zone there; x is longitude."""
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return NOWHERE
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        best_cell = -1
        best_zone = -1
        n_cells = self._n_cells
        for i in hits.tolist():
            if i < n_cells:
                if best_cell < 0 or self._cell_key(i) < self._cell_key(best_cell):
                    best_cell = i
            else:
                z = i - n_cells
                if best_zone < 0 or self._zone_key(z) < self._zone_key(best_zone):
                    best_zone = z
        return Place(
            cell_id=self._ids[best_cell] if best_cell >= 0 else None,
            source_id=self._zone_sources[best_zone] if best_zone >= 0 else None,
            zone=self._zone_grades[best_zone] if best_zone >= 0 else None,
        )

    def _cell_key(self, i: int) -> tuple[int, float, int]:
        # deepest level first; among overlapping cells of one level the smaller, then the lower id
        return (-self._ranks[i], self._areas[i], self._ids[i])

    def _zone_key(self, z: int) -> tuple[int, int]:
        return (_ZONE_RANK.get(self._zone_grades[z], len(_ZONE_RANK)), self._zone_sources[z])


async def load_grid_index(session: AsyncSession) -> GridIndex:
    """Read every cell and zone once and build the index (at start and after a grid import)."""
    cells = (await session.execute(
        select(GridCell.id, GridCell.level, GridCell.boundary_wkt).order_by(GridCell.id))).all()
    zones = (await session.execute(
        select(ProtectionZone.source_id, ProtectionZone.grade, ProtectionZone.boundary_wkt)
        .order_by(ProtectionZone.id))).all()
    return GridIndex.build([CellShape(*r) for r in cells], [ZoneShape(*r) for r in zones])


class GridIndexHolder:
    """The one index the bot uses; `reload` swaps it whole, so a lookup never sees half of one."""

    def __init__(self, index: GridIndex | None = None) -> None:
        self.current = index if index is not None else GridIndex.empty()

    async def reload(self, session: AsyncSession) -> GridIndex:
        self.current = await load_grid_index(session)
        return self.current

    def locate(self, lat: float, lon: float) -> Place:
        return self.current.locate(lat, lon)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine), for duplicate checks and on-site checks."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
