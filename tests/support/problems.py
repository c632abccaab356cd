"""The article's problem list (data/demo/make_problems.py, which writes data/'s example files),
a database with the demo grid and a manager in the ministry problem's village, and the counts
that must not move when a list is imported again or refused."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import func, select

from models import Campaign, CampaignCase, Case, CaseEvent, GridCell, Member, Outbox, Role
from models.db import SessionFactory
from services.grid import import_grid

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_XLSX = ROOT / "data" / "problems-example.xlsx"
EXAMPLE_CSV = ROOT / "data" / "problems-example.csv"
MANAGER_CELL = "330502100004"  # 妙西东北村: the ministry's problem and ZC-2026-06 are there


def example_maker() -> ModuleType:
    """data/demo/make_problems.py as a module (data/ is no package)."""
    path = ROOT / "data" / "demo" / "make_problems.py"
    spec = importlib.util.spec_from_file_location("make_problems", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def demo_world(sessions: SessionFactory, grid: dict[str, Any]) -> int:
    """The demo grid and one manager of 妙西东北村; the manager's id."""
    async with sessions() as session:
        await import_grid(session, grid)
        cell = await session.scalar(select(GridCell).where(GridCell.code == MANAGER_CELL))
        assert cell is not None
        manager = Member(platform_user_id="501", chat_id="501", display_name="王网格长",
                         role=Role.MANAGER, cell_id=cell.id)
        session.add(manager)
        await session.commit()
        return manager.id


async def counts(sessions: SessionFactory) -> dict[str, int]:
    """Rows of everything an import writes."""
    async with sessions() as session:
        return {table.__name__: int(await session.scalar(
                    select(func.count()).select_from(table)) or 0)
                for table in (Case, CaseEvent, Outbox, Campaign, CampaignCase)}
