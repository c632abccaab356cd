"""A new user finds the report button under the text field from their first /start (and after
binding an invite), in their language, and pressing it starts a report."""

from __future__ import annotations

from services.members import create_invite
from tests.support.harness import TelegramHarness
from tests.support.report_world import buttons, keyboard_labels, shown

VILLAGE = "330502100004"


async def test_the_first_start_shows_the_report_button_and_it_starts_a_report(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    ann = h.user("Ann", language_code="en")
    assert keyboard_labels(h, ann) == []
    await h.send_text(ann, "/start")
    assert "Welcome, Ann!" in h.last_message(ann)["text"]
    assert keyboard_labels(h, ann) == ["📝 Report a problem"]
    assert shown(h, ann).get("is_persistent") is True

    await h.send_text(ann, "📝 Report a problem")  # what pressing the button sends
    assert "Dumped garbage" in buttons(h.last_message(ann))


async def test_a_chinese_speaker_gets_the_button_in_chinese_and_on_returning(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li = h.user("李雷")
    await h.send_text(li, "/start")
    first = keyboard_labels(h, li)
    h.emulator.users.private_chat(li.id).keyboard = None  # say the user cleared the chat
    await h.send_text(li, "/start")
    assert "李雷" in h.last_message(li)["text"]
    assert first == keyboard_labels(h, li) and len(first) == 1
    assert first != ["📝 Report a problem"] and "📝" in first[0]


async def test_an_invited_manager_gets_the_report_and_patrol_keys_with_the_welcome(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    async with h.app.bot_data["deps"].sessions() as session:
        invite = await create_invite(session, "manager", VILLAGE)
        await session.commit()
    wang = h.user("Wang", language_code="en")
    await h.send_text(wang, f"/start {invite.code}")
    assert "You are now grid manager" in h.last_message(wang)["text"]
    assert keyboard_labels(h, wang) == ["📝 Report a problem", "🚶 Patrol"]  # a cadre patrols
