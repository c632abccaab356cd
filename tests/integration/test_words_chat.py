"""The first words of a chat, through the real bot: a first visit is greeted as new (the
sandbox's personas too), the report button follows /lang at once, a stray "你好" gets the menu,
and /help lists every command the member's role has, as registered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.telegram import help_book
from bot.telegram.wiring import NEUTRAL
from models import Case
from services.demo import DEMO_PERSONAS, seed_demo_personas
from tests.support.harness import SimUser, TelegramHarness
from tests.support.ledger import WUXING, with_role
from tests.support.report_world import keyboard_labels

VOLUNTEER, VILLAGE_MANAGER = DEMO_PERSONAS[0], DEMO_PERSONAS[1]


async def _seed(h: TelegramHarness) -> None:
    async with h.app.bot_data["deps"].sessions() as session:
        await seed_demo_personas(session)
        await session.commit()


def _persona(h: TelegramHarness, spec: Any) -> SimUser:
    return h.user(spec.display_name, "zh-hans", user_id=int(spec.platform_user_id))


async def test_a_first_visit_is_greeted_as_new_even_when_the_member_was_made_before(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    await _seed(h)
    volunteer, manager = _persona(h, VOLUNTEER), _persona(h, VILLAGE_MANAGER)

    await h.send_text(volunteer, "/start")
    first = h.last_message(volunteer)["text"]
    assert "欢迎回来" not in first and first.startswith("欢迎您，志愿者 小林！"), first
    await h.send_text(manager, "/start")
    first = h.last_message(manager)["text"]
    assert "欢迎回来" not in first, first
    assert "您现在是妙西东北村（村/社区）的网格员" in first and "/ledger" in first, first

    await h.send_text(manager, "/start")
    assert h.last_message(manager)["text"].startswith("欢迎回来，村网格员 老王。")


async def test_the_report_button_follows_the_new_language_at_once(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li = h.user("李雷")
    await h.send_text(li, "/start")
    assert keyboard_labels(h, li) == ["📝 上报问题"]
    await h.send_text(li, "/lang")
    await h.press(li, h.last_message(li), "English")
    assert keyboard_labels(h, li) == ["📝 Report a problem"]
    await h.send_text(li, "/lang")
    await h.press(li, h.last_message(li), "中文")
    assert keyboard_labels(h, li) == ["📝 上报问题"]


async def test_plain_text_outside_a_conversation_gets_the_menu(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li, stranger = h.user("李雷"), h.user("路人")
    await h.send_text(li, "/start")
    h.emulator.users.private_chat(li.id).keyboard = None  # say the user cleared the chat
    before = len(h.messages_to(li))
    await h.send_text(li, "你好")
    answers = h.messages_to(li)[before:]
    assert len(answers) == 1
    assert answers[0]["text"].startswith("我没有看懂这条消息。我能为您做这些：")
    assert "/report" in answers[0]["text"] and "/mine" in answers[0]["text"]
    assert keyboard_labels(h, li) == ["📝 上报问题"]
    await h.send_text(li, "/nonsense")
    assert h.last_message(li)["text"].startswith("我没有看懂这条消息")

    await h.send_text(stranger, "你好")
    assert "/start" in h.last_message(stranger)["text"]


def _listed(text: str) -> list[str]:
    return [line.split(" ", 1)[0][1:] for line in text.splitlines() if line.startswith("/")]


async def test_help_lists_every_command_the_role_has_as_registered(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager, volunteer = h.user("Manager", "en"), h.user("Volunteer", "en")
    await with_role(h, manager, "manager", WUXING, "en")  # type: ignore[arg-type]
    await with_role(h, volunteer, "volunteer", None, "en")  # type: ignore[arg-type]
    registered = help_book.private_commands(
        h.app.handlers, [c for m in NEUTRAL for c, _ in getattr(m, "COMMANDS", ())])
    assert {"report", "ledger", "bulletin", "case", "open", "mine"} <= set(registered)
    book = help_book.build(h.app.handlers, NEUTRAL)
    assert all(entry.description for entry in book), "every command says what it does"

    await h.send_text(manager, "/help")
    managers = _listed(h.last_message(manager)["text"])
    assert "ledger" in managers and "bulletin" in managers
    # a manager has every private command but /problem (supervisors' and administrators')
    assert sorted(managers) == sorted(c for c in registered if c != "problem")
    assert "/ledger — The ledger (台账) of your part of the grid as a spreadsheet" in (
        h.last_message(manager)["text"])

    await h.send_text(volunteer, "/help")
    volunteers = _listed(h.last_message(volunteer)["text"])
    assert "ledger" not in volunteers and "bulletin" not in volunteers
    assert {"report", "mine", "help", "lang", "whoami"} <= set(volunteers)


async def test_what_a_chinese_reporter_and_manager_read_is_polite_and_full_width(
    bot_harness: TelegramHarness,
) -> None:
    """Not only the catalogues: the lines the code puts together (history, place, lists)."""
    from tests.support import images
    from tests.support.cases import send_outbox
    from tests.support.catalogues import HALF_WIDTH_BESIDE_CJK, unbalanced
    from tests.support.report_world import press

    h = bot_harness
    li, wang = h.user("李雷"), h.user("王芳")
    await with_role(h, li, "volunteer", None, "zh_CN")  # type: ignore[arg-type]
    await with_role(h, wang, "manager", "330502100004", "zh_CN")  # type: ignore[arg-type]
    await h.send_text(li, "你好")
    await h.send_text(li, "/report")
    await press(h, li, "垃圾堆放")
    await h.send_photo(li, images.jpeg(seed=31))
    await press(h, li, "✅ 完成")
    await h.send_location(li, 30.79, 119.96)
    await press(h, li, "跳过")
    await press(h, li, "高")
    await press(h, li, "✅ 提交上报")
    await send_outbox(h)
    await press(h, wang, "受理")
    await press(h, wang, "整改方案")
    for answer in ("清理垃圾", "清运并设立警示牌", "王五", "14天"):
        await h.send_text(wang, answer)
    await press(h, wang, "✅ 保存方案")
    await send_outbox(h)
    for user, command in ((li, "/mine"), (wang, "/open"), (wang, "/whoami"), (wang, "/help")):
        await h.send_text(user, command)
    async with h.app.bot_data["deps"].sessions() as s:
        number = await s.scalar(select(Case.number))
    await h.send_text(wang, f"/case {number}")
    assert h.last_message(wang)["text"].startswith(f"案件 {number}")
    seen = [part for user in (li, wang) for m in h.messages_to(user)
            for part in [m.get("text") or m.get("caption") or "", *(
                b["text"] for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row)]]
    assert any("处理记录" in s for s in seen) and any("老虎潭水库" in s for s in seen)
    bad = [s for s in seen if "你" in s or HALF_WIDTH_BESIDE_CJK.search(s) or unbalanced(s)]
    assert not bad, "\n---\n".join(bad)
