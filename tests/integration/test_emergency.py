"""Emergencies reach every level, with the demo grid's personas: an abnormal-water report at
老虎潭水库 alerts the village, township, county and city managers, the city's supervisor and the
source's linked leader at once, and the reporter is told exactly who was reached."""

from __future__ import annotations

from sqlalchemy import select, update

from models import Case, Member
from services.demo import DEMO_PERSONAS, seed_demo_personas
from tests.support import images
from tests.support.cases import send_outbox
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report_world import IN_GRADE1, buttons, deps, press

EMERGENCY = "🚨 Abnormal water (colour, smell, dead fish)"


async def personas(h: TelegramHarness) -> dict[str, SimUser]:
    """The sandbox's demo people, registered as `make run` registers them; the volunteer reads
    English here so the steps read plainly."""
    async with deps(h).sessions() as s:
        await seed_demo_personas(s)
        await s.commit()
        await s.execute(update(Member).where(Member.platform_user_id == "900001")
                        .values(language="en"))
        await s.commit()
    people = {}
    for spec in DEMO_PERSONAS:
        language = "en" if spec.platform_user_id == 900001 else spec.language
        user = h.user(spec.display_name, language.replace("_", "-"),
                      user_id=int(spec.platform_user_id))
        await h.send_text(user, "/start")  # each opens the chat, as on the sandbox's page
        people[spec.display_name] = user
    return people


async def report_emergency(h: TelegramHarness, volunteer: SimUser) -> str:
    """An abnormal-water report at 老虎潭水库's grade I zone; the reporter's receipt."""
    await h.send_text(volunteer, "/report")
    await press(h, volunteer, EMERGENCY)
    await h.send_photo(volunteer, images.jpeg(seed=21))
    await press(h, volunteer, "✅ Done")
    await h.send_location(volunteer, *IN_GRADE1)
    await press(h, volunteer, "Skip")
    severity = h.last_message(volunteer)
    await h.press(volunteer, severity, next(b for b in buttons(severity) if b.startswith("✓")))
    await press(h, volunteer, "✅ Send the report")
    return str(h.last_message(volunteer)["text"])


async def test_an_emergency_reaches_the_city_manager_the_supervisor_and_the_leader_at_once(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    people = await personas(h)
    receipt = await report_emergency(h, people["志愿者 小林"])
    assert ("the grid managers of 妙西东北村, 妙西镇, 吴兴区, 湖州市; supervisors: 1; the linked "
            "leader of 老虎潭水库; people alerted: 6") in receipt
    await send_outbox(h)
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
    for name in ("村网格员 老王", "镇网格长 陈", "County manager Zhou", "市网格长 钱", "督查 吴",
                 "联系领导 沈"):
        alerts = [m for m in h.messages_to(people[name])
                  if case.number in (m.get("caption") or m.get("text") or "")]
        assert alerts, f"{name} got no alert"
        card = alerts[-1].get("caption") or alerts[-1].get("text") or ""
        assert "紧急" in card or "EMERGENCY" in card
        # The card says who was reached too, as the reporter was told.
        assert "妙西东北村、妙西镇、吴兴区、湖州市的网格员" in card or (
            "the grid managers of 妙西东北村, 妙西镇, 吴兴区, 湖州市" in card)
    city = [m for m in h.messages_to(people["市网格长 钱"]) if m.get("reply_markup")]
    assert "受理" in buttons(city[-1])  # the city may take it on at once


async def test_the_reporter_is_told_only_who_was_reached(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    people = await personas(h)
    async with deps(h).sessions() as s:  # the city's manager and supervisor have left
        await s.execute(update(Member).where(Member.platform_user_id.in_(["900006", "900007"]))
                        .values(active=False))
        await s.commit()
    receipt = await report_emergency(h, people["志愿者 小林"])
    assert ("the grid managers of 妙西东北村, 妙西镇, 吴兴区; the linked leader of 老虎潭水库; "
            "people alerted: 4") in receipt
    assert "湖州市;" not in receipt and "supervisors" not in receipt
