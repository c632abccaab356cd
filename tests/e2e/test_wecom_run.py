"""The real `gridpatrol run` with the [wecom] section filled: beside Telegram in one process (a
WeCom volunteer's report reaches the village manager on Telegram, who accepts it, and the
volunteer hears of it on WeCom), and alone without a Telegram token (it answers on WeCom and
stops cleanly on SIGTERM). WeCom and Telegram are the stand-ins, reached over HTTP."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Case
from models.db import make_engine, make_session_factory
from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from sandbox.wecom import App, Delivered, WeComSender, WeComServer, WeComState, card_event
from sandbox.wecom import image as image_message
from sandbox.wecom import location as location_message
from sandbox.wecom import text as text_message
from services.grid.datum import wgs84_to_gcj02
from services.members import create_invite
from tests.support.images import jpeg
from tests.support.processes import BotProcess, free_port, until
from tests.support.report_world import IN_GRADE1, VILLAGE, build_world
from tests.support.wecom import AES, AGENT, CORP, USER, words

pytestmark = pytest.mark.e2e


@dataclass
class Remote:
    """A WeCom member of a bot in another process: posts, then waits (bounded) for answers."""

    wecom: WeComState
    sender: WeComSender
    app: App
    bot: BotProcess

    async def wait(self, user: str, before: int, found: Callable[[list[Delivered]], bool],
                   what: str) -> list[Delivered]:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            got = self.wecom.inbox(user)[before:]
            if got and found(got):
                await asyncio.sleep(0.3)  # the rest of the same answer
                return self.wecom.inbox(user)[before:]
            if self.bot.process is not None and self.bot.process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        raise AssertionError(f"never happened: {what}\n{self.bot.log()[-3000:]}")

    async def say(self, plain: str, expect: str, user: str = USER) -> list[Delivered]:
        before = len(self.wecom.inbox(user))
        assert (await self.sender.post(plain)).delivered
        return await self.wait(user, before, lambda got: expect in shown(got),
                               f"{user} told {expect!r}")

    async def press(self, got: list[Delivered], label: str, expect: str,
                    user: str = USER) -> list[Delivered]:
        for message in reversed(got):
            if message.msgtype != "template_card" or "replaced" in message.body:
                continue
            for button in message.body["button_list"]:
                if label in button["text"]:
                    return await self.say(card_event(self.app, user, button["key"],
                                                     message.body["task_id"],
                                                     self.wecom.clicked(message)), expect, user)
        raise AssertionError(f"no button {label!r} in {[m.body for m in got]}")


def shown(got: list[Delivered]) -> str:
    """The words and the buttons' labels."""
    return words(got) + "".join(b["text"] for m in got if m.msgtype == "template_card"
                                for b in m.body["button_list"])


def wecom_keys(url: str, port: int) -> dict[str, str]:
    return {"wecom.corp_id": f'"{CORP}"', "wecom.agent_id": str(AGENT),
            "wecom.token": '"callback-token"', "wecom.secret": '"app-secret"',
            "wecom.encoding_aes_key": f'"{AES}"', "wecom.api_base_url": f'"{url}"',
            "wecom.port": str(port)}


@pytest.fixture
async def wecom() -> AsyncIterator[tuple[WeComState, str]]:
    state = WeComState(corp_id=CORP, secret="app-secret", agent_id=AGENT, members={USER.lower()})
    server = WeComServer(state)
    url = await server.start()
    yield state, url
    await server.stop()


async def _world(db_url: str) -> str:
    engine = make_engine(db_url)
    try:
        async with make_session_factory(engine)() as session:
            await build_world(session)
            invite = await create_invite(session, "manager", VILLAGE)
            await session.commit()
    finally:
        await engine.dispose()
    return invite.code


async def test_run_serves_wecom_beside_telegram_and_a_case_crosses_them(
    db_url: str, tmp_path: Path, wecom: tuple[WeComState, str],
) -> None:
    code = await _world(db_url)
    state, url = wecom
    port = free_port()
    emu = BotApiEmulator(flood=FloodConfig(enabled=False))
    async with SandboxServer(emu) as server:
        bot = BotProcess(tmp_path, server, "bot", db_url, webhook=False, **wecom_keys(url, port))
        app = App(CORP, AGENT, "callback-token", AES)
        member = Remote(state, WeComSender(app, f"http://127.0.0.1:{port}/wecom/callback"),
                        app, bot)
        await bot.start()
        try:
            manager = emu.users.create_user("村管理员", language_code="zh-hans")["id"]
            emu.users.private_chat(manager)
            emu.users.send_text(manager, f"/start {code}")
            await until(emu, lambda: any("妙西东北村" in (m.get("text") or "")
                                         for m in emu.bot_messages(manager)), "manager joined", bot)

            await member.say(text_message(app, USER, "/start"), "欢迎")
            asked = await member.say(text_message(app, USER, "/report"), "是什么问题")
            await member.press(asked, "垃圾", "照片")
            state.media["MEDIA-run-1"] = (jpeg(seed=9), "image/jpeg", "p.jpg")
            kept = await member.say(image_message(app, USER, "MEDIA-run-1"), "1 / 10")
            await member.press(kept, "完成", "位置")
            await member.say(location_message(app, USER, *wgs84_to_gcj02(*IN_GRADE1)),
                             "妙西东北村")
            severity = await member.say(text_message(app, USER, "岸边一堆垃圾"), "严重")
            confirm = await member.press(severity, "", "提交")
            done = await member.press(confirm, "提交", "谢谢")
            found = re.search(r"HZ-\d{4}-\d{6}", words(done))
            assert found is not None
            number = found.group(0)

            def alert() -> dict[str, object] | None:
                return next((m for m in emu.bot_messages(manager)
                             if number in (m.get("text") or m.get("caption") or "")
                             and emu.users.button_data(manager, m["message_id"], "受理")),
                            None)

            await until(emu, alert, "the Telegram manager's alert", bot)
            card = alert()
            assert card is not None
            before = len(state.inbox(USER))
            emu.users.press(manager, manager, int(str(card["message_id"])),
                            str(emu.users.button_data(manager, int(str(card["message_id"])),
                                                      "受理")))
            told = await member.wait(USER, before, lambda got: number in words(got),
                                     "the WeCom reporter told of the acceptance")
            assert "受理" in words(told)
        finally:
            bot.signal(signal.SIGTERM)
            assert await bot.wait() == 0, bot.log()[-3000:]
    engine = make_engine(db_url)
    try:
        async with make_session_factory(engine)() as session:
            case = await session.scalar(select(Case).where(Case.number == number))
    finally:
        await engine.dispose()
    assert case is not None and case.state == "accepted"


async def test_run_serves_wecom_alone_without_a_telegram_token(
    db_url: str, tmp_path: Path, wecom: tuple[WeComState, str],
) -> None:
    await _world(db_url)
    state, url = wecom
    port = free_port()
    emu = BotApiEmulator()  # only for the config's Telegram URLs: nothing may call it
    server = SandboxServer(emu)
    bot = BotProcess(tmp_path, server, "alone", db_url, webhook=False, **wecom_keys(url, port))
    bot.env["GRIDPATROL_TELEGRAM_TOKEN"] = ""
    app = App(CORP, AGENT, "callback-token", AES)
    member = Remote(state, WeComSender(app, f"http://127.0.0.1:{port}/wecom/callback"), app,
                    bot)
    await bot.start()
    try:
        for _ in range(300):  # until it listens (a refused connection is no delivery)
            if (await member.sender.post(text_message(app, USER, "/start"))).delivered:
                break
            await asyncio.sleep(0.2)
        await member.wait(USER, 0, lambda got: "欢迎" in words(got), "a welcome on WeCom")
        await member.say(text_message(app, USER, "/report"), "是什么问题")
    finally:
        bot.signal(signal.SIGTERM)
        assert await bot.wait() == 0, bot.log()[-3000:]
    assert "wecom: app 1000002" in bot.log()
