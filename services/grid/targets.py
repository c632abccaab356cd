"""Where a case can be sent, as choices to pick from (never a code to type): for a reroute the
cell above the case's cell, the cells beside it and below it, or any cell found by name; for a
dispatch (派遣) the cells below it and the members working in its subtree."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models import Case, GridCell, Member, Role
from services.grid.queries import subtree_filter

SEARCH_LIMIT = 24  # buttons in one answer (Telegram allows 100; a phone shows far fewer)
CHILD_LIMIT = 40
MEMBER_LIMIT = 30


class Relation(StrEnum):
    PARENT = "parent"
    SIBLING = "sibling"
    CHILD = "child"
    FOUND = "found"
    MEMBER = "member"


@dataclass(frozen=True)
class Choice:
    """A cell (or, with `Relation.MEMBER`, a person) one may send a case to."""

    id: int
    name: str
    relation: Relation
    above: str = ""  # the parent cell's name (the member's cell's), to tell namesakes apart
    code: str = ""  # a cell's code ("" for a member)


def _cells() -> Select[int, str, str, str]:
    parent = aliased(GridCell)
    return (select(GridCell.id, GridCell.name, GridCell.code, parent.name)
            .outerjoin(parent, parent.id == GridCell.parent_id))


def _choices(rows: object, relation: Relation) -> list[Choice]:
    return [Choice(i, name, relation, above or "", code)
            for i, name, code, above in rows]  # type: ignore[attr-defined]


async def reroute_choices(session: AsyncSession, case: Case) -> list[Choice]:
    """The cell above the case's cell, its siblings, then its children (by code)."""
    cell = await session.get(GridCell, case.cell_id)
    if cell is None:
        return []
    found: list[Choice] = []
    if cell.parent_id is not None:
        found += _choices(await session.execute(_cells().where(GridCell.id == cell.parent_id)),
                          Relation.PARENT)
        found += _choices(await session.execute(
            _cells().where(GridCell.parent_id == cell.parent_id, GridCell.id != cell.id)
            .order_by(GridCell.code)), Relation.SIBLING)
    found += _choices(await session.execute(
        _cells().where(GridCell.parent_id == cell.id).order_by(GridCell.code)
        .limit(CHILD_LIMIT)), Relation.CHILD)
    return found


def _like(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def find_cells(session: AsyncSession, text: str, *, exclude: int | None = None,
                     under: str | None = None, limit: int = SEARCH_LIMIT) -> list[Choice]:
    """Cells whose name holds `text` (case-insensitive), by level then code; `under` keeps to
    a subtree (a path), `exclude` leaves one cell out."""
    if not text.strip():
        return []
    query = _cells().where(GridCell.name.ilike(_like(text), escape="\\"))
    if exclude is not None:
        query = query.where(GridCell.id != exclude)
    if under is not None:
        query = query.where(subtree_filter(under))
    rows = await session.execute(query.order_by(GridCell.path, GridCell.code).limit(limit))
    return _choices(rows, Relation.FOUND)


async def dispatch_choices(session: AsyncSession, case: Case, text: str = ""
                           ) -> list[Choice]:
    """The cells below the case's cell and the active managers and patrollers of its subtree;
    with `text`, only those whose name holds it (the cells then from the whole subtree)."""
    cell = await session.get(GridCell, case.cell_id)
    if cell is None:
        return []
    if text.strip():
        cells = await find_cells(session, text, exclude=cell.id, under=cell.path)
    else:
        cells = _choices(await session.execute(
            _cells().where(GridCell.parent_id == cell.id).order_by(GridCell.code)
            .limit(CHILD_LIMIT)), Relation.CHILD)
    people = (select(Member.id, Member.display_name, GridCell.name)
              .join(GridCell, GridCell.id == Member.cell_id)
              .where(subtree_filter(cell.path), Member.active.is_(True),
                     Member.role.in_([Role.MANAGER, Role.PATROLLER])))
    if text.strip():
        people = people.where(Member.display_name.ilike(_like(text), escape="\\"))
    rows = await session.execute(people.order_by(GridCell.path, Member.display_name)
                                 .limit(MEMBER_LIMIT))
    return cells + [Choice(i, name, Relation.MEMBER, where) for i, name, where in rows]


async def cell_choice(session: AsyncSession, cell_id: int) -> Choice | None:
    rows = _choices(await session.execute(_cells().where(GridCell.id == cell_id)),
                    Relation.FOUND)
    return rows[0] if rows else None
