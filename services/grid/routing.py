"""Which grid cell, water source and zone hold a point: one Shapely STRtree over all polygons.

The index is built once from plain (id, level, wkt) rows and swapped whole after a grid import,
so lookups never touch the database. Boundaries count as inside (predicate "intersects").
"""

from __future__ import annotations

import math
import struct
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
# A point as little-endian WKB; from_wkb on this is ~1.5x faster than shapely.Point(x, y).
_WKB_POINT = struct.Struct("<BIdd")


class GridIndex:
    """Cells and zones in one STRtree, stored best first so `locate` only takes minimums.

    Tree positions below `_n_cells` are cells, deepest level first, then the smaller area, then
    the lower id; the rest are zones, grade1 first, then grade2, then quasi, then the lower source.
    """

    def __init__(self, cell_places: list[Place], zone_places: list[tuple[int, str]],
                 tree: shapely.STRtree) -> None:
        self._cell_places = cell_places
        self._n_cells = len(cell_places)
        self._zone_places = zone_places
        self._tree = tree

    @classmethod
    def build(cls, cells: Iterable[tuple[int, str, str]],
              zones: Iterable[tuple[int, str, str]] = ()) -> GridIndex:
        """From (cell id, level, wkt) and (source id, grade, wkt) rows."""
        cell_rows = list(cells)
        zone_rows = sorted(zones, key=lambda z: (_ZONE_RANK[z[1]], z[0]))
        cell_geoms = shapely.from_wkt([r[2] for r in cell_rows])
        areas = shapely.area(cell_geoms).tolist()
        best_first = sorted(
            range(len(cell_rows)),
            key=lambda i: (-_LEVEL_RANK[cell_rows[i][1]], areas[i], cell_rows[i][0]))
        geoms = [cell_geoms[i] for i in best_first]
        geoms += shapely.from_wkt([r[2] for r in zone_rows]).tolist()
        return cls(
            cell_places=[Place(cell_rows[i][0]) for i in best_first],
            zone_places=[(r[0], r[1]) for r in zone_rows],
            tree=shapely.STRtree(geoms),
        )

    @classmethod
    def empty(cls) -> GridIndex:
        return cls.build([], [])

    def __len__(self) -> int:
        return self._n_cells

    def locate(self, lat: float, lon: float) -> Place:
        """The smallest cell holding (lat, lon), and the most serious zone there; x is longitude.

        Not-a-number or infinite coordinates hold no geometry, so they land nowhere."""
        point = shapely.from_wkb(_WKB_POINT.pack(1, 1, lon, lat))
        hits: list[int] = self._tree.query(point, predicate="intersects").tolist()
        if not hits:
            return NOWHERE
        n_cells = self._n_cells
        first = min(hits)
        if max(hits) < n_cells:  # no zone here: the usual case, answered without allocating
            return self._cell_places[first]
        source, grade = self._zone_places[min(h for h in hits if h >= n_cells) - n_cells]
        cell_id = self._cell_places[first].cell_id if first < n_cells else None
        return Place(cell_id, source, grade)


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
