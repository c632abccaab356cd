"""A case action's questions answered with buttons, through the real bot: a rejection offers the
office's usual reasons (or one typed) and asks before it rejects; a plan is shown for review and
a field changed before it is saved; a reroute picks its cell from the cells around the case's
or from a search by name, never from a typed code."""

from __future__ import annotations

from sqlalchemy import select

from models import Case, CaseEvent, CaseState, GridCell, Member, Role
from tests.support.cases import person, report_a_case, send_outbox
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report_world import VILLAGE, buttons, deps, press, texts, with_button

PRESETS_EN = ["Not in a drinking-water source's protection area",
              "Reported already (a duplicate)", "Not enough information", "Already rectified"]
PRESETS_ZH = ["不属于水源地保护范围", "重复上报", "信息不足", "已整改"]


async def _case(h: TelegramHarness, case_id: int) -> Case:
    async with deps(h).sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        return case


async def _reasons(h: TelegramHarness, case_id: int, kind: str) -> list[object]:
    async with deps(h).sessions() as s:
        return [e.payload.get("reason") for e in await s.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind))]


async def _reported(h: TelegramHarness, manager_language: str = "en"
                    ) -> tuple[SimUser, SimUser, Case]:
    manager = await person(h, 5001, "Village manager", VILLAGE)
    if manager_language != "en":
        await h.send_text(manager, "/lang")
        await h.press(manager, h.last_message(manager), "中文")
    volunteer = await person(h, 6001, "Volunteer")
    case = await report_a_case(h, volunteer)
    await send_outbox(h)
    return manager, volunteer, case


async def test_a_rejection_offers_preset_reasons_and_asks_before_rejecting(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager, volunteer, case = await _reported(h)
    await press(h, manager, "Reject")
    question = h.last_message(manager)
    assert buttons(question) == [*PRESETS_EN, "✖️ Cancel"]
    await h.press(manager, question, "Reported already (a duplicate)")
    confirm = h.last_message(manager)
    assert "with the reason “Reported already (a duplicate)”?" in confirm["text"]
    assert (await _case(h, case.id)).state == CaseState.SUBMITTED  # nothing rejected yet
    # The first question's buttons are gone; a press from it (forged) changes nothing.
    assert buttons(next(m for m in h.messages_to(manager)
                        if m["message_id"] == question["message_id"])) == []
    stale = h.emulator.users.press(manager.id, manager.id, question["message_id"],
                                   f"f:{case.id}:p:2")
    await h.flush()
    assert "earlier question" in (h.callback_answer(stale) or {}).get("text", "")

    await h.press(manager, confirm, "✏️ Change the reason")
    await h.send_text(manager, "Outside our county")  # typed instead of a preset
    assert "with the reason “Outside our county”?" in texts(h, manager)[-1]
    await press(h, manager, "✅ Yes, reject")
    assert (await _case(h, case.id)).state == CaseState.REJECTED
    assert await _reasons(h, case.id, "rejected") == ["Outside our county"]
    await send_outbox(h)
    assert any("was not taken up: Outside our county" in t for t in texts(h, volunteer))


async def test_a_chinese_manager_sees_the_presets_in_chinese_and_may_cancel(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager, _volunteer, case = await _reported(h, "zh_CN")
    await press(h, manager, "驳回")
    assert buttons(h.last_message(manager)) == [*PRESETS_ZH, "✖️ 取消"]
    await press(h, manager, "信息不足")
    assert "确定以“信息不足”为由驳回案件" in texts(h, manager)[-1]
    await press(h, manager, "✖️ 取消")
    assert f"案件 {case.number} 未作改动" in texts(h, manager)[-1]
    assert (await _case(h, case.id)).state == CaseState.SUBMITTED


async def test_a_plan_is_reviewed_and_a_field_changed_before_it_is_saved(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager, _volunteer, case = await _reported(h)
    await press(h, manager, "Accept")
    await press(h, manager, "Rectification plan")
    for answer in ("Clear the dump", "Haul away; put up a sign", "Wang Wu", "14d"):
        await h.send_text(manager, answer)
    review = h.last_message(manager)
    assert "the plan as it will be saved" in review["text"]
    assert "Clear the dump" in review["text"] and "Wang Wu" in review["text"]
    assert buttons(review) == ["✅ Save the plan", "✏️ Task", "✏️ Steps", "✏️ Responsible",
                               "✏️ Deadline", "✖️ Cancel"]
    assert (await _case(h, case.id)).plan_task is None  # not saved before "save"
    await h.send_text(manager, "one more thing")  # typing at the review shows it again
    assert "the plan as it will be saved" in texts(h, manager)[-1]

    await press(h, manager, "✏️ Responsible")
    assert "3 of 4" in texts(h, manager)[-1]
    await h.send_text(manager, "Li Si")
    review = h.last_message(manager)
    assert "Li Si" in review["text"] and "Wang Wu" not in review["text"]
    await h.press(manager, review, "✅ Save the plan")
    stored = await _case(h, case.id)
    assert (stored.plan_task, stored.plan_owner, stored.state) == (
        "Clear the dump", "Li Si", CaseState.RECTIFYING)
    assert "Li Si" in with_button(h, manager, "Fixed (after-photo)")["text"]


async def test_a_reroute_picks_its_cell_from_buttons_or_a_search_never_a_code(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager, _volunteer, case = await _reported(h)
    await press(h, manager, "Not ours: reroute")
    picker = h.last_message(manager)
    assert buttons(picker) == ["⬆️ 妙西镇", "↔️ 妙西西南村", "↔️ 妙西东南村", "↔️ 妙西西北村",
                               "✖️ Cancel"]
    await h.send_text(manager, "330502101002")  # a code is not a name: nothing is found
    assert "Nothing here is called “330502101002”" in texts(h, manager)[-1]
    assert (await _case(h, case.id)).cell_id == case.cell_id
    await h.send_text(manager, "东林东南")
    found = h.last_message(manager)
    assert buttons(found) == ["🔎 东林东南村 · 东林镇", "✖️ Cancel"]
    await h.press(manager, found, "🔎 东林东南村 · 东林镇")
    assert "goes to 东林东南村" in texts(h, manager)[-1]
    await h.send_text(manager, "It is across the river")
    async with deps(h).sessions() as s:
        target = await s.scalar(select(GridCell.id).where(GridCell.code == "330502101002"))
    stored = await _case(h, case.id)
    assert (stored.cell_id, stored.state) == (target, CaseState.SUBMITTED)
    assert await _reasons(h, case.id, "rerouted") == ["It is across the river"]
    assert "东林东南村" in texts(h, manager)[-1]  # the card, now in its new cell


async def test_a_dispatch_to_a_member_is_picked_from_the_people_of_the_subtree(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager, _volunteer, case = await _reported(h)
    await person(h, 5007, "Patroller Zhao", VILLAGE, Role.PATROLLER)
    await press(h, manager, "Accept")
    await press(h, manager, "Dispatch")
    picker = h.last_message(manager)
    assert "👤 Patroller Zhao · 妙西东北村" in buttons(picker)
    await h.send_text(manager, "zhao")  # a search by name, any case
    found = h.last_message(manager)
    assert buttons(found) == ["👤 Patroller Zhao · 妙西东北村", "✖️ Cancel"]
    await h.press(manager, found, "👤 Patroller Zhao · 妙西东北村")
    stored = await _case(h, case.id)
    async with deps(h).sessions() as s:
        zhao = await s.scalar(select(Member.id).where(Member.platform_user_id == "5007"))
    assert (stored.state, stored.assignee_id) == (CaseState.DISPATCHED, zhao)
