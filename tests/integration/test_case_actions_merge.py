"""End to end: duplicates. Photos added to a case at intake, and a case merged by a manager's
button; either way every reporter hears how the case ends."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Case, Photo, utcnow
from services import workflow
from tests.support.cases import member_id, person, send_outbox
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report import to_summary
from tests.support.report_world import TOWNSHIP, VILLAGE, buttons, deps, press, texts, with_button


async def walk_to_closed(h: TelegramHarness, case_id: int, fixer: int, checker: int) -> None:
    """Accept, plan, claim (with the reporter's own photo as the after-photo), check, close."""
    settings = deps(h).settings
    now = utcnow()
    async with deps(h).sessions() as s:
        photo = (await s.scalars(select(Photo.id).where(Photo.case_id == case_id))).first()
    assert photo is not None
    calls = [
        lambda s: workflow.accept(s, settings, case_id, fixer, now),
        lambda s: workflow.plan(s, settings, case_id, fixer, now,
                                workflow.Plan("t", "s", "o", now.replace(year=now.year + 1))),
        lambda s: workflow.claim_fix(s, settings, case_id, fixer, now, photo_ids=[photo]),
        lambda s: workflow.check(s, settings, case_id, checker, now),
        lambda s: workflow.close(s, settings, case_id, checker, now),
    ]
    for call in calls:
        await workflow.attempt(deps(h).sessions, call)


async def volunteers(h: TelegramHarness) -> tuple[SimUser, SimUser]:
    return await person(h, 6001, "First"), await person(h, 6002, "Second")


async def test_photos_added_at_intake_make_their_sender_hear_the_outcome(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    await person(h, 5001, "Village manager", VILLAGE)
    await person(h, 5002, "Township checker", TOWNSHIP)
    first, second = await volunteers(h)
    await to_summary(h, first)
    await press(h, first, "✅ Send the report")
    await to_summary(h, second, seed=2)
    await press(h, second, "✅ Send the report")
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
    await press(h, second, f"➕ Add my photos to {case.number}")
    await walk_to_closed(h, case.id, await member_id(h, 5001), await member_id(h, 5002))
    await send_outbox(h)
    for reporter in (first, second):
        asked = with_button(h, reporter, "Yes, it is fixed")
        assert case.number in asked["text"]
    await press(h, second, "Yes, it is fixed")
    assert "Thank you for confirming" in texts(h, second)[-1]


async def test_a_manager_merges_a_duplicate_by_button_and_both_reporters_hear_the_end(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    await person(h, 5002, "Township checker", TOWNSHIP)
    first, second = await volunteers(h)
    await to_summary(h, first)
    await press(h, first, "✅ Send the report")
    await to_summary(h, second, seed=2)
    await press(h, second, "✅ Send the report")
    await press(h, second, "📨 Send a new report")
    async with deps(h).sessions() as s:
        original, duplicate = list(await s.scalars(select(Case).order_by(Case.id)))
    await send_outbox(h)
    alert = next(m for m in reversed(h.messages_to(manager))
                 if duplicate.number in (m.get("caption") or m.get("text") or ""))
    accept = h.emulator.users.button_data(manager.id, alert["message_id"], "Accept")
    await h.press(manager, alert, "Duplicate: merge")
    await h.send_text(manager, duplicate.number)
    assert "cannot be merged into itself" in texts(h, manager)[-2]
    await h.send_text(manager, original.number)
    assert "merged" in texts(h, manager)[-1]
    await send_outbox(h)
    told = texts(h, second)[-1]
    assert duplicate.number in told and original.number in told
    # The merged case's alert now says where it went, with no button left to press ...
    now = next(m for m in h.messages_to(manager) if m["message_id"] == alert["message_id"])
    assert f"Merged into case {original.number}" in (now.get("caption") or now.get("text"))
    assert "Accept" not in buttons(now)
    # ... and its old button, pressed anyway, is refused with where it went.
    assert accept is not None
    query = h.emulator.users.press(manager.id, manager.id, alert["message_id"], accept)
    await h.flush()
    said = (h.callback_answer(query) or {}).get("text", "")
    assert f"was merged into case {original.number}" in said
    async with deps(h).sessions() as s:
        merged = await s.get(Case, duplicate.id)
        assert merged is not None and merged.state == "merged"
        photos = await s.scalar(select(func.count(Photo.id)).where(Photo.case_id == duplicate.id))
        assert photos == 1  # the evidence stays
    await walk_to_closed(h, original.id, await member_id(h, 5001), await member_id(h, 5002))
    await send_outbox(h)
    for reporter in (first, second):
        assert original.number in with_button(h, reporter, "No, not fixed")["text"]
