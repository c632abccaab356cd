"""A township's group chat, end to end through the real bot on the Telegram emulator: bound by
a group invite, a village case posted there, taken by a village manager from the group, a
bystander refused privately, /report sent to private, and the group removed or migrated."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select, update

from models import Case, CaseState, GroupBinding, Invite, Outbox, OutboxState
from services.members import create_invite
from tests.support import images
from tests.support.cases import person, report_a_case, send_outbox
from tests.support.groups import (
    binding,
    body,
    group_invite,
    settings,  # noqa: F401  (the fixture: groups read English)
    township_group,
)
from tests.support.harness import TelegramHarness
from tests.support.report_world import (
    IN_GRADE1,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    buttons,
    deps,
    press,
    texts,
    with_button,
)


async def case_state(h: TelegramHarness, case_id: int) -> tuple[str, int]:
    async with deps(h).sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        return case.state, case.version


async def test_a_township_group_sees_a_village_case_and_a_village_manager_takes_it_there(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    village = await person(h, 5001, "Village manager", VILLAGE)
    bystander = await person(h, 6002, "Bystander")
    reporter = await person(h, 6001, "Reporter")
    group = await township_group(h, [township, village, bystander])
    said = h.last_message(group)["text"]
    assert "妙西镇" in said and "new cases" in said and "daily digest" in said

    case = await report_a_case(h, reporter)
    await send_outbox(h)
    card = with_button(h, group, "Accept")
    assert case.number in body(card) and card.get("photo")
    assert with_button(h, village, "Accept")  # "also": the manager still hears privately

    # Someone in the group without the right: refused privately, nothing changes.
    before = await case_state(h, case.id)
    query = await h.press(bystander, card, "Accept")
    answer = h.callback_answer(query) or {}
    assert answer.get("show_alert") and "not in your part of the grid" in answer["text"]
    assert await case_state(h, case.id) == before
    assert with_button(h, group, "Accept")["message_id"] == card["message_id"]

    # The village manager takes it from the group: the group's card shows who and what now.
    await h.press(village, card, "Accept")
    assert (await case_state(h, case.id))[0] == CaseState.ACCEPTED
    edited = with_button(h, group, "Rectification plan")
    assert edited["message_id"] == card["message_id"]
    assert "accepted by Village manager" in body(edited) and "Accept" not in buttons(edited)

    # A step that needs typing continues in the presser's private chat.
    await h.press(village, edited, "Rectification plan")
    assert "1 of 4" in texts(h, village)[-1]
    assert not any("1 of 4" in t for t in texts(h, group))
    for answer_text in ("Clear the dump", "Haul away; put up a sign", "Wang Wu", "14d"):
        await h.send_text(village, answer_text)
    await press(h, village, "✅ Save the plan")
    await send_outbox(h)  # the group's card is brought up to date by the outbox
    current = next(m for m in h.messages_to(group) if m["message_id"] == card["message_id"])
    assert "plan set by Village manager" in body(current)
    assert "Fixed (after-photo)" in buttons(current)


async def test_a_member_without_a_cell_is_refused_and_a_stranger_told_to_start(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    other_village = await person(h, 5003, "Far manager", "330502100001")
    stranger = h.user("Stranger", language_code="en", user_id=7001)
    reporter = await person(h, 6001, "Reporter")
    group = await township_group(h, [township, other_village, stranger])
    case = await report_a_case(h, reporter)
    await send_outbox(h)
    card = with_button(h, group, "Accept")
    before = await case_state(h, case.id)
    for who, words in ((stranger, "/start"), (other_village, "not in your part of the grid")):
        query = await h.press(who, card, "Accept")
        answer = h.callback_answer(query) or {}
        assert answer.get("show_alert") and words in answer["text"]
    assert await case_state(h, case.id) == before
    assert not any("Please send /start" in t for t in texts(h, group))  # nothing said in public


async def test_an_anonymous_report_with_gps_in_its_file_reaches_the_group_unnamed_and_clean(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    reporter = await person(h, 6001, "Secret Reporter")
    group = await township_group(h, [township])
    async with deps(h).sessions() as s:  # "instead": the manager reads it in the group only
        await s.execute(update(GroupBinding).values(mode="instead"))
        await s.commit()
    await h.send_text(reporter, "/report")
    await press(h, reporter, "Dumped garbage")
    sent = await h.send_document(reporter, images.jpeg_with_exif(lat=IN_GRADE1[0],
                                                                  lon=IN_GRADE1[1]),
                                 "IMG_0001.jpg", "image/jpeg")
    await press(h, reporter, "✅ Done")
    await h.send_location(reporter, *IN_GRADE1)
    await press(h, reporter, "Skip")
    severity = h.last_message(reporter)
    await h.press(reporter, severity, next(b for b in buttons(severity) if b.endswith("high")))
    await press(h, reporter, "🙈 Anonymous: no")
    await press(h, reporter, "✅ Send the report")
    await send_outbox(h)

    card = with_button(h, group, "Accept")
    assert "Secret Reporter" not in body(card) and "anonymous" in body(card)
    photo = card.get("photo") or []
    assert photo, "the group sees a display copy of the picture"
    assert not h.messages_to(township)[-1].get("photo")  # no private alert in "instead" mode
    original = sent["document"]["file_unique_id"]
    assert all(size["file_unique_id"] != original for size in photo)
    for size in photo:
        data = h.emulator.state.files[size["file_id"]].data
        with Image.open(io.BytesIO(data)) as img:
            assert not img.getexif() and b"secret comment" not in data


async def test_report_in_a_group_moves_to_private(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    newcomer = h.user("Newcomer", language_code="en", user_id=7002)
    group = await township_group(h, [township, newcomer])
    await h.send_text(newcomer, "/report", group)
    link = h.last_message(group)["reply_markup"]["inline_keyboard"][0][0]["url"]
    bot_name = h.app.bot.username
    assert link == f"https://t.me/{bot_name}?start=report"
    assert "category" not in h.last_message(group)["text"].lower()
    # Opening the link sends /start report in private: registered and asked the first step.
    await h.send_text(newcomer, "/start report")
    assert "Dumped garbage" in buttons(h.last_message(newcomer))


async def test_bad_group_invites_are_refused_in_the_group(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    group = await township_group(h, [township])
    second = h.group("Second patrol", [township])
    await h.flush()
    async with deps(h).sessions() as s:
        personal = await create_invite(s, "manager", VILLAGE)
        await s.commit()
    await h.send_text(township, f"/bind {personal.code}", second)
    assert "for one person" in h.last_message(second)["text"]
    await h.send_text(township, f"/bind {await group_invite(h, TOWNSHIP)}", second)
    assert "already has a group chat" in h.last_message(second)["text"]
    await h.send_text(township, "/bind not-a-code", second)
    assert "not valid" in h.last_message(second)["text"]
    # /start@bot CODE (what the startgroup link sends) binds too.
    code = await group_invite(h, VILLAGE)
    await h.send_text(township, f"/start@{h.app.bot.username} {code}", second)
    assert "This group now serves" in h.last_message(second)["text"]
    await h.send_text(township, f"/bind {code}", group)
    assert "already been used" in h.last_message(group)["text"]
    async with deps(h).sessions() as s:
        used = await s.scalar(select(Invite).where(Invite.code == code))
        assert used is not None and used.used_at is not None


async def test_unbind_needs_a_manager_of_the_cell(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    village = await person(h, 5001, "Village manager", VILLAGE)
    reporter = await person(h, 6001, "Reporter")
    group = await township_group(h, [township, village])
    await h.send_text(village, "/unbind", group)
    assert "Only a grid manager of" in h.last_message(group)["text"]
    await h.send_text(township, "/unbind", group)
    assert "no longer serves" in h.last_message(group)["text"]
    found = await binding(h, group)
    assert found is not None and not found.active
    posted = len(h.messages_to(group))
    await report_a_case(h, reporter)
    await send_outbox(h)
    assert len(h.messages_to(group)) == posted  # an unbound group hears nothing more
    await h.send_text(village, "/report", group)
    assert len(h.messages_to(group)) == posted


async def test_removing_the_bot_unbinds_and_tells_the_managers(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    group = await township_group(h, [township])
    h.emulator.users.set_bot_status(group.id, "kicked", township.id)
    await h.flush()
    found = await binding(h, group)
    assert found is not None and not found.active and found.unbound_reason == "removed"
    await send_outbox(h)
    told = texts(h, township)[-1]
    assert "removed from the group chat" in told and "Miaoxi patrol" in told
    assert "/invite" in told and "gridpatrol" not in told  # no shell command for the office


async def test_a_refused_post_unbinds_and_tells_the_managers(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    reporter = await person(h, 6001, "Reporter")
    group = await township_group(h, [township])
    async with deps(h).sessions() as s:  # "instead": the group was to be the only alert
        await s.execute(update(GroupBinding).values(mode="instead"))
        await s.commit()
    case = await report_a_case(h, reporter)
    # Telegram answers 403 to a post in the group (no my_chat_member update was seen).
    h.emulator.state.chats[group.id].bot_status = "kicked"
    await send_outbox(h)
    found = await binding(h, group)
    assert found is not None and not found.active and found.unbound_reason == "forbidden"
    await send_outbox(h)
    assert any("may no longer post" in t for t in texts(h, township))
    assert case.number in body(with_button(h, township, "Accept"))  # the alert, privately
    async with deps(h).sessions() as s:
        failed = await s.scalar(select(Outbox).where(Outbox.chat_id == str(group.id),
                                                     Outbox.case_id == case.id))
        assert failed is not None and failed.state == OutboxState.FAILED


async def test_a_group_turned_supergroup_keeps_its_binding(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    reporter = await person(h, 6001, "Reporter")
    old = h.group("Old basic group", [township], supergroup=False)
    await h.send_text(township, f"/bind {await group_invite(h, TOWNSHIP)}", old)
    new = h.group("Old basic group", [township])  # the supergroup Telegram made of it
    await h.flush()
    await h.inject({"message": {
        "message_id": 999, "date": 1_800_000_000, "from": township.json,
        "chat": {"id": old.id, "type": "group", "title": old.title},
        "migrate_to_chat_id": new.id}})
    moved = await binding(h, new)
    assert moved is not None and moved.active
    assert await binding(h, old) is None
    case = await report_a_case(h, reporter)
    await send_outbox(h)
    assert case.number in body(with_button(h, new, "Accept"))


async def test_a_muted_bot_counts_as_gone(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    group = await township_group(h, [township])
    rights = {name: False for name in (
        "can_change_info", "can_invite_users", "can_pin_messages", "can_manage_topics",
        "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
        "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
        "can_send_other_messages", "can_add_web_page_previews", "can_react_to_messages",
        "can_edit_tag")}
    bot_user = h.app.bot.bot.to_dict()
    await h.inject({"my_chat_member": {
        "chat": group.json, "from": township.json, "date": 1_800_000_000,
        "old_chat_member": {"status": "member", "user": bot_user},
        "new_chat_member": {"status": "restricted", "user": bot_user, "is_member": True,
                            "until_date": 0, **rights}}})
    found = await binding(h, group)
    assert found is not None and not found.active and found.unbound_reason == "forbidden"
    await send_outbox(h)
    assert "may no longer post" in texts(h, township)[-1]


async def test_only_a_manager_of_the_cell_or_above_binds_a_group(
    bot_harness: TelegramHarness,
) -> None:
    """A volunteer (or a manager of a cell beside it) holding a group code is refused in the
    group, told who may bind, and the code stays unused for the manager who then binds."""
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    neighbour = await person(h, 5003, "Far manager", OTHER_VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    group = h.group("Miaoxi patrol", [volunteer, neighbour, township])
    await h.flush()
    welcome = h.last_message(group)["text"]
    assert "/invite" in welcome and "gridpatrol" not in welcome  # the in-chat way, no shell
    code = await group_invite(h, VILLAGE)
    for who in (volunteer, neighbour):
        await h.send_text(who, f"/bind {code}", group)
        said = h.last_message(group)["text"]
        assert "Only a grid manager of 妙西东北村" in said and "not used" in said
    assert await binding(h, group) is None
    async with deps(h).sessions() as s:
        unused = await s.scalar(select(Invite).where(Invite.code == code))
        assert unused is not None and unused.used_at is None and unused.used_by_id is None
    await h.send_text(township, f"/bind {code}", group)
    assert "This group now serves 妙西东北村" in h.last_message(group)["text"]
    bound = await binding(h, group)
    assert bound is not None and bound.active
