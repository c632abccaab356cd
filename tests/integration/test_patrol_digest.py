"""The morning digest of a part of the grid says, per water source in it, how many patrols that
count it had in its rule's period, and which are missing one (a village cell's source: one a
week)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from models import Member, utcnow
from services.digests import queue_digests
from services.settings import Settings
from tests.support.cases import send_outbox
from tests.support.harness import TelegramHarness
from tests.support.patrols import TrackPoint, choose_source, demo_track, move, patroller, share
from tests.support.report import to_summary, volunteer
from tests.support.report_world import add_manager, deps, press
from tests.support.settings import make_settings

CITY = "330500"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Every month in season, so the test does not depend on the month it runs in."""
    return make_settings(db_url, tmp_path,
                         patrols={"rules": {"village": {"months": list(range(1, 13))}}})


async def test_the_digest_counts_each_sources_patrols_against_its_rule(
        bot_harness: TelegramHarness) -> None:
    h = bot_harness
    track, _ = demo_track()
    now = utcnow()
    points = [TrackPoint(p.lat, p.lon, now - (track[-1].at - p.at)) for p in track]
    user = await patroller(h)
    await choose_source(h, user)
    live = await share(h, user, points[0])
    await move(h, user, live, points[1:], stop_at_end=True)
    assert "✅ 本次巡查有效。" in h.last_message(user)["text"]
    ann = await volunteer(h)  # a case, so that the city has a digest to send
    await to_summary(h, ann)
    await press(h, ann, "✅ Send the report")
    await add_manager(deps(h).sessions, 4001, "市网格长", CITY)
    async with deps(h).sessions() as s:
        await s.execute(update(Member).where(Member.platform_user_id == "4001")
                        .values(language="zh_CN"))
        await s.commit()
    chief = h.user("市网格长", user_id=4001)
    await h.send_text(chief, "/start")

    async def digest_on(days_after: int) -> str:
        async with deps(h).sessions() as s:
            await queue_digests(s, deps(h).settings, now + timedelta(days=days_after))
            await s.commit()
        await send_outbox(h)
        return str(h.last_message(chief).get("text", ""))

    said = await digest_on(1)
    assert "巡查：4 个水源地缺少巡查" in said
    assert "✅ 老虎潭水库：最近 7 天有效巡查 1 次" in said
    assert "❌ 对河口水库：最近 7 天有效巡查 0 次" in said
    said = await digest_on(9)  # a week later: 老虎潭水库 misses this week's too
    assert "巡查：5 个水源地缺少巡查" in said and "✅" not in said
