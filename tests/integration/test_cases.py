"""Reading cases: the card and its history, who sees what in /open and /mine, the buttons each
person gets, and the deadlines people type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.notices.cards import card_text
from models import Case, CaseEvent
from models.db import SessionFactory
from services import cases, workflow
from services.cases import Action, parse_deadline
from services.i18n import translator
from services.notices.card import visible_length
from services.settings import Settings
from services.workflow import Plan
from tests.support.workflow_world import NOW, World, build_world, new_case


@pytest.fixture
async def world(session_factory: SessionFactory) -> World:
    async with session_factory() as session:
        return await build_world(session)


async def test_the_card_shows_the_history_with_who_and_when(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    async with session_factory() as s:
        await workflow.accept(s, settings, case_id, world.manager_a.id, NOW + timedelta(hours=1))
        await s.commit()
    async with session_factory() as s:
        await workflow.plan(
            s, settings, case_id, world.manager_a.id, NOW + timedelta(hours=2),
            Plan("Clear <it>", "haul", "Zhang San", NOW + timedelta(days=5)),
        )
        await s.commit()
    async with session_factory() as s:
        card = await cases.case_card(s, case_id)
    assert card is not None
    assert [(h.kind, h.actor_name) for h in card.history] == [
        ("reported", "Reporter <b>"),
        ("accepted", "Manager A"),
        ("planned", "Manager A"),
    ]
    assert card.cell_names == ("Huzhou", "Wuxing", "Miaoxi", "Village A")
    text = card_text(card, translator("en"), settings)
    assert "Case HZ-2026-000001" in text and "being rectified" in text
    assert "2026-11-28 11:00 accepted (Manager A)" in text  # Asia/Shanghai local time
    assert "Reporter &lt;b&gt;" in text and "Clear &lt;it&gt;" in text  # typed text escaped
    assert "Huzhou / Wuxing / Miaoxi / Village A" in text and "Laohutan" in text
    assert "grade II protection zone" in text and "openstreetmap.org/?mlat=30.870000" in text
    chinese = card_text(card, translator("zh_CN"), settings)
    assert "整改中" in chinese and "处理记录" in chinese


async def test_an_anonymous_reporter_stays_anonymous_on_the_card(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
        case = await s.get(Case, case_id)
        assert case is not None
        case.anonymous = True
        case.emergency = True
        await s.commit()
        card = await cases.case_card(s, case_id)
    assert card is not None and card.reporter_name is None
    assert card.history[0].actor_name is None
    text = card_text(card, translator("en"), settings)
    assert "Reporter" not in text and "anonymous volunteer" in text
    assert text.startswith("🚨 <b>EMERGENCY</b>")


async def test_a_long_history_still_fits_one_message(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
        for n in range(80):
            s.add(CaseEvent(case_id=case_id, actor_id=world.manager_a.id, kind="sent_back",
                            at=NOW + timedelta(minutes=n), payload={"reason": "<x>" * 300}))
        case = await s.get(Case, case_id)
        assert case is not None
        case.description = "<" * 1000
        await s.commit()
        card = await cases.case_card(s, case_id)
    assert card is not None
    text = card_text(card, translator("en"), settings)
    assert visible_length(text) <= 4096
    assert "History" in text and text.endswith(")")  # whole lines, whole entities


async def test_open_lists_my_part_of_the_grid_oldest_first(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        newer_a = await new_case(s, world, number="A-2", created=NOW)
        older_a = await new_case(s, world, number="A-1", created=NOW - timedelta(days=2))
        in_b = await new_case(s, world, number="B-1", cell=world.village_b,
                              reporter=world.other_reporter, with_source=False)
        done = await new_case(s, world, number="A-0", created=NOW - timedelta(days=9))
    async with session_factory() as s:
        await workflow.reject(s, settings, done, world.manager_a.id, NOW, "not a problem")
        await s.commit()

    async def numbers(member_key: str, mine: bool = False) -> list[str]:
        async with session_factory() as s:
            member = getattr(world, member_key)
            lines = await (cases.my_cases(s, member) if mine else cases.open_cases(s, member))
            return [line.number for line in lines]

    assert await numbers("manager_a") == ["A-1", "A-2"]
    assert await numbers("manager_b") == ["B-1"]
    assert await numbers("township_manager") == ["A-1", "A-2", "B-1"]
    assert await numbers("admin") == ["A-1", "A-2", "B-1"]
    assert await numbers("leader") == ["A-1", "A-2"]  # the source's cases, not B's
    assert await numbers("reporter") == ["A-1", "A-2"]  # a volunteer: their own only
    assert await numbers("other_reporter") == ["B-1"]
    assert await numbers("reporter", mine=True) == ["A-2", "A-1", "A-0"]
    assert {older_a, newer_a, in_b}  # ids exist


async def test_who_sees_a_case_and_which_buttons_they_get(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)

    async def view(member_key: str) -> tuple[bool, list[Action]]:
        async with session_factory() as s:
            case = await s.get(Case, case_id)
            assert case is not None
            member = getattr(world, member_key)
            scope = await cases.load_scope(s, case, member)
            return cases.can_see(member, case, scope), await cases.actions_for(s, case, member)

    manager = [Action.ACCEPT, Action.REJECT, Action.REROUTE, Action.MERGE]
    assert await view("manager_a") == (True, manager)
    assert await view("township_manager") == (True, manager)
    assert await view("leader") == (True, manager)
    assert await view("manager_b") == (False, [])
    assert await view("reporter") == (True, [])
    assert await view("other_reporter") == (False, [])
    assert await view("patroller_a") == (True, [])


def test_deadlines_are_read_as_people_type_them() -> None:
    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    tz = "Asia/Shanghai"
    end_of_day = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    assert parse_deadline("2026-12-31", now, tz) == end_of_day
    assert parse_deadline("12-31", now, tz) == end_of_day
    assert parse_deadline("12月31日", now, tz) == end_of_day
    assert parse_deadline("14d", now, tz) == now + timedelta(days=14)
    assert parse_deadline("14天", now, tz) == now + timedelta(days=14)
    assert parse_deadline("01-05", now, tz) == datetime(2027, 1, 5, 15, 59, tzinfo=UTC)
    for bad in ("soon", "2026-02-30", "", "13-01"):
        assert parse_deadline(bad, now, tz) is None


async def test_find_a_case_by_number_or_id(
    session_factory: SessionFactory, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
        assert await cases.find_case_id(s, "HZ-2026-000001") == case_id
        assert await cases.find_case_id(s, f"#{case_id}") == case_id
        assert await cases.find_case_id(s, "HZ-2026-999999") is None
        assert await cases.find_case_id(s, "999999") is None
        assert list(await s.scalars(select(Case.id))) == [case_id]
