"""Questions about the grid that the rest of the bot asks: a cell by code, its ancestors and
subtree (through the materialised path), who manages a cell (or the nearest cell above that
has managers), the tree for `grid show`, and water sources."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import shapely
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.grid import GridCell, Level, WaterSource
from models.member import Member, Role


def path_ids(path: str) -> list[int]:
    """"/1/4/9/" -> [1, 4, 9]: the cell's ancestors, city first, then the cell itself."""
    return [int(part) for part in path.split("/") if part]


def subtree_filter(path: str) -> ColumnElement[bool]:
    """A WHERE clause for a cell and everything under it (paths hold only digits and '/')."""
    return GridCell.path.like(f"{path}%")


async def cell_by_code(session: AsyncSession, code: str) -> GridCell | None:
    return await session.scalar(select(GridCell).where(GridCell.code == code))


async def ancestors(session: AsyncSession, cell: GridCell) -> list[GridCell]:
    """The cells above `cell`, city first; the cell itself is not included."""
    ids = [i for i in path_ids(cell.path) if i != cell.id]
    if not ids:
        return []
    rows = (await session.scalars(select(GridCell).where(GridCell.id.in_(ids)))).all()
    return sorted(rows, key=lambda c: c.level_enum.rank)


async def cell_chain(session: AsyncSession, cell_id: int) -> list[GridCell]:
    """The cell and its ancestors, the city first."""
    cell = await session.get(GridCell, cell_id)
    if cell is None:
        return []
    ids = path_ids(cell.path) or [cell.id]
    rows = {c.id: c for c in await session.scalars(select(GridCell).where(GridCell.id.in_(ids)))}
    rows[cell.id] = cell
    return [rows[i] for i in ids if i in rows]


async def managers_of(
    session: AsyncSession, cell_id: int, roles: tuple[Role, ...] = (Role.MANAGER,)
) -> list[Member]:
    """The active grid managers (or members of other `roles`) of one cell, oldest first."""
    rows = await session.scalars(
        select(Member)
        .where(Member.cell_id == cell_id, Member.role.in_(roles), Member.active.is_(True))
        .order_by(Member.id)
    )
    return list(rows)


async def managers_by_cell(session: AsyncSession, cell_ids: list[int]) -> dict[int, list[Member]]:
    """The active managers of several cells in one query: cell id -> managers, oldest first
    (a cell without any is absent)."""
    if not cell_ids:
        return {}
    rows = await session.scalars(
        select(Member)
        .where(Member.cell_id.in_(cell_ids), Member.role == Role.MANAGER, Member.active.is_(True))
        .order_by(Member.id)
    )
    found: dict[int, list[Member]] = {}
    for member in rows:
        assert member.cell_id is not None
        found.setdefault(member.cell_id, []).append(member)
    return found


async def nearest_managers(session: AsyncSession, cell_id: int | None) -> list[Member]:
    """The managers of the cell, or of the nearest cell above that has some (none for no cell):
    the people a case in the cell is pushed to."""
    if cell_id is None:
        return []
    return (await nearest_managers_of(session, {cell_id})).get(cell_id, [])


async def nearest_managers_of(
    session: AsyncSession, cell_ids: Iterable[int]
) -> dict[int, list[Member]]:
    """`nearest_managers` of many cells in two queries: cell id -> managers (an unknown cell,
    or one with nobody above it, is absent)."""
    wanted = set(cell_ids)
    if not wanted:
        return {}
    paths = dict((await session.execute(
        select(GridCell.id, GridCell.path).where(GridCell.id.in_(wanted)))).all())
    chains = {cell: path_ids(path) or [cell] for cell, path in paths.items()}
    by_cell = await managers_by_cell(session, sorted({i for c in chains.values() for i in c}))
    found: dict[int, list[Member]] = {}
    for cell, chain in chains.items():
        nearest = next((by_cell[i] for i in reversed(chain) if by_cell.get(i)), None)
        if nearest is not None:
            found[cell] = nearest
    return found


async def led_sources(session: AsyncSession, member: Member) -> frozenset[int]:
    """The water sources `member` is the linked leader of (包保领导): what they are shown covers
    each whole, wherever its cases lie, besides their cell."""
    return frozenset(await session.scalars(
        select(WaterSource.id).where(WaterSource.leader_id == member.id)))


async def cell_path_names(session: AsyncSession, cell_id: int) -> list[str]:
    """Names from the city down to the cell itself, e.g. ["湖州市", "吴兴区", "妙西镇", ...]."""
    cell = await session.get(GridCell, cell_id)
    if cell is None:
        return []
    return [c.name for c in await ancestors(session, cell)] + [cell.name]


async def cell_names(session: AsyncSession, cell_ids: Iterable[int]) -> dict[int, str]:
    """cell id -> name, for the cells asked (an unknown id is absent)."""
    ids = set(cell_ids)
    if not ids:
        return {}
    rows = await session.execute(select(GridCell.id, GridCell.name).where(GridCell.id.in_(ids)))
    return {cell_id: name for cell_id, name in rows}


async def children(session: AsyncSession, cell_id: int) -> list[GridCell]:
    rows = await session.scalars(
        select(GridCell).where(GridCell.parent_id == cell_id).order_by(GridCell.code))
    return list(rows.all())


async def grid_tree(session: AsyncSession, code: str | None = None) -> list[tuple[int, GridCell]]:
    """(depth, cell) in depth-first order, siblings by code: the whole grid, or the subtree under
    `code` (depth 0 is that cell). An unknown code gives an empty list."""
    query = select(GridCell)
    if code is not None:
        root = await cell_by_code(session, code)
        if root is None:
            return []
        query = query.where(subtree_filter(root.path))
    cells = list((await session.scalars(query)).all())
    ids = {c.id for c in cells}
    kids: dict[int | None, list[GridCell]] = defaultdict(list)
    for c in cells:
        # the top of what we show: the named cell, or cells with no parent
        kids[c.parent_id if c.parent_id in ids else None].append(c)
    for group in kids.values():
        group.sort(key=lambda c: c.code)
    out: list[tuple[int, GridCell]] = []
    stack = [(0, c) for c in reversed(kids[None])]
    while stack:
        depth, cell = stack.pop()
        out.append((depth, cell))
        stack.extend((depth + 1, c) for c in reversed(kids.get(cell.id, [])))
    return out


async def list_sources(session: AsyncSession) -> list[WaterSource]:
    """Every water source (zones loaded), by code, for menus and the CLI."""
    return list((await session.scalars(select(WaterSource).order_by(WaterSource.code))).all())


async def source_by_code(session: AsyncSession, code: str) -> WaterSource | None:
    return await session.scalar(select(WaterSource).where(WaterSource.code == code))


async def villages_of_source(session: AsyncSession, source_id: int) -> list[GridCell]:
    """Villages whose area shares ground with the source's zones (touching edges do not count),
    by code; a source without zones offers the village it sits in, if any."""
    source = await session.get(WaterSource, source_id)
    if source is None:
        return []
    villages = list((await session.scalars(
        select(GridCell).where(GridCell.level == Level.VILLAGE.value).order_by(GridCell.code)
    )).all())
    if not source.zones:
        return [v for v in villages if v.id == source.cell_id]
    area = shapely.union_all(shapely.from_wkt([z.boundary_wkt for z in source.zones]))
    shapes = shapely.from_wkt([v.boundary_wkt for v in villages])
    inside = shapely.intersects(shapes, area) & ~shapely.touches(shapes, area)
    return [v for v, hit in zip(villages, inside.tolist(), strict=True) if hit]
