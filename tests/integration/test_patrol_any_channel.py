"""A patrol from a channel that is not Telegram (WeCom's way: single location shares), run by
the dispatcher a channel without its own uses: /patrol, the source, the points, the end."""

from __future__ import annotations

from sqlalchemy import update

from handlers.chat import Answer, Inbound, Who
from handlers.deps import Deps
from handlers.dispatch import dispatch
from handlers.throttle import FloodGuard
from models import Member, Role
from models.db import SessionFactory
from services.grid import GridIndexHolder
from services.members import Person, register_member
from services.settings import Settings
from tests.support.patrols import demo_track
from tests.support.report_world import build_world

WHO = Who("otherchat", "u-9", "c-9", name="老周", language_code="zh-CN")


def _press(answer: Answer, label_part: str) -> str:
    for reply in reversed(answer.replies):
        for row in reply.buttons:
            for button in row:
                if label_part in button.label:
                    return button.data
    raise AssertionError(f"no button with {label_part!r} in {answer.replies!r}")


async def test_a_patrol_from_single_location_shares_on_another_channel(
    settings: Settings, session_factory: SessionFactory,
) -> None:
    async with session_factory() as session:
        await build_world(session)
        await register_member(session, Person(WHO.channel, WHO.user_id, WHO.chat_id,
                                              WHO.name, WHO.language_code))
        await session.execute(update(Member).where(Member.platform_user_id == WHO.user_id)
                              .values(role=Role.PATROLLER, language="zh_CN"))
        await session.commit()
    deps = Deps(settings, session_factory, GridIndexHolder())
    guard = FloodGuard.of(settings)

    async def say(inbound: Inbound) -> Answer:
        answer = await dispatch(inbound, deps, guard)
        assert answer is not None
        return answer

    answer = await say(Inbound(WHO, text="/patrol"))
    assert "您要巡查哪个水源地" in answer.replies[0].text
    answer = await say(Inbound(WHO, press=_press(answer, "老虎潭水库")))
    end = _press(answer, "结束巡查")
    points, _ = demo_track()
    answer = await say(Inbound(WHO, location=(points[0].lat, points[0].lon)))
    assert "巡查已开始" in answer.replies[0].text
    for p in points[1:5]:
        assert (await say(Inbound(WHO, location=(p.lat, p.lon)))).replies == []
    answer = await say(Inbound(WHO, press=end))
    said = answer.replies[0].text
    assert "老虎潭水库巡查结束：0 分钟，0.05 公里。" in said and "❌ 时间不足" in said
