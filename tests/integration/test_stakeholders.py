"""Everyone with a stake hears, as they read it in their chat (the real bot on the emulator):
the owner when the check passes and when the case is struck off, a holder where the case
went (taken over, rerouted, merged, escalated), the reporter of dispatch and escalation in
plain words, and an anonymous reporter named nowhere."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.runtime.chores import run_sweep
from models import Case, GridCell, utcnow
from services import workflow
from services.settings import Settings
from tests.support import images
from tests.support.cases import member_id, person, report_a_case, send_outbox
from tests.support.deadlines_world import seconds_settings
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report_world import NEAR, TOWNSHIP, VILLAGE, deps, press, texts, with_button

OTHER_VILLAGE = "330502100001"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """100-second deadlines, so a sweep run a little later finds one missed."""
    return seconds_settings(db_url, tmp_path, seconds=100)


def heard(h: TelegramHarness, who: SimUser, words: str) -> str:
    """The one message to `who` containing `words`."""
    found = [t for t in texts(h, who) if words in t]
    assert len(found) == 1, f"{who.name} heard {texts(h, who)}"
    return found[0]


async def test_the_owner_hears_the_check_passed_and_the_case_struck_off(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    owner = await person(h, 5001, "Village manager", VILLAGE)
    checker = await person(h, 5002, "Township checker", TOWNSHIP)
    case = await report_a_case(h, await person(h, 6001, "Volunteer"))
    await send_outbox(h)
    await press(h, owner, "Accept")
    async with deps(h).sessions() as s:
        await workflow.plan(s, deps(h).settings, case.id, await member_id(h, 5001), utcnow(),
                            workflow.Plan("Clear it", "Haul", "Wang Wu",
                                          utcnow() + timedelta(days=9)))
        await s.commit()
    await h.send_text(owner, f"/case {case.number}")
    await press(h, owner, "Fixed (after-photo)")
    await h.send_photo(owner, images.jpeg(seed=12))
    await h.send_location(owner, *NEAR)
    await send_outbox(h)
    await h.press(checker, with_button(h, checker, "Fix confirmed"), "Fix confirmed")
    await send_outbox(h)
    assert heard(h, owner, "the fix was checked") == (
        f"✅ Case {case.number}: the fix was checked and accepted by Township checker. It can "
        "now be struck off (销号).")
    await press(h, checker, "Close the case")
    await send_outbox(h)
    assert heard(h, owner, "struck off (销号) by") == (
        f"🏁 Case {case.number} was struck off (销号) by Township checker. Thank you for the work.")
    assert not any("struck off (销号) by" in t for t in texts(h, checker))  # not told own move


async def test_the_reporter_hears_of_dispatch_and_escalation_and_holders_where_it_went(
    bot_harness: TelegramHarness, settings: Settings
) -> None:
    h = bot_harness
    village = await person(h, 5001, "Village manager", VILLAGE)
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    reporter = await person(h, 6001, "Secret Reporter")
    case = await report_a_case(h, reporter)
    async with deps(h).sessions() as s:  # the reporter chose not to be named
        await s.execute(update(Case).where(Case.id == case.id).values(anonymous=True))
        await s.commit()
    await send_outbox(h)
    await run_sweep(deps(h).sessions, settings, utcnow() + timedelta(seconds=101))
    await send_outbox(h)
    assert heard(h, village, "missed its acceptance deadline") == (
        f"🚨 Case {case.number} missed its acceptance deadline and went up to 妙西镇, which "
        "holds it now.")
    assert heard(h, reporter, "not dealt with in time") == (
        f"⏫ Your report {case.number} was not dealt with in time, so it went up to 妙西镇, "
        "which now follows it.")
    async with deps(h).sessions() as s:
        await workflow.accept(s, settings, case.id, await member_id(h, 5002), utcnow())
        await s.commit()
    async with deps(h).sessions() as s:
        await workflow.dispatch(s, settings, case.id, await member_id(h, 5002), utcnow(),
                                cell_code=VILLAGE)
        await s.commit()
    await send_outbox(h)
    assert heard(h, reporter, "was handed to") == (
        f"📌 Your report {case.number} was handed to 妙西东北村 to deal with. You will hear when "
        "it is fixed.")
    for staff in (village, township):
        assert not any("Secret Reporter" in t for t in texts(h, staff))


async def test_a_holder_hears_where_the_case_went_rerouted_taken_over_or_merged(
    bot_harness: TelegramHarness, settings: Settings
) -> None:
    h = bot_harness
    first = await person(h, 5001, "Village manager A", VILLAGE)
    second = await person(h, 5003, "Village manager B", VILLAGE)
    township_a = await person(h, 5002, "Township manager A", TOWNSHIP)
    township_b = await person(h, 5005, "Township manager B", TOWNSHIP)
    case = await report_a_case(h, await person(h, 6001, "Volunteer"))
    await send_outbox(h)
    async with deps(h).sessions() as s:
        await workflow.reroute(s, settings, case.id, await member_id(h, 5001), utcnow(),
                               cell_code=OTHER_VILLAGE, reason="the outfall is across the road")
        await s.commit()
    await send_outbox(h)
    assert heard(h, second, "was rerouted by") == (
        f"↪️ Case {case.number} was rerouted by Village manager A to {await name(h)}: the "
        "outfall is across the road. It is no longer yours to handle.")
    assert not any("was rerouted by" in t for t in texts(h, first))  # they did it

    # Nobody at the other village: its deadline missed, the township holds it; one of its
    # managers takes it over from the alert, and the other hears who has it.
    await run_sweep(deps(h).sessions, settings, utcnow() + timedelta(seconds=101))
    await send_outbox(h)
    await h.press(township_a, with_button(h, township_a, "Take over"), "Take over")
    await send_outbox(h)
    assert heard(h, township_b, "was taken over by") == (
        f"↪️ Case {case.number} was taken over by Township manager A of 妙西镇. It is no longer "
        "yours to handle.")

    duplicate = await a_case_at_the_village(h)
    async with deps(h).sessions() as s:
        await workflow.merge(s, settings, duplicate.id, await member_id(h, 5001), utcnow(),
                             into=case.number)
        await s.commit()
    await send_outbox(h)
    assert heard(h, second, "merged it there") == (
        f"🔗 Case {duplicate.number} repeats case {case.number}: Village manager A merged it "
        f"there, and the work carries on in {case.number}.")


async def name(h: TelegramHarness) -> str:
    async with deps(h).sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == OTHER_VILLAGE))
        assert cell is not None
        return cell.name


async def a_case_at_the_village(h: TelegramHarness) -> Case:
    """A second, unaccepted case in the village, made directly."""
    async with deps(h).sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == VILLAGE))
        assert cell is not None
        case = Case(number="HZ-2026-900100", category="garbage", severity="medium", lat=NEAR[0],
                    lon=NEAR[1], origin_cell_id=cell.id, cell_id=cell.id)
        s.add(case)
        await s.commit()
        return case
