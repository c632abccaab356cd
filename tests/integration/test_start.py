"""Chat basics through the real bot on the emulator: /start, invites, /help, /lang, /whoami."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import CommandHandler

from handlers.deps import Deps
from models import Member, WaterSource, utcnow
from services.members import create_invite, find_member
from tests.support.harness import SimUser, TelegramHarness

ROOT = Path(__file__).resolve().parents[2]
VILLAGE = "330502100004"  # 妙西东北村
LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]{1,64})$", re.MULTILINE)


def deps(h: TelegramHarness) -> Deps:
    value = h.app.bot_data["deps"]
    assert isinstance(value, Deps)
    return value


async def member_of(h: TelegramHarness, user_id: int) -> Member | None:
    async with deps(h).sessions() as session:
        return await find_member(session, "telegram", user_id)


async def invite_code(h: TelegramHarness, role: str, cell: str | None, **kwargs: object) -> str:
    async with deps(h).sessions() as session:
        invite = await create_invite(session, role, cell, **kwargs)  # type: ignore[arg-type]
        await session.commit()
    return invite.code


async def test_start_alone_registers_a_volunteer_and_says_what_the_bot_does(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li = h.user("李雷")
    await h.send_text(li, "/start")
    welcome = h.last_message(li)["text"]
    assert "李雷" in welcome and "/report" in welcome and "水源地" in welcome
    member = await member_of(h, li.id)
    assert member is not None
    assert (member.role, member.language, member.cell_id) == ("volunteer", "zh_CN", None)
    await h.send_text(li, "/whoami")
    assert "志愿者" in h.last_message(li)["text"]


async def test_an_english_speaker_is_answered_in_english(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    ann = h.user("Ann", language_code="en-GB")
    await h.send_text(ann, "/start")
    assert "Welcome, Ann!" in h.last_message(ann)["text"]
    await h.send_text(ann, "/help")
    assert "As a volunteer you can" in h.last_message(ann)["text"]


async def test_commands_from_strangers_are_answered_with_start_and_register_nothing(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    stranger = h.user("路人")
    for command in ("/help", "/whoami", "/lang", "/report"):
        await h.send_text(stranger, command)
        assert "/start" in h.last_message(stranger)["text"]
    assert len(h.messages_to(stranger)) == 4
    assert await member_of(h, stranger.id) is None


async def test_a_cli_manager_invite_makes_the_manager_of_the_village_once(
    bot_harness: TelegramHarness, tmp_path: Path
) -> None:
    h = bot_harness
    settings = deps(h).settings
    config = tmp_path / "config.toml"
    username = h.emulator.bot_user["username"]
    config.write_text((ROOT / "config.toml").read_text(encoding="utf-8").replace(
        'bot_username = ""', f'bot_username = "{username}"'), encoding="utf-8")
    env = {**os.environ, "GRIDPATROL_DATABASE_URL": settings.database.url,
           "GRIDPATROL_CONFIG": str(config)}
    env.pop("GRIDPATROL_TELEGRAM_TOKEN", None)
    done = await asyncio.to_thread(
        subprocess.run,
        [str(ROOT / ".venv/bin/gridpatrol"), "invite", "--role", "manager", "--cell", VILLAGE],
        capture_output=True, text=True, env=env, cwd=ROOT, check=True,
    )
    match = LINK.search(done.stdout)
    assert match and match.group(1) == username, done.stdout
    code = match.group(2)

    wang = h.user("王芳")
    await h.send_text(wang, f"/start {code}")
    text = h.last_message(wang)["text"]
    assert "网格员" in text and "妙西东北村" in text
    member = await member_of(h, wang.id)
    assert member is not None and member.role == "manager"
    async with deps(h).sessions() as session:
        from services.grid import cell_by_code

        village = await cell_by_code(session, VILLAGE)
    assert village is not None and member.cell_id == village.id
    await h.send_text(wang, "/help")
    assert "作为网格员" in h.last_message(wang)["text"]

    zhao = h.user("赵强")
    await h.send_text(zhao, f"/start {code}")
    assert "已经被使用" in h.last_message(zhao)["text"]
    assert await member_of(h, zhao.id) is None


async def test_unknown_and_expired_invites_are_told_apart_and_register_nobody(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    expired = await invite_code(h, "manager", VILLAGE, now=utcnow() - timedelta(days=8))
    ann = h.user("Ann", language_code="en")
    await h.send_text(ann, "/start bogus-code")
    assert "not valid" in h.last_message(ann)["text"]
    await h.send_text(ann, f"/start {expired}")
    assert "has expired" in h.last_message(ann)["text"]
    assert await member_of(h, ann.id) is None


async def test_a_leader_invite_names_the_water_source(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    code = await invite_code(h, "leader", None, source_code="WS-LHT")
    shen = h.user("沈局")
    await h.send_text(shen, f"/start {code}")
    assert "老虎潭水库的联系领导" in h.last_message(shen)["text"]
    await h.send_text(shen, "/whoami")
    assert "老虎潭水库" in h.last_message(shen)["text"]
    async with deps(h).sessions() as session:
        source = await session.scalar(select(WaterSource).where(WaterSource.code == "WS-LHT"))
    member = await member_of(h, shen.id)
    assert source is not None and member is not None and source.leader_id == member.id


def chooser(h: TelegramHarness, user: SimUser, menu: dict[str, Any]) -> dict[str, Any]:
    """The language chooser as it reads now (edited in place)."""
    return next(m for m in h.messages_to(user) if m["message_id"] == menu["message_id"])


async def test_lang_switches_and_answers_in_the_new_language(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li = h.user("李雷")
    await h.send_text(li, "/start")
    await h.send_text(li, "/lang")
    menu = h.last_message(li)
    await h.press(li, menu, "English")
    assert chooser(h, li, menu)["text"] == "Language set: English."
    assert h.last_message(li)["text"].startswith("As a volunteer you can:")
    member = await member_of(h, li.id)
    assert member is not None and member.language == "en"
    await h.send_text(li, "/whoami")
    assert "Role: volunteer" in h.last_message(li)["text"]
    await h.send_text(li, "/lang")
    menu = h.last_message(li)
    await h.press(li, menu, "中文")
    assert chooser(h, li, menu)["text"] == "语言已设为中文。"


async def test_help_differs_by_role(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    texts = set()
    for index, role in enumerate(("patroller", "manager", "leader", "supervisor", "admin")):
        code = await invite_code(h, role, VILLAGE)
        user = h.user(f"用户{index}")
        await h.send_text(user, f"/start {code}")
        await h.send_text(user, "/help")
        texts.add(h.last_message(user)["text"].split("\n", 1)[0])
    assert len(texts) == 5


async def test_the_command_menu_is_set_in_chinese_english_and_by_default(
    bot_harness: TelegramHarness,
) -> None:
    calls = [params for method, params in bot_harness.emulator.calls
             if method == "setMyCommands"]
    languages = sorted(str(params.get("language_code")) for params in calls)
    assert languages == ["None", "en", "zh"]
    english = next(p for p in calls if p.get("language_code") == "en")
    assert "whoami" in str(english["commands"])


async def test_a_failing_handler_is_logged_with_its_update_and_the_user_gets_an_apology(
    bot_harness: TelegramHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = bot_harness
    h.fail_on_handler_error = False  # the failure is the point

    async def broken(update: object, ctx: object) -> None:
        raise RuntimeError("the database fell over")

    h.app.add_handler(CommandHandler("broken", broken))
    ann = h.user("Ann", language_code="en")
    await h.send_text(ann, "/start")
    with caplog.at_level(logging.ERROR, logger="bot.telegram.app"):
        await h.send_text(ann, "/broken")
    assert "something went wrong" in h.last_message(ann)["text"]
    assert [type(e) for e in h.errors] == [RuntimeError]
    logged = [r for r in caplog.records if r.name == "bot.telegram.app"]
    assert logged and "/broken" in logged[0].getMessage()
    assert logged[0].exc_info is not None
