"""A report filed on a patrol belongs to it, and takes its place from the patrol's last point
when the reporter says so; the live location's moves meanwhile stay the patrol's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Case, PatrolCase
from tests.support import images
from tests.support.harness import TelegramHarness
from tests.support.patrols import (
    choose_source,
    demo_track,
    move,
    patroller,
    share,
    stored_patrol,
)
from tests.support.report import finish_from_place
from tests.support.report_world import deps, keyboard_labels, press


async def test_a_report_on_a_patrol_takes_its_last_point_and_is_linked_to_it(
        bot_harness: TelegramHarness) -> None:
    h = bot_harness
    points, _ = demo_track()
    user = await patroller(h, language="en")
    await choose_source(h, user, "老虎潭水库")
    live = await share(h, user, points[0])
    await move(h, user, live, points[1:30])
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=3))
    await press(h, user, "✅ Done")
    offer = h.last_message(user)["text"]
    assert "You are on a patrol; its last point was" in offer
    assert f"{points[29].lat:.5f}" in offer
    await move(h, user, live, points[30:35])  # still walking: the patrol's, not the report's
    patrol, stored = await stored_patrol(h)
    assert stored == 35
    await press(h, user, "✅ Use the patrol's last point")
    await finish_from_place(h, user)
    async with deps(h).sessions() as s:
        case = await s.scalar(select(Case).order_by(Case.id.desc()).limit(1))
        assert case is not None
        assert (case.lat, case.lon) == pytest.approx((points[34].lat, points[34].lon))
        link = await s.scalar(select(PatrolCase).where(PatrolCase.case_id == case.id))
        assert link is not None and link.patrol_id == patrol.id
    assert case.number in "\n".join(m.get("text", "") for m in h.messages_to(user)[-3:])


async def test_a_volunteer_is_told_patrols_are_the_cadres(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    ann = h.user("Ann", language_code="en")
    await h.send_text(ann, "/start")
    await h.send_text(ann, "/patrol")
    assert "Patrols are for patrollers and grid staff" in h.last_message(ann)["text"]
    await h.send_text(ann, "/help")
    assert "/patrol" not in h.last_message(ann)["text"]


async def test_the_patrol_key_is_under_a_cadres_text_field_and_not_a_volunteers(
        bot_harness: TelegramHarness) -> None:
    h = bot_harness
    user = await patroller(h)
    assert "🚶 巡查" in keyboard_labels(h, user)
    await h.send_text(user, "🚶 巡查")
    assert "您要巡查哪个水源地" in h.last_message(user)["text"]
    ann = h.user("Ann", language_code="en")
    await h.send_text(ann, "/start")
    assert keyboard_labels(h, ann) == ["📝 Report a problem"]
