"""The sandbox's web chat in headless chromium: a person picks a persona, talks to the bot,
presses buttons and sees the bot's edits, shares a place from the picker."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from models.db import SessionFactory
from sandbox import RunningSandbox, start_sandbox, stop_sandbox
from sandbox.telegram.echo import add_echo_handlers
from services.demo import DEMO_PERSONAS, DEMO_WECOM_PERSONAS
from services.settings import Settings
from tests.support.settings import make_settings

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("/tmp")  # sandbox.png (the real bot), sandbox-echo.png
WAIT_MS = 15_000  # how long the page may take to show what the bot sent (not a speed test)


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (60, 140, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


async def _echo_bot(settings: Settings) -> Any:
    from telegram.ext import ApplicationBuilder

    app = (ApplicationBuilder().token(settings.telegram.token)
           .base_url(settings.telegram.api_base_url)
           .base_file_url(settings.telegram.file_base_url).build())
    add_echo_handlers(app)
    return app


@pytest.fixture
async def echo_sandbox(tmp_path: Path) -> AsyncIterator[RunningSandbox]:
    settings = make_settings(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path,
                             sandbox={"port": 0, "flood_limits": False})
    running = await start_sandbox(settings, build_bot=_echo_bot)
    yield running
    await stop_sandbox(running)
    assert running.emulator.refusals == []


async def test_chat_with_buttons_edits_and_a_picked_place(
    browser: Any, echo_sandbox: RunningSandbox
) -> None:
    from playwright.async_api import expect

    page = await browser.new_page(viewport={"width": 1200, "height": 760}, locale="en-GB")
    await page.goto(echo_sandbox.url)
    await page.click("#lang")  # to English
    await expect(page.locator("#new-persona button")).to_have_text("Create")
    await page.fill("#np-name", "Lin Volunteer")
    await page.select_option("#np-role", "volunteer")
    await page.select_option("#np-lang", "en")
    await page.click("#new-persona button[type=submit]")
    await expect(page.locator(".persona.active")).to_contain_text("Lin Volunteer")

    await page.fill("#text", "/start")
    await page.press("#text", "Enter")
    welcome = page.locator(".msg", has_text="Welcome, Lin Volunteer!")
    await expect(welcome).to_be_visible(timeout=WAIT_MS)
    await expect(welcome.locator("b")).to_have_text("Lin Volunteer")  # HTML entities rendered

    await page.fill("#text", "water smells <odd> & brown")
    await page.press("#text", "Enter")
    await expect(page.locator(".msg:not(.mine)", has_text="echo: water smells <odd> & brown")
                 ).to_be_visible(timeout=WAIT_MS)

    await welcome.locator("button.inline-button", has_text="Press me").click()
    edited = page.locator(".msg", has_text="You pressed the button.")
    await expect(edited).to_be_visible(timeout=WAIT_MS)
    await expect(edited.locator(".meta")).to_contain_text("edited")
    await expect(edited.locator("button.inline-button")).to_have_count(0)
    await expect(page.locator("#toast")).to_have_text("Got it")

    # the reply keyboard's "share location" opens the picker; a click there picks a place
    await page.locator("#reply-keyboard button", has_text="Share location").click()
    box = await page.locator("#picker").bounding_box()
    assert box is not None
    await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await expect(page.locator("#lat")).to_have_value("30.8")
    await expect(page.locator("#lon")).to_have_value("119.9")
    await page.click("#send-location")
    await expect(page.locator(".msg:not(.mine)", has_text="at 30.8000,119.9000")
                 ).to_be_visible(timeout=WAIT_MS)

    # two photos at once arrive as an album; "as file" keeps the bytes
    pictures = [{"name": f"dam{index}.jpg", "mimeType": "image/jpeg",
                 "buffer": jpeg(900 + index * 100, 600)} for index in range(2)]
    await page.set_input_files("#file", files=pictures)
    await expect(page.locator("#photo-panel")).to_be_visible()
    await page.click("#send-photos")
    await expect(page.locator(".msg.mine .album img")).to_have_count(2, timeout=WAIT_MS)
    replies = page.locator(".msg:not(.mine)", has_text=re.compile(r"photo \d+x\d+, 4 sizes"))
    await expect(replies).to_have_count(2, timeout=WAIT_MS)
    groups = {re.sub(r".*group (\d+).*", r"\1", text, flags=re.S)
              for text in await replies.all_inner_texts()}
    assert len(groups) == 1 and groups.pop().isdigit()
    await page.set_input_files("#file", files=pictures[:1])
    await page.check("#as-file")
    await page.click("#send-photos")
    size = len(pictures[0]["buffer"])
    await expect(page.locator(".msg:not(.mine)", has_text=f"file dam0.jpg: {size} bytes")
                 ).to_be_visible(timeout=WAIT_MS)

    # forwarding the bot's answer back to it
    answer = page.locator(".msg:not(.mine)", has_text="at 30.8000,119.9000")
    await answer.hover()
    await answer.locator(".fwd-btn").click()
    await page.locator("#forward-menu div[data-chat]", has_text="Lin Volunteer").click()
    await expect(page.locator(".msg.mine .fwd", has_text="Forwarded from GridPatrol")
                 ).to_be_visible(timeout=WAIT_MS)
    await expect(page.locator(".msg:not(.mine)", has_text="echo: at 30.8000,119.9000")
                 ).to_be_visible(timeout=WAIT_MS)
    await page.screenshot(path=str(SCREENSHOTS / "sandbox-echo.png"))


@pytest.fixture
async def real_sandbox(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
    tmp_path: Path,
) -> AsyncIterator[RunningSandbox]:
    from services.grid import import_grid

    async with session_factory() as session:
        await import_grid(session, demo_grid_collection)
        await session.commit()
    sandboxed = make_settings(settings.database.url, tmp_path,
                              sandbox={"port": 0, "flood_limits": True})
    running = await start_sandbox(sandboxed)
    yield running
    await stop_sandbox(running)
    assert running.emulator.refusals == []


async def test_the_real_bot_registers_a_volunteer_and_edits_on_a_press(
    browser: Any, real_sandbox: RunningSandbox
) -> None:
    from playwright.async_api import expect

    page = await browser.new_page(viewport={"width": 1200, "height": 760})
    await page.goto(real_sandbox.url)
    # the demo personas are there, their invites already used
    await expect(page.locator(".persona")).to_have_count(
        len(DEMO_PERSONAS) + len(DEMO_WECOM_PERSONAS), timeout=WAIT_MS)
    # the WeCom members are marked as such, beside the Telegram personas
    await expect(page.locator(".persona .channel.wecom")).to_have_count(len(DEMO_WECOM_PERSONAS))
    await page.click("#lang")
    await page.fill("#np-name", "New Volunteer")
    await page.select_option("#np-lang", "en")
    await page.click("#new-persona button[type=submit]")
    await page.fill("#text", "/start")
    await page.press("#text", "Enter")
    await expect(page.locator(".msg", has_text="Welcome, New Volunteer")
                 ).to_be_visible(timeout=WAIT_MS)
    await page.locator(".msg:not(.mine) a.cmd", has_text="/report").first.click()
    question = page.locator(".msg:not(.mine)", has_text="What is the problem?")
    await expect(question.locator("button.inline-button")).not_to_have_count(0, timeout=WAIT_MS)
    await question.locator("button.inline-button", has_text="Dumped garbage").click()
    await expect(page.locator(".msg", has_text="Category: Dumped garbage")
                 ).to_be_visible(timeout=WAIT_MS)
    await expect(question.locator("button.inline-button")).to_have_count(0)  # the edit
    await expect(question.locator(".meta")).to_contain_text("edited")
    await page.screenshot(path=str(SCREENSHOTS / "sandbox.png"))


async def test_reopening_a_chat_replays_nothing_and_times_are_the_bots_local_time(
    browser: Any, echo_sandbox: RunningSandbox
) -> None:
    """A browser in London: the page still shows the times of config locale.timezone (Asia/
    Shanghai), like the cards; going back to a chat shows its history, but the toast of an old
    button press does not pop up again."""
    from zoneinfo import ZoneInfo

    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1200, "height": 760},
                                        locale="en-GB", timezone_id="Europe/London")
    page = await context.new_page()
    await page.goto(echo_sandbox.url)
    await page.click("#lang")
    for name in ("Lin Volunteer", "Other Person"):
        await page.fill("#np-name", name)
        await page.select_option("#np-lang", "en")
        await page.click("#new-persona button[type=submit]")
        await expect(page.locator(".persona.active")).to_contain_text(name)
    await page.locator(".persona", has_text="Lin Volunteer").click()
    await page.fill("#text", "/start")
    await page.press("#text", "Enter")
    welcome = page.locator(".msg", has_text="Welcome, Lin Volunteer!")
    await expect(welcome).to_be_visible(timeout=WAIT_MS)

    chat_id = int(await page.locator(".persona.active").get_attribute("data-chat-id") or 0)
    sent = echo_sandbox.emulator.messages(chat_id)
    shanghai = {datetime.fromtimestamp(m["date"], ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
                for m in sent}
    london = {datetime.fromtimestamp(m["date"], ZoneInfo("Europe/London")).strftime("%H:%M")
              for m in sent}
    shown = set(await page.locator(".msg .meta").all_inner_texts())
    assert shown <= shanghai and not shown & london, (shown, shanghai, london)

    await welcome.locator("button.inline-button", has_text="Press me").click()
    await expect(page.locator("#toast")).to_have_text("Got it")
    await expect(page.locator(".msg", has_text="You pressed the button.")
                 ).to_be_visible(timeout=WAIT_MS)
    await expect(page.locator("#toast")).to_be_hidden(timeout=WAIT_MS)  # gone by itself

    await page.locator(".persona", has_text="Other Person").click()
    await expect(page.locator(".empty")).to_be_visible(timeout=WAIT_MS)
    await page.locator(".persona", has_text="Lin Volunteer").click()
    await expect(page.locator(".msg", has_text="You pressed the button.")
                 ).to_be_visible(timeout=WAIT_MS)
    # The history is drawn in the same step as its notices would be replayed: none was.
    assert await page.locator("#toast").is_hidden()
    await expect(page.locator(".msg")).to_have_count(len(echo_sandbox.emulator.messages(chat_id)))
    await context.close()
