"""The sandbox as `make run` starts it shows WeCom members beside the Telegram personas: one
reports from the web chat through the WeCom stand-in (signed callbacks, GCJ-02 places, photos
by MediaId, cards), the village manager on Telegram and the one on WeCom both get the alert,
the WeCom manager accepts on the card, which changes in place, and the reporter is told; the
Telegram bot never sees the WeCom chats."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from models.db import SessionFactory
from sandbox import RunningSandbox, start_sandbox, stop_sandbox
from services.demo import DEMO_PERSONAS, DEMO_WECOM_PERSONAS
from services.settings import Settings
from tests.support.images import jpeg
from tests.support.report_world import IN_GRADE1
from tests.support.settings import make_settings

JSON = dict[str, Any]


@pytest.fixture
async def sandbox(settings: Settings, session_factory: SessionFactory,
                  demo_grid_collection: dict[str, Any], tmp_path: Path,
                  ) -> AsyncIterator[RunningSandbox]:
    from services.grid import import_grid

    async with session_factory() as session:
        await import_grid(session, demo_grid_collection)
        await session.commit()
    running = await start_sandbox(make_settings(settings.database.url, tmp_path,
                                                sandbox={"port": 0, "flood_limits": False}))
    yield running
    await stop_sandbox(running)
    assert running.emulator.refusals == []


def persona(running: RunningSandbox, label: str) -> int:
    return next(chat for chat, p in running.emulator.state.personas.items()
                if p["label"] == label)


def labels(message: JSON) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]


async def answer(running: RunningSandbox, chat: int, before: int,
                 found: Callable[[list[JSON]], bool], what: str) -> list[JSON]:
    """The bot's messages in `chat` after the first `before`, once `found` holds."""
    emu = running.emulator
    for _ in range(400):
        got = emu.bot_messages(chat)[before:]
        if got and found(got):
            return got
        await emu.state.wait_change(0.1)
    raise AssertionError(f"never happened: {what}; got {emu.bot_messages(chat)[before:]}")


def button(label: str) -> Callable[[list[JSON]], bool]:
    return lambda got: any(label in b for m in got for b in labels(m))


def has(words: str) -> Callable[[list[JSON]], bool]:
    return lambda got: any(words in (m.get("text") or "") or button(words)([m]) for m in got)


async def test_a_wecom_member_of_the_web_chat_reports_and_a_wecom_manager_accepts(
    sandbox: RunningSandbox,
) -> None:
    emu = sandbox.emulator
    personas = emu.state.personas
    assert len(personas) == len(DEMO_PERSONAS) + len(DEMO_WECOM_PERSONAS)
    assert {p["label"] for p in personas.values() if p.get("channel") == "wecom"} == {
        spec.display_name for spec in DEMO_WECOM_PERSONAS}
    volunteer = persona(sandbox, "企业微信 志愿者 周敏")
    manager = persona(sandbox, "企业微信 村网格员 陈刚")
    telegram_manager = persona(sandbox, "村网格员 老王")

    async def say(text: str, expect: str) -> list[JSON]:
        before = len(emu.bot_messages(volunteer))
        emu.users.send_text(volunteer, text)
        return await answer(sandbox, volunteer, before, has(expect), f"{expect!r}")

    async def press(chat: int, got: list[JSON], label: str, expect: str) -> list[JSON]:
        message = next(m for m in reversed(got) if any(label in b for b in labels(m)))
        data = emu.users.button_data(chat, message["message_id"],
                                     next(b for b in labels(message) if label in b))
        before = len(emu.bot_messages(chat))
        assert data is not None
        emu.users.press(chat, chat, message["message_id"], data)
        return await answer(sandbox, chat, before, has(expect), f"{expect!r} after {label}")

    updates_before = emu.state.next_update_id
    await say("/start", "欢迎")
    asked = await say("/report", "是什么问题")
    await press(volunteer, asked, "垃圾堆放", "照片")
    before = len(emu.bot_messages(volunteer))
    emu.users.send_photos(volunteer, [jpeg(seed=4)])
    kept = await answer(sandbox, volunteer, before, button("完成"), "the photo kept")
    assert has("1 / 10")(kept)
    await press(volunteer, kept, "完成", "位置")
    before = len(emu.bot_messages(volunteer))
    emu.users.send_location(volunteer, *IN_GRADE1)  # sent on as GCJ-02, moved back by the bot
    await answer(sandbox, volunteer, before, has("妙西东北村"), "the place's village")
    before = len(emu.bot_messages(volunteer))
    emu.users.send_text(volunteer, "水库边有人倒垃圾")
    severity = await answer(sandbox, volunteer, before, button("中"), "the severity card")
    confirm = await press(volunteer, severity, "中", "提交")
    done = await press(volunteer, confirm, "提交", "谢谢")
    number = next(w for m in done for w in (m.get("text") or "").split() if w.startswith("HZ-"))

    alert = await answer(sandbox, manager, 0, button("受理"), "the WeCom manager's alert card")
    assert any("photo" in m for m in alert)  # the report's photo, through WeCom's media API
    # the place is a link in WeCom's text, shown as a link, not as its tag
    place = next(m for m in alert if "30.79000" in (m.get("text") or ""))
    assert "<a href" not in place["text"]
    assert [e["type"] for e in place["entities"]] == ["text_link"]
    assert place["entities"][0]["url"].startswith("https://uri.amap.com/marker")
    await answer(sandbox, telegram_manager, 0, lambda got: any(
        "受理" in labels(m) for m in got), "the Telegram manager's alert")
    card = next(m for m in alert if "受理" in labels(m))
    await press(manager, alert, "受理", "已受理")
    now = next(m for m in emu.bot_messages(manager) if m["message_id"] == card["message_id"])
    assert "已受理" in now["text"] and "整改方案" in labels(now)  # the card, in place
    await answer(sandbox, volunteer, len(emu.bot_messages(volunteer)) - 1,
                 has(f"{number} 已由"), "the reporter told on WeCom")
    assert emu.state.next_update_id == updates_before  # the Telegram bot saw none of it
