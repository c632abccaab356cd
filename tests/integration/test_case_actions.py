"""End to end through the real bot on the Telegram emulator: a volunteer's report walked to
销号 by a village manager and a township checker, the reporter's "no", and forged buttons."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.notices.cards import callback_data, parse_callback
from models import (
    Case,
    CaseEvent,
    GridCell,
    Member,
    Photo,
    PhotoKind,
    utcnow,
)
from services import workflow
from services.cases import Action
from services.notices.card import BUTTON_DATA_LIMIT
from services.notices.kinds import CaseNew
from services.notices.queue import queue
from tests.support import images
from tests.support.cases import member_id, person, report_a_case, send_outbox
from tests.support.harness import TelegramHarness
from tests.support.report_world import (
    IN_GRADE1,
    NEAR,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    buttons,
    deps,
    press,
    texts,
    with_button,
)


async def trail(h: TelegramHarness, case_id: int) -> list[tuple[str, str | None]]:
    async with deps(h).sessions() as s:
        rows = await s.execute(
            select(CaseEvent.kind, Member.display_name)
            .outerjoin(Member, Member.id == CaseEvent.actor_id)
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.id)
        )
        return [(kind, name) for kind, name in rows]


async def test_a_report_is_walked_to_closed_by_the_village_and_checked_by_the_township(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    checker = await person(h, 5002, "Township checker", TOWNSHIP)
    volunteer = await person(h, 6001, "Volunteer")
    case = await report_a_case(h, volunteer)
    await send_outbox(h)

    alert = with_button(h, manager, "Accept")
    assert case.number in (alert.get("caption") or alert.get("text") or "")
    assert alert.get("photo"), "the alert carries the report's photo"
    await h.press(manager, alert, "Accept")
    await press(h, manager, "Rectification plan")
    assert "1 of 4" in texts(h, manager)[-1]
    for answer in ("Clear the dump", "Haul away; put up a sign", "Wang Wu", "14d"):
        await h.send_text(manager, answer)
    await press(h, manager, "✅ Save the plan")
    card = with_button(h, manager, "Fixed (after-photo)")
    assert "Wang Wu" in card["text"] and "being rectified" in card["text"]
    await h.press(manager, card, "Fixed (after-photo)")
    await h.send_text(manager, "no photo here")
    assert texts(h, manager)[-1] == "Please send a photo."
    await h.send_photo(manager, images.jpeg(seed=12))
    await h.send_location(manager, *NEAR)
    assert "fix claimed, awaiting check" in texts(h, manager)[-1]
    await send_outbox(h)

    # The reporter heard "accepted" and got the before/after picture with the claim.
    heard = texts(h, volunteer)
    assert any("was accepted by" in t and case.number in t for t in heard)
    claim = next(m for m in h.messages_to(volunteer) if "A fix was claimed" in m.get("caption", ""))
    assert claim.get("photo")
    # The township checker got the check request with the picture and the buttons.
    request = with_button(h, checker, "Fix confirmed")
    assert request.get("photo") and "Check on site" not in (request.get("caption") or "")
    # The fixer has no check button of their own.
    assert "Fix confirmed" not in buttons(h.last_message(manager))
    await h.press(checker, request, "Fix confirmed")
    await press(h, checker, "Close the case")
    await send_outbox(h)

    closed = with_button(h, volunteer, "Yes, it is fixed")
    assert "Is it really fixed?" in closed["text"]
    await h.press(volunteer, closed, "Yes, it is fixed")
    assert "Thank you for confirming" in texts(h, volunteer)[-1]
    assert await trail(h, case.id) == [
        ("reported", "Volunteer"),
        ("accepted", "Village manager"),
        ("planned", "Village manager"),
        ("fix_claimed", "Village manager"),
        ("checked", "Township checker"),
        ("closed", "Township checker"),
        ("reporter_confirmed", "Volunteer"),
    ]
    async with deps(h).sessions() as s:
        after = list(
            await s.scalars(
                select(Photo).where(Photo.case_id == case.id, Photo.kind == PhotoKind.AFTER)
            )
        )
    assert len(after) == 1
    # /case shows the card with its history.
    await h.send_text(checker, f"/case {case.number}")
    shown = texts(h, checker)[-1]
    assert "History" in shown and "fix checked" in shown and "Township checker" in shown


async def closed_case(h: TelegramHarness, reporter: int, fixer: int, checker: int) -> int:
    """A case in the village, closed through the services (no photos: nothing to re-send)."""
    settings = deps(h).settings
    now = utcnow()
    async with deps(h).sessions() as s:
        village = await s.scalar(select(GridCell).where(GridCell.code == VILLAGE))
        assert village is not None
        case = Case(
            number="HZ-2026-900001", reporter_id=reporter, category="garbage", severity="medium",
            lat=IN_GRADE1[0], lon=IN_GRADE1[1], origin_cell_id=village.id, cell_id=village.id,
        )
        s.add(case)
        await s.flush()
        s.add(Photo(case_id=None, uploaded_by_id=fixer, kind=PhotoKind.AFTER, sha256="0" * 64,
                    stored_path="x", size_bytes=1, width=1, height=1, mime="image/jpeg",
                    phash="0" * 16))
        await s.commit()
        case_id = case.id
        photo_id = (await s.scalars(select(Photo.id))).one()
    steps = [
        lambda s: workflow.accept(s, settings, case_id, fixer, now),
        lambda s: workflow.plan(s, settings, case_id, fixer, now, workflow.Plan(
            "t", "s", "o", now + timedelta(days=3))),
        lambda s: workflow.claim_fix(s, settings, case_id, fixer, now, photo_ids=[photo_id]),
        lambda s: workflow.check(s, settings, case_id, checker, now),
        lambda s: workflow.close(s, settings, case_id, checker, now),
    ]
    for step in steps:
        await workflow.attempt(deps(h).sessions, step)
    return case_id


async def test_no_not_fixed_reopens_the_case_and_the_township_is_alerted(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    await person(h, 5001, "Village manager", VILLAGE)
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    volunteer = await person(h, 6001, "Volunteer")
    ids = [await member_id(h, uid) for uid in (6001, 5001, 5002)]
    case_id = await closed_case(h, *ids)
    await send_outbox(h)
    closed = with_button(h, volunteer, "No, not fixed")
    data = h.emulator.users.button_data(volunteer.id, closed["message_id"], "No, not fixed")
    assert data is not None
    await h.press(volunteer, closed, "No, not fixed")
    assert "handed up one level" in texts(h, volunteer)[-2]
    assert "/skip" in texts(h, volunteer)[-1]
    await h.send_photo(volunteer, images.jpeg(seed=13))
    assert "the photo was added" in texts(h, volunteer)[-1]
    # The same answer again (the buttons are gone; forged from the old data) is told.
    query = h.emulator.users.press(volunteer.id, volunteer.id, closed["message_id"], data)
    await h.flush()
    assert "has moved on" in (h.callback_answer(query) or {}).get("text", "")
    await send_outbox(h)
    alert = with_button(h, township, "Rectification plan")
    assert "not fixed" in (alert.get("text") or "")
    async with deps(h).sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        township_cell = await s.scalar(select(GridCell.id).where(GridCell.code == TOWNSHIP))
        assert (case.state, case.cell_id, case.escalation_level) == ("accepted", township_cell, 1)
        kinds = [e.kind for e in await s.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))]
    assert kinds[-3:] == ["reporter_not_fixed", "reopened", "evidence_added"]


async def test_forged_and_stale_buttons_change_nothing(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    other = await person(h, 5003, "Other village manager", OTHER_VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    case = await report_a_case(h, volunteer)
    await send_outbox(h)
    forged = callback_data(case.id, Action.ACCEPT, case.version)
    for who in (other, volunteer):
        mine = h.last_message(who)
        query = h.emulator.users.press(who.id, who.id, mine["message_id"], forged)
        await h.flush()
        answer = h.callback_answer(query)
        assert answer is not None
        assert "not in your part of the grid" in answer.get("text", "") or "role" in answer.get(
            "text", "")
    # Garbage in the callback data is refused too.
    query = h.emulator.users.press(other.id, other.id, h.last_message(other)["message_id"],
                                   f"c:{case.id}:zzz:1")
    await h.flush()
    assert "no longer valid" in (h.callback_answer(query) or {}).get("text", "")
    # A button of a case that is not there (deleted, or an id made up).
    for action in (Action.ACCEPT, Action.PLAN):
        query = h.emulator.users.press(other.id, other.id, h.last_message(other)["message_id"],
                                       callback_data(999999, action, 1))
        await h.flush()
        assert "There is no case 999999" in (h.callback_answer(query) or {}).get("text", "")
    # A volunteer asking for a manager's list sees only their own cases.
    await h.send_text(volunteer, "/open")
    assert case.number in texts(h, volunteer)[-1]
    await h.send_text(other, f"/case {case.number}")
    assert "not in your part of the grid" in texts(h, other)[-1]
    # Same button twice: the second press is told the case moved on.
    alert = with_button(h, manager, "Accept")
    await h.press(manager, alert, "Accept")
    query = h.emulator.users.press(manager.id, manager.id, alert["message_id"], forged)
    await h.flush()
    assert "has moved on" in (h.callback_answer(query) or {}).get("text", "")
    async with deps(h).sessions() as s:
        kinds = list(await s.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)))
    assert kinds.count("accepted") == 1


def test_callback_data_fits_telegram_and_round_trips() -> None:
    for action in Action:
        data = callback_data(10**15, action, 10**9)
        assert len(data.encode()) <= BUTTON_DATA_LIMIT
        assert parse_callback(data) == (10**15, action, 10**9)
    assert parse_callback("c:1:acc") is None
    assert parse_callback("c:x:acc:1") is None
    assert parse_callback("sv:1:acc:1") is None


async def test_the_township_dispatches_by_picking_and_a_search_finds_nothing_harmlessly(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    village = await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    async with deps(h).sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == TOWNSHIP))
        reporter = await s.scalar(select(Member).where(Member.platform_user_id == "6001"))
        manager = await s.scalar(select(Member).where(Member.platform_user_id == "5002"))
        assert cell is not None and reporter is not None and manager is not None
        case = Case(number="HZ-2026-900002", reporter_id=reporter.id, category="garbage",
                    severity="medium", lat=IN_GRADE1[0], lon=IN_GRADE1[1],
                    origin_cell_id=cell.id, cell_id=cell.id)
        s.add(case)
        await s.flush()
        await queue(s, CaseNew(case.id), recipient=manager)
        await s.commit()
    await send_outbox(h)
    await press(h, township, "Accept")
    await press(h, township, "Dispatch")
    picker = h.last_message(township)
    assert {"⬇️ 妙西东北村", "👤 Village manager · 妙西东北村"} <= set(buttons(picker))
    assert VILLAGE not in picker["text"]  # no code to type
    await h.send_text(township, "<Nobody>")
    assert "Nothing here is called “<Nobody>”" in texts(h, township)[-1]
    await h.press(township, picker, "⬇️ 妙西东北村")
    assert "dispatched" in texts(h, township)[-1]
    await send_outbox(h)
    assert "was dispatched to you" in with_button(h, village, "Rectification plan")["text"]
    assert any("was accepted by" in t for t in texts(h, volunteer))


async def test_an_emergency_reaches_every_level_with_the_banner_and_any_level_may_accept(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    levels = [
        await person(h, 5001, "Village manager", VILLAGE),
        await person(h, 5002, "Township manager", TOWNSHIP),
        await person(h, 5004, "City manager", "330500"),
    ]
    volunteer = await person(h, 6001, "Volunteer")
    await h.send_text(volunteer, "/report")
    await press(h, volunteer, "🚨 Abnormal water (colour, smell, dead fish)")
    await h.send_photo(volunteer, images.jpeg(seed=14))
    await press(h, volunteer, "✅ Done")
    await h.send_location(volunteer, *IN_GRADE1)
    await press(h, volunteer, "Skip")
    severity = h.last_message(volunteer)
    await h.press(volunteer, severity, next(b for b in buttons(severity) if b.startswith("✓")))
    await press(h, volunteer, "✅ Send the report")
    await send_outbox(h)
    alerts = [with_button(h, member, "Accept") for member in levels]
    for alert in alerts:
        assert "EMERGENCY" in (alert.get("caption") or alert.get("text") or "")
    # The city takes it; the village's button then says who did.
    await h.press(levels[2], alerts[2], "Accept")
    query = await h.press(levels[0], alerts[0], "Accept")
    said = (h.callback_answer(query) or {}).get("text", "")
    assert "has moved on" in said and "City manager" in said


async def test_conversations_cancel_ask_again_and_warn_about_a_far_fix(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    checker = await person(h, 5002, "Township checker", TOWNSHIP)
    volunteer = await person(h, 6001, "Volunteer")
    case = await report_a_case(h, volunteer)
    await send_outbox(h)
    await press(h, manager, "Accept")
    await press(h, manager, "Rectification plan")
    await h.send_text(manager, "/cancel")
    assert "Stopped" in texts(h, manager)[-1]
    await h.send_text(manager, "a stray message")  # no conversation now: not taken as a task
    await press(h, manager, "Rectification plan")
    for answer in ("Clear the dump", "Haul away", "Wang Wu", "someday"):
        await h.send_text(manager, answer)
    assert "could not read that deadline" in texts(h, manager)[-1]
    await h.send_text(manager, "2099-01-31")
    await press(h, manager, "✅ Save the plan")
    card = with_button(h, manager, "Fixed (after-photo)")
    assert "2099-01-31 23:59" in card["text"]
    await h.press(manager, card, "Fixed (after-photo)")
    await h.send_photo(manager, images.jpeg(seed=15))
    await h.send_location(manager, IN_GRADE1[0] + 0.01, IN_GRADE1[1])  # ~1.1 km away
    await send_outbox(h)
    request = with_button(h, checker, "Not fixed, send back")
    assert "Check on site" in (request.get("caption") or request.get("text") or "")
    await h.press(checker, request, "Not fixed, send back")
    await h.send_text(checker, "The rubbish is still there")
    await send_outbox(h)
    back = with_button(h, manager, "Fixed (after-photo)")
    assert "The rubbish is still there" in back["text"]
    async with deps(h).sessions() as s:
        kinds = list(await s.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))
    assert kinds == ["reported", "accepted", "planned", "fix_claimed", "sent_back"]


async def test_an_alert_in_a_group_serves_every_manager_and_asks_in_private(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    group = h.group("Village patrol", [manager, volunteer])
    async with deps(h).sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == VILLAGE))
        assert cell is not None
        case = Case(number="HZ-2026-900003", category="garbage", severity="medium",
                    lat=IN_GRADE1[0], lon=IN_GRADE1[1], origin_cell_id=cell.id, cell_id=cell.id)
        s.add(case)
        await s.flush()
        await queue(s, CaseNew(case.id), chat_id=str(group.id))
        await s.commit()
    await send_outbox(h)
    alert = with_button(h, group, "受理")  # a group gets the default language
    query = await h.press(volunteer, alert, "受理")
    said = (h.callback_answer(query) or {}).get("text", "")
    assert "not in your part of the grid" in said  # in the presser's language
    await h.press(manager, alert, "受理")
    refreshed = with_button(h, group, "整改方案")
    assert refreshed["message_id"] == alert["message_id"]
    await h.press(manager, refreshed, "整改方案")
    assert "1 of 4" in texts(h, manager)[-1]  # asked in private, in the manager's language
