"""Hostile input, generated: updates with random text and unicode, optional fields missing, huge
numbers, entity offsets pointing anywhere and random callback data, through the real handlers.
The harness fails a test on any handler exception or any call Telegram would refuse; after the
stream, no draft or case is left half-written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, Draft, Member, Photo
from services.reports import ReportStep
from services.settings import Settings
from tests.support.harness import TelegramHarness
from tests.support.settings import make_settings

JSON = dict[str, Any]
HUGE = 2**52  # Telegram's ids fit in 52 bits

commands = st.sampled_from(["/start", "/help", "/report", "/cancel", "/mine", "/open", "/case",
                            "/case HZ-2026-000001", "/bulletin", "/lang", "/whoami",
                            "/start bogus-invite", "/report@gridpatrol_bot extra words"])
texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=4096),
    commands,
    st.builds(lambda c, t: f"{c} {t}", commands, st.text(max_size=80)),
    st.sampled_from(["30.79, 119.96", "-91, 181", "1e308, -1e308", "nan, nan", "0,0",
                     "<b>bold</b> & <i>", "📷 Report", "✖️ Cancel", "\u202e\u200b\ufeff"]),
)
entity = st.fixed_dictionaries({
    "type": st.sampled_from(["bot_command", "bold", "url", "text_link", "mention", "pre",
                             "custom_emoji"]),
    "offset": st.integers(-5, 10_000),
    "length": st.integers(-5, 10_000),
}, optional={"url": st.text(max_size=40), "custom_emoji_id": st.text(max_size=20)})
callback_data = st.one_of(
    st.text(max_size=64).filter(lambda s: 0 < len(s.encode()) <= 64),
    st.builds(lambda *p: ":".join(map(str, p)), st.just("c"), st.integers(-HUGE, HUGE),
              st.sampled_from(["acc", "dis", "pln", "rej", "zzz", ""]), st.integers(-9, HUGE)),
    st.builds(lambda t, a, g: f"r|{t}|{a}|{g}", st.text("0123456789abcdef", max_size=8),
              st.sampled_from(["ok", "new", "c", "pd", "sv", "v", "s", "dup", "rs", "rn", "x"]),
              st.text(max_size=12)),
    st.builds(lambda *p: ":".join(map(str, p)), st.just("sv"), st.text(max_size=8),
              st.integers(-HUGE, HUGE)),
)
user_ids = st.one_of(st.sampled_from([7001, 7002]), st.integers(1, HUGE))
languages = st.one_of(st.none(), st.sampled_from(["en", "zh-hans", "zh-hant", "fr", "", "xx-YY"]))


@st.composite
def updates(draw: st.DrawFn) -> tuple[int, str | None, JSON]:
    """(user id, language, one raw update from that user in their private chat)."""
    uid = draw(user_ids)
    language = draw(languages)
    sender: JSON = {"id": uid, "is_bot": False, "first_name": draw(st.text(min_size=1,
                                                                           max_size=64))}
    if language is not None:
        sender["language_code"] = language
    chat = {"id": uid, "type": "private", "first_name": sender["first_name"]}
    message: JSON = {"message_id": draw(st.integers(1, 2**31 - 1)), "date": 1_700_000_000,
                     "chat": chat, "from": sender}
    kind = draw(st.sampled_from(["text", "text", "text", "location", "contact", "callback",
                                 "edited", "empty"]))
    if kind in ("text", "edited"):
        message["text"] = draw(texts)
        if draw(st.booleans()):
            message["entities"] = draw(st.lists(entity, max_size=4))
    elif kind == "location":
        message["location"] = {
            "latitude": draw(st.floats(-1e9, 1e9, allow_nan=False)),
            "longitude": draw(st.floats(-1e9, 1e9, allow_nan=False))}
    elif kind == "contact":
        message["contact"] = {"phone_number": draw(st.text(max_size=30)),
                              "first_name": draw(st.text(min_size=1, max_size=30)),
                              "user_id": draw(st.integers(1, HUGE))}
    if kind == "callback":  # pressed on one of the bot's messages to them (see the test)
        return uid, language, {"press": draw(callback_data)}
    if kind == "edited":
        message["edit_date"] = 1_700_000_100
        return uid, language, {"edited_message": message}
    return uid, language, {"message": message}


async def assert_nothing_half_written(session: AsyncSession) -> None:
    """Every case has its photo(s) and its first event; a member has at most one draft, at a
    step that exists; no photo belongs to nothing."""
    cases = list(await session.scalars(select(Case)))
    for case in cases:
        photos = await session.scalar(select(func.count()).select_from(Photo)
                                      .where(Photo.case_id == case.id))
        reported = await session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "reported"))
        assert photos and reported == 1, (case.number, photos, reported)
    drafts = list(await session.scalars(select(Draft)))
    owners = [d.member_id for d in drafts]
    assert len(owners) == len(set(owners)), "a member with two drafts"
    assert {d.step for d in drafts} <= {s.value for s in ReportStep}
    for draft in drafts:
        assert await session.get(Member, draft.member_id) is not None
    orphans = await session.scalar(select(func.count()).select_from(Photo).where(
        Photo.case_id.is_(None), Photo.draft_id.is_(None)))
    assert orphans == 0, "a photo that belongs to no draft and no case"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """The flood guard out of the way: here every update should reach the handlers."""
    return make_settings(db_url, tmp_path, limits={"user_updates": 1_000_000})


@hypothesis_settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stream=st.lists(updates(), min_size=1, max_size=6))
async def test_random_updates_never_crash_the_bot_or_leave_half_a_row(
    bot_harness: TelegramHarness, stream: list[tuple[int, str | None, JSON]]
) -> None:
    h = bot_harness
    for uid, language, update in stream:
        if uid not in h.emulator.state.users:
            h.user("Fuzz", language_code=language, user_id=uid)
            h.emulator.users.private_chat(uid)  # they opened the chat with the bot
        if "press" in update:  # Telegram only sends a press on a message the bot sent
            sent = h.messages_to(uid)
            if not sent:
                continue
            h.emulator.users.press(uid, uid, sent[-1]["message_id"], update["press"])
            await h.flush()
        else:
            await h.inject(update)
    assert not h.errors, h.errors[0]
    assert not h.refusals, h.refusals[0]
    async with h.app.bot_data["deps"].sessions() as session:
        await assert_nothing_half_written(session)
