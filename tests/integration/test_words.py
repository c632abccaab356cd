"""The words people read: counts with their plural forms, a finished case in /mine that says
when it ended (not "0 小时"), a pixel bound as people say it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import CaseState, Member, Role, utcnow
from services.i18n import translator
from services.photos import PhotoRejected, RejectReason
from tests.support.harness import TelegramHarness
from tests.support.ledger import WUXING, WUXING_VILLAGE, add_case, with_role


async def _member_id(h: TelegramHarness, user_id: int) -> int:
    async with h.app.bot_data["deps"].sessions() as s:
        found = await s.scalar(select(Member.id).where(Member.platform_user_id == str(user_id)))
    assert found is not None
    return int(found)


async def test_one_case_is_one_case_in_english_and_chinese(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    manager = h.user("Manager", "en")
    await with_role(h, manager, Role.MANAGER, WUXING, "en")
    await add_case(h, "HZ-W-1", WUXING_VILLAGE, "garbage", state=CaseState.ACCEPTED,
                due_at=utcnow() - timedelta(days=1, hours=1), escalation_level=1)
    await h.send_text(manager, "/ledger")
    caption = h.last_message(manager)["caption"]
    assert "1 case listed, 1 of them overdue" in caption
    assert "cases listed" not in caption

    await h.send_text(manager, "/case HZ-W-1")
    card = h.last_message(manager)["text"]
    assert "Escalated 1 level" in card and "level(s)" not in card and "levels" not in card


async def test_a_finished_case_in_mine_says_when_it_ended_not_zero_hours(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li, ann = h.user("李雷", "zh-hans"), h.user("Ann", "en")
    await with_role(h, li, Role.VOLUNTEER, None, "zh_CN")
    await with_role(h, ann, Role.VOLUNTEER, None, "en")
    li_id, ann_id = await _member_id(h, li.id), await _member_id(h, ann.id)
    now = utcnow()
    for number, reporter in (("HZ-W-2", li_id), ("HZ-W-3", ann_id)):
        await add_case(h, number, WUXING_VILLAGE, "垃圾", state=CaseState.CLOSED,
                    reporter_id=reporter, closed_at=now - timedelta(minutes=5))
    await add_case(h, "HZ-W-4", WUXING_VILLAGE, "new", state=CaseState.SUBMITTED,
                reporter_id=ann_id)

    await h.send_text(li, "/mine")
    line = next(x for x in h.last_message(li)["text"].splitlines() if "HZ-W-2" in x)
    assert "0 小时" not in line and "办结" in line, line
    await h.send_text(ann, "/mine")
    lines = h.last_message(ann)["text"].splitlines()
    closed = next(x for x in lines if "HZ-W-3" in x)
    assert "ended " in closed and "0 h" not in closed, closed
    opened = next(x for x in lines if "HZ-W-4" in x)
    assert "2 days" in opened, opened  # created two days ago (tests.support.ledger.add_case)


def test_the_pixel_bound_reads_as_people_say_it() -> None:
    refused = PhotoRejected(RejectReason.TOO_MANY_PIXELS, max_pixels=40_000_000)
    assert "最多 4000 万像素" in refused.render(translator("zh_CN"))
    assert "百万像素" not in refused.render(translator("zh_CN"))
    assert "at most 40 million pixels" in refused.render(translator("en"))


def test_the_command_line_counts_in_plain_english() -> None:
    from services.grid import GridImportError
    from services.i18n import counted

    assert str(GridImportError(["cell X: no name"])).startswith("grid file refused, 1 problem:")
    assert str(GridImportError(["a", "b"])).startswith("grid file refused, 2 problems:")
    assert (counted(1, "case", "cases"), counted(0, "case", "cases")) == ("1 case", "0 cases")


def test_a_possible_duplicate_is_listed_with_chinese_punctuation() -> None:
    from handlers.report.views import duplicates_view
    from models import Draft
    from services.reports import Duplicate

    draft = Draft(id=7, member_id=1, chat_id="1", step="duplicate", extra={})
    found = [Duplicate(3, "HZ-2026-000003", 12.0, False)]
    text = duplicates_view(draft, found, translator("zh_CN")).text
    assert "• HZ-2026-000003：12 米外的同类问题" in text, text
