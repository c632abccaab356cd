"""People with roles and cases in cells, written straight into the running bot's database: the
ledger and the words tests read what the bot makes of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from models import Case, GridCell, Member, Role, utcnow
from models.db import SessionFactory
from tests.support.harness import SimUser, TelegramHarness

WUXING, WUXING_VILLAGE, NANXUN = "330502", "330502100004", "330503"  # 吴兴区, a village, 南浔区


async def with_role(h: TelegramHarness, user: SimUser, role: Role, code: str | None,
                    language: str) -> None:
    """The user opens the chat with /start, then gets a role (as an invite would give)."""
    await h.send_text(user, "/start")
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    async with sessions() as s:
        member = await s.scalar(select(Member).where(Member.platform_user_id == str(user.id)))
        assert member is not None
        if code is not None:
            member.cell_id = await s.scalar(select(GridCell.id).where(GridCell.code == code))
        member.role, member.language = role, language
        await s.commit()


async def add_case(h: TelegramHarness, number: str, code: str, description: str, **values: Any
                   ) -> None:
    """A case in the cell `code`, opened two days ago, with `values` (state, due_at …)."""
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    async with sessions() as s:
        cell_id = await s.scalar(select(GridCell.id).where(GridCell.code == code))
        assert cell_id is not None
        s.add(Case(number=number, category="garbage", severity="medium", lat=30.8, lon=120.0,
                   origin_cell_id=cell_id, cell_id=cell_id, description=description,
                   created_at=utcnow() - timedelta(days=2), **values))
        await s.commit()
