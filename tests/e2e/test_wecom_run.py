"""The real `gridpatrol run` with the [wecom] section filled: beside Telegram in one process (a
WeCom volunteer's report reaches the village manager on Telegram, who accepts it, and the
volunteer hears of it on WeCom), and alone without a Telegram token (it answers on WeCom and
stops cleanly on SIGTERM). WeCom and Telegram are the stand-ins, reached over HTTP."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from drill.wecom import WeComPerson
from models import Case
from models.db import make_engine, make_session_factory
from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from sandbox.wecom import App, WeComServer, WeComState
from sandbox.wecom import text as text_message
from services.members import create_invite
from tests.support.processes import BotProcess, free_port, until
from tests.support.report_world import IN_GRADE1, VILLAGE, build_world
from tests.support.wecom import AES, AGENT, CORP, USER, words

pytestmark = pytest.mark.e2e


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
        member = WeComPerson(state, app, f"http://127.0.0.1:{port}/wecom/callback", USER,
                             alive=lambda: bot.process is None or bot.process.returncode is None)
        await bot.start()
        try:
            manager = emu.users.create_user("村管理员", language_code="zh-hans")["id"]
            emu.users.private_chat(manager)
            emu.users.send_text(manager, f"/start {code}")
            await until(emu, lambda: any("妙西东北村" in (m.get("text") or "")
                                         for m in emu.bot_messages(manager)), "manager joined", bot)

            await member.say("/start", "欢迎")
            number = await member.file_report(9, IN_GRADE1)

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
            told = await member.wait(before, lambda got: number in words(got),
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
    member = WeComPerson(state, app, f"http://127.0.0.1:{port}/wecom/callback", USER,
                         alive=lambda: bot.process is None or bot.process.returncode is None)
    await bot.start()
    try:
        for _ in range(300):  # until it listens (a refused connection is no delivery)
            if (await member.sender.post(text_message(app, USER, "/start"))).delivered:
                break
            await asyncio.sleep(0.2)
        await member.wait(0, lambda got: "欢迎" in words(got), "a welcome on WeCom")
        await member.say("/report", "是什么问题")
    finally:
        bot.signal(signal.SIGTERM)
        assert await bot.wait() == 0, bot.log()[-3000:]
    assert "wecom: app 1000002" in bot.log()
