"""A restart mid-report loses nothing: a new Application on the same database and Telegram
picks the conversation up where the reporter left it (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from bot.telegram.app import build_application
from models import Case, Photo
from tests.support import images
from tests.support.harness import EmulatorRequest, TelegramHarness
from tests.support.report_world import IN_GRADE1, add_manager, press, texts

VILLAGE = "330502100004"


async def test_the_reporter_continues_after_the_bot_restarts(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    deps = h.app.bot_data["deps"]
    await add_manager(deps.sessions, 5001, "Village manager", VILLAGE)
    user = h.user("Volunteer", language_code="en")
    await h.send_text(user, "/start")
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=51))
    await press(h, user, "✅ Done")
    assert "Where is it?" in texts(h, user)[-1]

    # The old Application is gone; a new one starts on the same database and Telegram.
    await h.app.shutdown()
    fresh = build_application(deps.settings, deps.sessions,
                              request=EmulatorRequest(h.emulator),
                              get_updates_request=EmulatorRequest(h.emulator))
    async with TelegramHarness(h.emulator, fresh) as again:
        await again.send_location(user, *IN_GRADE1)
        assert any("📍 Place:" in t and "妙西东北村" in t for t in texts(again, user))
        await press(again, user, "Skip")
        await press(again, user, "✓ medium")
        await press(again, user, "✅ Send the report")
        assert "HZ-" in texts(again, user)[-1]
    await h.app.initialize()  # the fixture shuts it down again on the way out

    async with deps.sessions() as s:
        case = (await s.scalars(select(Case))).one()
        photos = list(await s.scalars(select(Photo).where(Photo.case_id == case.id)))
        assert case.category == "garbage" and len(photos) == 1


async def test_an_old_button_still_works_after_a_restart_if_its_step_is_current(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    deps = h.app.bot_data["deps"]
    user = h.user("Volunteer", language_code="en")
    await h.send_text(user, "/start")
    await h.send_text(user, "/report")
    await h.app.shutdown()
    fresh = build_application(deps.settings, deps.sessions,
                              request=EmulatorRequest(h.emulator),
                              get_updates_request=EmulatorRequest(h.emulator))
    async with TelegramHarness(h.emulator, fresh) as again:
        await press(again, user, "Dumped garbage")
        assert "Send 1 to 10 photos" in texts(again, user)[-1]
    await h.app.initialize()
