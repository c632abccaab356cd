"""Administration in the chat, end to end through the real bot on the Telegram emulator: a
township manager invites by buttons (the QR code decodes to the link, a second person opens it
and has the role), binds a group with an in-chat group invite, prints a source's poster that
opens a report at that source, and deactivates a member whose cases go to a colleague."""

from __future__ import annotations

import io
import re
from typing import Any

import zxingcpp
from PIL import Image
from sqlalchemy import select

from handlers.admin_views import data
from models import Case, CaseEvent, GridCell, Invite, Member, MemberEvent, WaterSource
from tests.support import images
from tests.support.cases import person, report_a_case, send_outbox
from tests.support.groups import (
    binding,
    body,
    settings,  # noqa: F401  (the fixture)
)
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report_world import TOWNSHIP, VILLAGE, buttons, deps, press, texts, with_button

LINK = re.compile(r"https://t\.me/\S+")


def decoded(h: TelegramHarness, message: dict[str, Any]) -> str:
    """What a phone scanning the photo would open."""
    biggest = message["photo"][-1]
    with Image.open(io.BytesIO(h.emulator.state.files[biggest["file_id"]].data)) as img:
        found = zxingcpp.read_barcodes(img.convert("L"))
    assert len(found) == 1, found
    return str(found[0].text)


def photo_with_link(h: TelegramHarness, chat: SimUser) -> tuple[dict[str, Any], str]:
    message = h.last_message(chat)
    assert message.get("photo"), texts(h, chat)[-3:]
    link = LINK.search(body(message))
    assert link is not None, body(message)
    return message, link.group(0)


async def forge(h: TelegramHarness, user: SimUser, *parts: object) -> str:
    """Press a button the bot never offered (as a forged client would) on its last message."""
    message = h.last_message(user)
    query_id = h.emulator.users.press(user.id, user.id, message["message_id"], data(*parts))
    await h.flush()
    return query_id


async def cell_id(h: TelegramHarness, code: str) -> int:
    async with deps(h).sessions() as s:
        found = await s.scalar(select(GridCell.id).where(GridCell.code == code))
        assert found is not None
        return int(found)


async def test_a_manager_invites_a_patroller_by_buttons_and_the_qr_code_works(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    await h.send_text(township, "/help")
    assert "/invite" in texts(h, township)[-1] and "/members" in texts(h, township)[-1]
    await h.send_text(township, "/invite")
    offered = buttons(h.last_message(township))
    assert "patroller" in offered and "grid manager" in offered
    assert "administrator" not in offered  # a manager never hands out admin
    await press(h, township, "patroller")
    await press(h, township, "妙西东北村 ›")
    await press(h, township, "✅ For 妙西东北村")
    card, link = photo_with_link(h, township)
    assert "patroller for 妙西东北村" in body(card) and "single use" in body(card)
    assert decoded(h, card) == link
    code = link.rsplit("=", 1)[1]
    assert link == f"https://t.me/{h.app.bot.username}?start={code}"

    newcomer = h.user("New patroller", language_code="en", user_id=7101)
    await h.send_text(newcomer, f"/start {code}")  # what opening the link sends
    assert "You are now patroller for 妙西东北村" in texts(h, newcomer)[-1]
    async with deps(h).sessions() as s:
        joined = await s.scalar(select(Member).where(Member.platform_user_id == "7101"))
        invite = await s.scalar(select(Invite).where(Invite.code == code))
        assert joined is not None and joined.role == "patroller"
        assert joined.cell_id == await cell_id(h, VILLAGE)
        assert invite is not None and invite.used_by_id == joined.id
        assert invite.created_by_id is not None

    # Rights are checked again at every press: no admin, nothing outside the subtree.
    answer = h.callback_answer(await forge(h, township, "i", "admin", await cell_id(h, VILLAGE)))
    assert answer and answer["show_alert"] and "Only an administrator" in answer["text"]
    answer = h.callback_answer(await forge(h, township, "c", "manager",
                                           await cell_id(h, "330502"), 0))
    assert answer and "outside your part of the grid" in answer["text"]
    volunteer = await person(h, 6001, "Volunteer")
    await h.send_text(volunteer, "/invite")
    assert "Only grid managers and administrators" in texts(h, volunteer)[-1]
    answer = h.callback_answer(await forge(h, volunteer, "i", "patroller",
                                           await cell_id(h, VILLAGE)))
    assert answer and "Only grid managers and administrators" in answer["text"]
    async with deps(h).sessions() as s:
        assert len(list(await s.scalars(select(Invite)))) == 1


async def test_a_group_invite_from_the_chat_binds_the_group(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    await h.send_text(township, "/invite")
    await press(h, township, "👥 Group chat")
    await press(h, township, "✅ For 妙西镇")
    card, link = photo_with_link(h, township)
    code = link.rsplit("=", 1)[1]
    assert "?startgroup=" in link and f"/bind {code}" in body(card)
    assert decoded(h, card) == link
    group = h.group("Miaoxi patrol", [township])
    await h.flush()
    await h.send_text(township, f"/bind {code}", group)
    assert "This group now serves 妙西镇" in h.last_message(group)["text"]
    found = await binding(h, group)
    assert found is not None and found.active


async def test_a_poster_opens_a_report_at_its_water_source(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    await h.send_text(township, "/poster")
    assert "老虎潭水库" in buttons(h.last_message(township))
    assert "合溪水库" not in buttons(h.last_message(township))  # not in 妙西镇
    await press(h, township, "老虎潭水库")
    poster, link = photo_with_link(h, township)
    assert decoded(h, poster) == link == f"https://t.me/{h.app.bot.username}?start=ws-WS-LHT"
    with Image.open(io.BytesIO(h.emulator.state.files[poster["photo"][-1]["file_id"]].data)
                    ) as img:
        assert img.height > img.width  # a portrait sign

    walker = h.user("Walker", language_code="en", user_id=7201)
    await h.send_text(walker, "/start ws-WS-LHT")  # scanning the poster
    said = texts(h, walker)
    assert any("Reporting a problem at 老虎潭水库" in t for t in said)
    await press(h, walker, "Dumped garbage")
    await h.send_photo(walker, images.jpeg(seed=31))
    await press(h, walker, "✅ Done")
    villages = with_button(h, walker, "妙西东北村")  # that source's villages, at once
    assert "Which village" in body(villages)
    share = h.emulator.state.chats[walker.id].keyboard or {}
    assert any(b.get("request_location") for row in share.get("keyboard", []) for b in row)
    await h.press(walker, villages, "妙西东北村")
    assert any("老虎潭水库" in t and "Place" in t for t in texts(h, walker))
    await press(h, walker, "Skip")
    severity = h.last_message(walker)
    await h.press(walker, severity, next(b for b in buttons(severity) if b.endswith("high")))
    await press(h, walker, "✅ Send the report")
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case).order_by(Case.id.desc()))).first()
        source = await s.scalar(select(WaterSource).where(WaterSource.code == "WS-LHT"))
        assert case is not None and source is not None
        assert case.water_source_id == source.id
        assert case.cell_id == await cell_id(h, VILLAGE)
    stray = h.user("Stray", language_code="en", user_id=7202)
    for payload in ("ws-NO-SUCH", "wsid-abc", "wsid-999999"):  # a torn or forged poster
        await h.send_text(stray, f"/start {payload}")
        assert "This invite link is not valid" in texts(h, stray)[-1], payload


async def test_deactivating_a_member_hands_over_their_cases_and_tells_them(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    leaving = await person(h, 5001, "Leaving manager", VILLAGE)
    staying = await person(h, 5004, "Staying manager", VILLAGE)
    reporter = await person(h, 6001, "Reporter")
    case = await report_a_case(h, reporter)
    await send_outbox(h)
    await h.press(leaving, with_button(h, leaving, "Accept"), "Accept")
    await press(h, leaving, "Rectification plan")
    for answer_text in ("Clear the dump", "Haul away", "Leaving manager", "14d"):
        await h.send_text(leaving, answer_text)
    await press(h, leaving, "✅ Save the plan")
    async with deps(h).sessions() as s:
        held = await s.get(Case, case.id)
        assert held is not None and held.assignee_id is not None

    await h.send_text(township, "/members")
    listed = h.last_message(township)
    assert "Leaving manager: grid manager, 妙西东北村 (village), active" in body(listed)
    await h.press(township, listed, "Leaving manager")
    assert "Open cases they hold: 1" in body(h.last_message(township))
    await press(h, township, "🚫 Deactivate")
    assert "go to the other grid managers" in body(h.last_message(township))
    await press(h, township, "🚫 Yes, deactivate")
    done = body(h.last_message(township))
    assert "Leaving manager was deactivated" in done
    assert f"{case.number} now held by Staying manager" in done

    async with deps(h).sessions() as s:
        gone = await s.scalar(select(Member).where(Member.platform_user_id == "5001"))
        now_held = await s.get(Case, case.id)
        assert gone is not None and not gone.active and gone.deactivated_at is not None
        assert now_held is not None and now_held.assignee_id != gone.id
        event = await s.scalar(select(MemberEvent).where(MemberEvent.member_id == gone.id))
        actor = await s.scalar(select(Member).where(Member.platform_user_id == "5002"))
        assert event is not None and actor is not None and event.actor_id == actor.id
        trail = await s.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                       CaseEvent.kind == "handed_over"))
        assert trail is not None and trail.payload["assignee"] == "Staying manager"
    await send_outbox(h)
    told = texts(h, leaving)[-1]
    assert "Township manager (grid manager) has ended your access" in told
    assert case.number in told
    handed = with_button(h, staying, "Fixed (after-photo)")
    assert "Handed over to you: Leaving manager was deactivated by Township manager" in body(
        handed)

    # Coming back does not undo it; every command and step says why; nothing is reactivated.
    for words in ("/start", "/report", "/open"):
        await h.send_text(leaving, words)
        assert "Your access to the bot was ended" in texts(h, leaving)[-1], words
    async with deps(h).sessions() as s:
        still = await s.scalar(select(Member).where(Member.platform_user_id == "5001"))
        assert still is not None and not still.active

    # Only a new invite brings them back.
    await h.send_text(township, "/invite")
    await press(h, township, "grid manager")
    await press(h, township, "妙西东北村 ›")
    await press(h, township, "✅ For 妙西东北村")
    _, link = photo_with_link(h, township)
    await h.send_text(leaving, f"/start {link.rsplit('=', 1)[1]}")
    assert "You are now grid manager for 妙西东北村" in texts(h, leaving)[-1]
    async with deps(h).sessions() as s:
        back = await s.scalar(select(Member).where(Member.platform_user_id == "5001"))
        assert back is not None and back.active and back.deactivated_at is None
        kinds = list(await s.scalars(select(MemberEvent.kind).where(
            MemberEvent.member_id == back.id).order_by(MemberEvent.id)))
        assert kinds == ["deactivated", "reactivated"]


async def test_a_leader_invite_names_the_water_source_they_lead(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    await h.send_text(township, "/invite")
    await press(h, township, "linked leader")
    await press(h, township, "✅ For 妙西镇")
    assert buttons(h.last_message(township)) == ["老虎潭水库", "No water source"]
    await press(h, township, "老虎潭水库")
    card, link = photo_with_link(h, township)
    assert "Linked leader of 老虎潭水库" in body(card)
    leader = h.user("New leader", language_code="en", user_id=7301)
    await h.send_text(leader, f"/start {link.rsplit('=', 1)[1]}")
    assert "You are the linked leader of 老虎潭水库" in texts(h, leader)[-1]
    async with deps(h).sessions() as s:
        source = await s.scalar(select(WaterSource).where(WaterSource.code == "WS-LHT"))
        joined = await s.scalar(select(Member).where(Member.platform_user_id == "7301"))
        assert source is not None and joined is not None and source.leader_id == joined.id


def test_the_cell_picker_pages_a_long_list_with_short_buttons() -> None:
    """A township with 23 villages: ten a page, ◀ ▶ between pages, every button's data far
    under Telegram's 64 bytes."""
    from handlers.admin_views import cell_view
    from services.i18n import translator
    from services.members import CellView
    from services.notices.card import BUTTON_DATA_LIMIT

    township = GridCell(id=10**12, code="T", name="大镇", level="township", path="/1/")
    villages = [GridCell(id=10**12 + i, code=f"V{i}", name=f"第{i}村", level="village",
                         path=f"/1/{i}/") for i in range(1, 24)]
    t = translator("en")
    pages = []
    for page in range(3):
        _, buttons = cell_view("patroller", CellView(township, villages, None), page, t)
        labels = [b.label for row in buttons for b in row]
        pages.append(labels)
        assert all(len(b.data.encode()) <= BUTTON_DATA_LIMIT for row in buttons for b in row)
    assert pages[0][1:11] == [f"第{i}村 ›" for i in range(1, 11)] and "◀" not in pages[0]
    assert pages[1][-2:] == ["◀", "▶"] and pages[1][1] == "第11村 ›"
    assert pages[2][1:4] == ["第21村 ›", "第22村 ›", "第23村 ›"] and "▶" not in pages[2]
