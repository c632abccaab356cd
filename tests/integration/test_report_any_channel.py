"""The report conversation without Telegram: a person on another channel (as WeCom will be)
files a whole report through `handlers.report.converse`, from Inbound to Answer, and the case
reaches the village's manager like any other."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.chat import Answer, Inbound, Picture, Who
from handlers.deps import Deps
from handlers.report import claims, converse
from models import Case, Outbox
from models.db import SessionFactory
from services.grid import GridIndexHolder
from services.members import Person, register_member
from services.settings import Settings
from tests.support.images import jpeg
from tests.support.report_world import IN_GRADE1, build_world

WHO = Who("otherchat", "u-7", "c-7", name="小林", language_code="zh-CN")


def _last_press(answer: Answer, label_part: str) -> str:
    for reply in reversed(answer.replies):
        for row in reply.buttons:
            for button in row:
                if label_part in button.label:
                    return button.data
    raise AssertionError(f"no button with {label_part!r} in {answer.replies!r}")


async def test_a_whole_report_from_a_channel_that_is_not_telegram(
    settings: Settings, session_factory: SessionFactory,
) -> None:
    async with session_factory() as session:
        await build_world(session)
        await register_member(session, Person(WHO.channel, WHO.user_id, WHO.chat_id,
                                              WHO.name, WHO.language_code))
        await session.commit()
    holder = GridIndexHolder()
    async with session_factory() as session:
        await holder.reload(session)
    deps = Deps(settings, session_factory, holder)
    picture = jpeg()
    fetched: list[str] = []

    async def fetch(ref: str) -> bytes:
        fetched.append(ref)
        return picture

    start = Inbound(WHO, text="/report")
    assert claims(start, has_draft=False)
    answer, has_draft = await converse(start, deps)
    assert has_draft and "是什么问题" in answer.replies[-1].text  # asked in Chinese
    category = _last_press(answer, settings.categories[0].name("zh_CN"))
    answer, _ = await converse(Inbound(WHO, press=category), deps)
    assert answer.strip_buttons
    photo = Inbound(WHO, picture=Picture("media-1", "media-1", len(picture)), fetch=fetch)
    assert claims(photo, has_draft=True) and not claims(photo, has_draft=False)
    answer, _ = await converse(photo, deps)
    assert fetched == ["media-1"]
    answer, _ = await converse(Inbound(WHO, press=_last_press(answer, "完成")), deps)
    assert answer.replies[-1].keyboard is not None  # the place step offers the location key
    answer, _ = await converse(Inbound(WHO, location=IN_GRADE1), deps)
    assert "妙西东北村" in answer.replies[0].text
    answer, _ = await converse(Inbound(WHO, text="岸边倒了一堆垃圾"), deps)
    answer, _ = await converse(Inbound(WHO, press=_last_press(answer, "")), deps)  # severity
    answer, has_draft = await converse(Inbound(WHO, press=_last_press(answer, "提交上报")), deps)
    assert not has_draft
    assert "谢谢" in answer.replies[-1].text and answer.then is not None
    await answer.then()  # the display copies, after the answer
    async with session_factory() as session:
        case = await session.scalar(select(Case))
        assert case is not None and case.description == "岸边倒了一堆垃圾"
        queued = await session.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.kind == "case_new"))
    assert queued and queued >= 1  # the village's manager is told, as for a Telegram report


async def test_a_stranger_on_another_channel_is_asked_to_start_in_their_language(
    settings: Settings, session_factory: SessionFactory,
) -> None:
    deps = Deps(settings, session_factory)
    answer, has_draft = await converse(Inbound(WHO, text="/report"), deps)
    assert not has_draft and "/start" in answer.replies[0].text
    stranger = Who("otherchat", "u-8", "c-8", language_code="en")
    answer, _ = await converse(Inbound(stranger, text="/report"), deps)
    assert "Please send /start first" in answer.replies[0].text
