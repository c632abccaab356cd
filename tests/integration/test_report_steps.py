"""Moving around the report: back, cancel, edit from the summary, anonymity, resuming,
duplicates, and an expired draft's message."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from handlers.notices import RENDERERS
from handlers.report.views import data
from models import Case, CaseEvent, Draft, Member, Outbox, Photo
from services.notices.card import BUTTON_DATA_LIMIT, render_row
from services.reports import drafts
from services.settings import Settings
from tests.support import images
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report import to_summary
from tests.support.report_world import press, texts, with_button


def deps(h: TelegramHarness) -> Any:
    return h.app.bot_data["deps"]


async def draft_of(h: TelegramHarness) -> Draft | None:
    async with deps(h).sessions() as s:
        return (await s.scalars(select(Draft))).one_or_none()


async def to_duplicate_question(h: TelegramHarness, user: SimUser) -> None:
    """File a report, then send a second from the same place: the bot asks if it is a copy."""
    await to_summary(h, user)
    await press(h, user, "✅ Send the report")
    await to_summary(h, user, seed=2)
    await press(h, user, "✅ Send the report")


async def volunteer(h: TelegramHarness, name: str = "Volunteer") -> SimUser:
    user = h.user(name, language_code="en")
    await h.send_text(user, "/start")
    return user


async def test_back_returns_to_the_previous_question_and_keeps_the_answers(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=1))
    await press(h, user, "✅ Done")
    await h.send_text(user, "⬅️ Back")  # the reply keyboard's Back at the place question
    assert "Photos so far: 1 of 10." in texts(h, user)[-1]
    await press(h, user, "⬅️ Back")
    assert texts(h, user)[-1].startswith("What is the problem?")
    draft = await draft_of(h)
    assert draft is not None and (draft.step, draft.category) == ("category", "garbage")


async def test_cancel_drops_the_draft_and_its_photos_at_any_step(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=1))
    await press(h, user, "✖️ Cancel")
    assert "Report cancelled. Nothing was sent." in texts(h, user)[-1]
    assert await draft_of(h) is None
    async with deps(h).sessions() as s:
        assert await s.scalar(select(func.count(Photo.id))) == 0
    # /cancel with nothing open, and then text, are not taken as a report
    await h.send_text(user, "/cancel")
    assert "There is no report in progress." in texts(h, user)[-1]


async def test_edit_from_the_summary_changes_one_answer_and_returns(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await volunteer(h)
    await to_summary(h, user)
    await press(h, user, "✏️ Edit")
    await press(h, user, "description")
    await h.send_text(user, "oil on the water")
    summary = with_button(h, user, "✅ Send the report")
    assert "Description: oil on the water" in summary["text"]
    await press(h, user, "🙈 Anonymous: no")
    assert "Anonymous to the managers: yes" in with_button(h, user, "🙈 Anonymous: yes")["text"]
    await press(h, user, "✅ Send the report")
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
        assert (case.description, case.anonymous) == ("oil on the water", True)


async def test_report_while_a_draft_is_open_offers_to_continue_or_start_over(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=1))
    await h.send_text(user, "📝 Report a problem")  # the keyboard button, same as /report
    assert "You have a report in progress (at the photos step, 1 photo)" in texts(h, user)[-1]
    await press(h, user, "▶️ Continue")
    assert "Photos so far: 1 of 10." in texts(h, user)[-1]
    await h.send_text(user, "/report")
    await press(h, user, "🔄 Start over")
    draft = await draft_of(h)
    assert draft is not None and (draft.step, draft.category) == ("category", None)
    async with deps(h).sessions() as s:
        assert await s.scalar(select(func.count(Photo.id))) == 0


async def test_a_duplicate_nearby_is_offered_and_the_photos_join_it(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    first, second = await volunteer(h, "First"), await volunteer(h, "Second")
    await to_summary(h, first)
    await press(h, first, "✅ Send the report")
    await to_summary(h, second, seed=2)
    await press(h, second, "✅ Send the report")
    async with deps(h).sessions() as s:
        number = (await s.scalars(select(Case))).one().number
    assert "This may already be reported" in texts(h, second)[-1]
    await press(h, second, f"➕ Add my photos to {number}")
    assert f"Your photos were added to report {number}" in texts(h, second)[-1]
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
        assert await s.scalar(select(func.count(Photo.id)).where(Photo.case_id == case.id)) == 2
        kinds = [e.kind for e in await s.scalars(select(CaseEvent).order_by(CaseEvent.id))]
        assert kinds == ["reported", "evidence_added"]


async def test_a_duplicate_can_still_be_filed_as_a_new_report(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await volunteer(h)
    await to_duplicate_question(h, user)
    await press(h, user, "📨 Send a new report")
    async with deps(h).sessions() as s:
        assert await s.scalar(select(func.count(Case.id))) == 2


async def test_continuing_a_report_left_at_the_duplicate_question_shows_it_again(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await volunteer(h)
    await to_duplicate_question(h, user)
    assert "This may already be reported" in texts(h, user)[-1]
    await h.send_text(user, "/report")
    await press(h, user, "▶️ Continue")
    assert "Your report" in texts(h, user)[-1]
    await press(h, user, "✅ Send the report")
    assert "This may already be reported" in texts(h, user)[-1]
    await press(h, user, "📨 Send a new report")
    async with deps(h).sessions() as s:
        assert await s.scalar(select(func.count(Case.id))) == 2


async def test_a_failed_button_answer_after_sending_is_no_reason_to_send_again(
    bot_harness: TelegramHarness,
) -> None:
    """Telegram refusing the spinner's answer must not turn a filed report into an apology."""
    h = bot_harness
    user = await volunteer(h)
    await to_summary(h, user)
    h.emulator.faults.add("server_error", method="answerCallbackQuery")
    await press(h, user, "✅ Send the report")
    assert "Thank you! Your report" in "\n".join(texts(h, user)[-2:])
    assert not any("Sorry" in text for text in texts(h, user))
    async with deps(h).sessions() as s:
        assert await s.scalar(select(func.count(Case.id))) == 1


async def test_an_expired_draft_is_dropped_and_the_reporter_hears_it(
    bot_harness: TelegramHarness, settings: Settings
) -> None:
    h = bot_harness
    user = await volunteer(h)
    await h.send_text(user, "/report")
    async with deps(h).sessions() as s:
        draft = (await s.scalars(select(Draft))).one()
        later = draft.updated_at + settings.cases.draft_ttl + timedelta(minutes=1)
        await drafts.expire_drafts(s, later, settings.cases.draft_ttl)
        await s.commit()
        notice = (await s.scalars(select(Outbox))).one()
        member = await s.get(Member, notice.recipient_id)
        rendered = await render_row(RENDERERS, s, notice, member, settings)
    assert rendered is not None and "24 hours" in rendered.text
    await h.send_text(user, "a pipe")  # the bot still thinks a draft is open: it says it is gone
    assert "no longer open" in texts(h, user)[-1]


def test_every_button_of_the_report_fits_telegrams_64_bytes(settings: Settings) -> None:
    draft = Draft(extra={"token": "abcdef"})
    longest = max((c.code for c in settings.categories), key=len)
    assert len(data(draft, "c", longest).encode()) <= BUTTON_DATA_LIMIT
    assert len(data(draft, "dup", 2**53).encode()) <= BUTTON_DATA_LIMIT
    with pytest.raises(ValueError):  # an over-long callback is never built
        data(draft, "c", "x" * 60)


async def test_past_the_hourly_limit_the_reporter_is_refused_politely(
    bot_harness: TelegramHarness, settings: Settings
) -> None:
    h = bot_harness
    deps(h).settings = dataclasses.replace(
        settings, cases=dataclasses.replace(settings.cases, reports_per_hour=1))
    user = await volunteer(h)
    await to_summary(h, user)
    await press(h, user, "✅ Send the report")
    await h.send_text(user, "/report")
    assert "You have sent 1 report in the last hour, the most allowed" in texts(h, user)[-1]
    assert await draft_of(h) is None


async def test_a_chinese_speaker_is_asked_in_chinese(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    user = h.user("志愿者", language_code="zh-hans")
    await h.send_text(user, "/start")
    await h.send_text(user, "📝 上报问题")
    prompt = h.last_message(user)
    assert prompt["text"].startswith("是什么问题")
    await press(h, user, "垃圾堆放")
    assert "类别：垃圾堆放" in texts(h, user)


async def test_a_photo_sent_before_the_category_is_kept(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await h.send_photo(user, images.jpeg(seed=3))
    assert texts(h, user)[-2:][0] == "Photos so far: 1 of 10."
    assert texts(h, user)[-1].startswith("What is the problem?")
    await press(h, user, "Dumped garbage")
    assert "Photos so far: 1 of 10." in texts(h, user)[-1]
    await press(h, user, "✅ Done")
    assert "Where is it?" in texts(h, user)[-1]
