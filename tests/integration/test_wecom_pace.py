"""A member's 30 a minute (bot.wecom.pace): past it WeCom says ok and drops the message, so the
bot holds it back. One process answering one member fast, two processes sending to the same
member, or one killed and started again mid-minute: the marks in the database keep the pace,
WeCom drops nothing, and another member is not held. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from bot.wecom.api import WeComApi
from bot.wecom.pace import MEMBER_BUDGET, MemberPace
from models.db import SessionFactory
from sandbox.wecom import WeComServer, WeComState
from services.settings import WeComSettings

CORP, SECRET, AGENT = "ww1234567890abcdef", "app-secret", 1000002
CHANNEL = f"wecom:{CORP}:{AGENT}"
START = 1_800_000_000.0


@dataclass
class World:
    """WeCom's stand-in and one clock for it and every process; sleeping passes it at once."""

    state: WeComState
    url: str
    sessions: SessionFactory
    now: float = START
    processes: list[WeComApi] = field(default_factory=list)

    async def passes(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)

    def process(self) -> WeComApi:
        """A bot process's client, on the pace kept in the database."""
        clock: Callable[[], float] = lambda: self.now  # noqa: E731
        pace = MemberPace(self.sessions, CHANNEL, clock=clock, sleep=self.passes)
        api = WeComApi(WeComSettings(corp_id=CORP, agent_id=AGENT, secret=SECRET,
                                     api_base_url=self.url), pace.turn, clock=clock)
        self.processes.append(api)
        return api

    def delivered(self, user: str) -> list[str]:
        return [m.body["content"] for m in self.state.inbox(user)]

    def dropped(self) -> int:
        return sum(1 for m in self.state.messages if m.dropped)


@pytest.fixture
async def world(session_factory: SessionFactory) -> AsyncIterator[World]:
    state = WeComState(corp_id=CORP, secret=SECRET, agent_id=AGENT,
                       members={"zhangsan", "lisi"})
    server = WeComServer(state)
    url = await server.start()
    world = World(state, url, session_factory)
    state.clock = lambda: world.now
    yield world
    for api in world.processes:
        await api.close()
    await server.stop()


async def test_past_the_budget_one_members_messages_wait_for_the_next_minute_in_order(
    world: World,
) -> None:
    api = world.process()
    for n in range(45):  # one member's answers go one after another
        await api.send_text("zhangsan", f"第{n}条")
    assert world.delivered("zhangsan") == [f"第{n}条" for n in range(45)]
    assert world.dropped() == 0
    assert world.now - START >= 60  # the ones past the budget waited for the next minute
    waited = world.now
    await api.send_text("lisi", "别人的消息")
    assert world.delivered("lisi") == ["别人的消息"] and world.now == waited  # nobody else waits


async def test_two_processes_keep_one_members_pace_and_wecom_drops_nothing(world: World) -> None:
    first, second = world.process(), world.process()
    for n in range(45):  # alternately, as two processes answering one member would
        await (first if n % 2 else second).send_text("zhangsan", f"第{n}条")
    assert len(world.delivered("zhangsan")) == 45
    assert world.dropped() == 0
    assert world.now - START >= 60


async def test_a_process_started_again_mid_minute_keeps_the_pace_the_dead_one_began(
    world: World,
) -> None:
    dead = world.process()
    for n in range(MEMBER_BUDGET):
        await dead.send_text("zhangsan", f"第{n}条")
    await dead.close()  # killed; its marks stay in the database
    again = world.process()
    for n in range(5):
        await again.send_text("zhangsan", f"重启后第{n}条")
    assert len(world.delivered("zhangsan")) == MEMBER_BUDGET + 5
    assert world.dropped() == 0
    assert world.now - START >= 60  # the restarted one waited for the dead one's minute
