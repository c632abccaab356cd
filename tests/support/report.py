"""A report through the bot, step by step: a volunteer who said /start, the answers up to the
summary, and the last steps to the case. Shared by the report, photo and place tests."""

from __future__ import annotations

from tests.support import images
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report_world import IN_GRADE1, buttons, press


async def volunteer(h: TelegramHarness, name: str = "Volunteer") -> SimUser:
    user = h.user(name, language_code="en")
    await h.send_text(user, "/start")
    return user


async def through_to_summary(h: TelegramHarness, user: SimUser, description: str | None) -> None:
    if description is None:
        await press(h, user, "Skip")
    else:
        await h.send_text(user, description)
    severity = h.last_message(user)
    label = next(b for b in buttons(severity) if b.endswith("high"))  # "✓ high" if the default
    await h.press(user, severity, label)


async def finish_from_place(h: TelegramHarness, user: SimUser) -> None:
    """From the description question to the case."""
    await through_to_summary(h, user, None)
    await press(h, user, "✅ Send the report")


async def to_summary(h: TelegramHarness, user: SimUser, category: str = "Dumped garbage",
                     seed: int = 1) -> None:
    await h.send_text(user, "/report")
    await press(h, user, category)
    await h.send_photo(user, images.jpeg(seed=seed))
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    await press(h, user, "Skip")
    severity = h.last_message(user)
    await h.press(user, severity, next(b["text"] for row in severity["reply_markup"][
        "inline_keyboard"] for b in row if b["text"].startswith("✓")))
