"""A member's 30 a minute kept across processes (bot.wecom.pace): two processes of the bot
sending to the same member, or one killed and started again mid-minute, share the marks in the
database, so WeCom drops nothing; another member is not held. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.wecom.api import MEMBER_BUDGET, WeComApi
from bot.wecom.pace import MemberPace
from models.db import SessionFactory
from sandbox.wecom import WeComServer, WeComState
from services.settings import WeComSettings

CORP, SECRET, AGENT = "ww1234567890abcdef", "app-secret", 1000002
CHANNEL = f"wecom:{CORP}:{AGENT}"


class Time:
    """One clock for the stand-in and both processes; sleeping passes it at once."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    async def passes(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
async def world() -> AsyncIterator[tuple[WeComState, str]]:
    state = WeComState(corp_id=CORP, secret=SECRET, agent_id=AGENT,
                       members={"zhangsan", "lisi"})
    server = WeComServer(state)
    url = await server.start()
    yield state, url
    await server.stop()


def process(url: str, sessions: SessionFactory, time: Time) -> WeComApi:
    api = WeComApi(WeComSettings(corp_id=CORP, agent_id=AGENT, secret=SECRET, api_base_url=url),
                   clock=lambda: time.now)
    api.pace = MemberPace(sessions, CHANNEL, MEMBER_BUDGET, clock=lambda: time.now,
                          sleep=time.passes).turn
    return api


async def test_two_processes_keep_one_members_pace_and_wecom_drops_nothing(
    world: tuple[WeComState, str], session_factory: SessionFactory,
) -> None:
    state, url = world
    time = Time()
    state.clock = lambda: time.now
    first, second = process(url, session_factory, time), process(url, session_factory, time)
    try:
        for n in range(45):  # alternately, as two processes answering one member would
            await (first if n % 2 else second).send_text("zhangsan", f"第{n}条")
        assert len(state.inbox("zhangsan")) == 45
        assert not [m for m in state.messages if m.dropped]
        assert time.now - 1_800_000_000.0 >= 60  # past the budget, the next minute
        waited = time.now
        await first.send_text("lisi", "别人的消息")
        assert state.inbox("lisi") and time.now == waited  # another member does not wait
    finally:
        await first.close()
        await second.close()


async def test_a_process_started_again_mid_minute_keeps_the_pace_the_dead_one_began(
    world: tuple[WeComState, str], session_factory: SessionFactory,
) -> None:
    state, url = world
    time = Time()
    state.clock = lambda: time.now
    dead = process(url, session_factory, time)
    for n in range(MEMBER_BUDGET):
        await dead.send_text("zhangsan", f"第{n}条")
    await dead.close()  # killed; its marks stay in the database
    again = process(url, session_factory, time)
    try:
        for n in range(5):
            await again.send_text("zhangsan", f"重启后第{n}条")
        assert len(state.inbox("zhangsan")) == MEMBER_BUDGET + 5
        assert not [m for m in state.messages if m.dropped]
    finally:
        await again.close()
