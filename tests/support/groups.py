"""A township's group chat through the bot: the `settings` fixture the group tests read (English,
group pacing loosened), a group bound by invite, and what a card in it says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import GroupBinding
from services.members import create_invite
from services.settings import Settings
from tests.support.harness import SimChat, SimUser, TelegramHarness
from tests.support.report_world import TOWNSHIP, deps
from tests.support.settings import make_settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Groups read the bot in the default language: English here, so the tests read plainly.
    Group pacing is loosened so an edit right after a post need not wait 3 s (pacing has its
    own tests)."""
    return make_settings(db_url, tmp_path, locale={"default": "en"},
                         outbox={"group_per_minute": 60_000})


async def group_invite(h: TelegramHarness, cell: str) -> str:
    async with deps(h).sessions() as s:
        invite = await create_invite(s, "volunteer", cell, for_group=True)
        await s.commit()
        return invite.code


async def binding(h: TelegramHarness, chat: SimChat | int) -> GroupBinding | None:
    chat_id = chat if isinstance(chat, int) else chat.id
    async with deps(h).sessions() as s:
        found: GroupBinding | None = await s.scalar(
            select(GroupBinding).where(GroupBinding.chat_id == str(chat_id)))
        return found


def body(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


async def township_group(h: TelegramHarness, people: list[SimUser]) -> SimChat:
    group = h.group("Miaoxi patrol", people)
    await h.flush()  # the bot hears it was added
    assert "/bind" in h.last_message(group)["text"]  # added unbound: it says how to bind
    await h.send_text(people[0], f"/bind {await group_invite(h, TOWNSHIP)}", group)
    assert "This group now serves" in h.last_message(group)["text"]
    return group
