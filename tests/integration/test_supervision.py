"""Extensions, take over / hand down, orders from a supervisor, bulletins and the order card."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from handlers.notices import RENDERERS
from models import (
    Case,
    CaseEvent,
    ExtensionRequest,
    ExtensionState,
    GridCell,
    Member,
    OrderState,
    Outbox,
    Stage,
    SupervisionOrder,
)
from models.db import SessionFactory
from services.bulletins import bulletin
from services.deadlines import (
    decide_extension,
    hand_down,
    request_extension,
    sweep,
    take_over,
)
from services.grid import led_sources
from services.notices.card import render_row
from services.orders import acknowledge_order, issue_order_by, order_card_png
from services.settings import Settings
from tests.support.deadlines_world import World, at, linked_leader, new_case


async def _case(sessions: SessionFactory, world: World, fast: Settings, **values: object) -> int:
    async with sessions() as session:
        case = new_case(world, world.village, stage=Stage.ACCEPT, settings=fast, **values)
        session.add(case)
        await session.commit()
        return case.id


async def _events(sessions: SessionFactory, case_id: int) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


async def test_an_approved_extension_moves_the_deadline_and_is_logged(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    case_id = await _case(sessions, world, fast)
    async with sessions() as s:
        asked = await request_extension(s, fast, case_id, world.village_manager,
                                        "Heavy rain, the road is closed", at(300), at(10))
        await s.commit()
    assert asked.ok
    async with sessions() as s:
        request = await s.scalar(select(ExtensionRequest))
        assert request is not None and request.current_due == at(100)
        notices = list(await s.scalars(select(Outbox).where(Outbox.kind == "extension_requested")))
        # the level above hears: the township manager, and the source's leader
        assert {n.recipient_id for n in notices} == {world.township_manager.id, world.leader.id}
        own = await decide_extension(s, fast, request.id, world.village_manager, True, at(20))
        assert not own.ok  # nobody approves their own level's request
        done = await decide_extension(s, fast, request.id, world.township_manager, True, at(20))
        await s.commit()
    assert done.ok
    async with sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None and case.due_at == at(300)
        assert case.next_alarm_at == at(150)  # 50% of the longer span: still to come
        decided = await s.scalar(select(Outbox).where(Outbox.kind == "extension_decided"))
        assert decided is not None and decided.recipient_id == world.village_manager.id
        again = await decide_extension(s, fast, request.id, world.township_manager, False, at(30))
        assert not again.ok and again.reason == "This request was already decided."
    assert await _events(sessions, case_id) == ["extension_requested", "extension_approved"]
    report = await sweep(sessions, fast, at(120))  # the old deadline passes: nothing happens
    assert report.escalations == 0


async def test_extension_refused_and_bad_requests(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    case_id = await _case(sessions, world, fast)
    async with sessions() as s:
        blank = await request_extension(s, fast, case_id, world.village_manager, "  ", at(300),
                                        at(10))
        earlier = await request_extension(s, fast, case_id, world.village_manager, "x", at(50),
                                          at(10))
        stranger = await request_extension(s, fast, case_id, world.township_manager, "x",
                                           at(300), at(10))
        assert not blank.ok and not earlier.ok and not stranger.ok
        assert (await request_extension(s, fast, case_id, world.village_manager, "rain",
                                        at(300), at(10))).ok
        twice = await request_extension(s, fast, case_id, world.village_manager, "rain",
                                        at(400), at(11))
        assert not twice.ok
        request = await s.scalar(select(ExtensionRequest))
        assert request is not None
        assert (await decide_extension(s, fast, request.id, world.county_manager, False,
                                       at(12))).ok
        await s.commit()
        case = await s.get(Case, case_id)
        assert case is not None and case.due_at == at(100)
        assert request.state == ExtensionState.REFUSED


async def test_the_level_above_takes_over_or_hands_down_with_a_new_deadline(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    case_id = await _case(sessions, world, fast)
    for seconds in (100, 200):  # village -> township -> county
        await sweep(sessions, fast, at(seconds))
    async with sessions() as s:
        low = await hand_down(s, fast, case_id, world.village_manager, at(210))
        assert not low.ok  # the village no longer holds the case
        assert low.reason == "Only a member of this cell or a cell above can hand the case down."
        down = await hand_down(s, fast, case_id, world.county_manager, at(210), due=at(900))
        await s.commit()
        assert down.ok
        case = await s.get(Case, case_id)
        assert case is not None
        assert (case.cell_id, case.due_at, case.stage_started_at) == (
            world.township.id, at(900), at(210))
        told = await s.scalar(select(Outbox).where(Outbox.kind == "handed_down"))
        assert told is not None and told.recipient_id == world.township_manager.id
        taken = await take_over(s, fast, case_id, world.township_manager, at(220))
        await s.commit()
        assert taken.ok and case.assignee_id == world.township_manager.id
        assert (await hand_down(s, fast, case_id, world.township_manager, at(230))).ok
        await s.commit()
        assert case.cell_id == world.village.id and case.assignee_id is None
        last = await hand_down(s, fast, case_id, world.township_manager, at(240))
        assert not last.ok and last.reason == "This case is already at the level it came from."
    kinds = await _events(sessions, case_id)
    assert kinds.count("handed_down") == 2 and "taken_over" in kinds


async def test_a_supervisor_issues_an_order_and_the_target_acknowledges_it(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    case_id = await _case(sessions, world, fast)
    async with sessions() as s:
        refused = await issue_order_by(s, fast, case_id, world.village_manager, at(5))
        assert not refused.ok
        issued = await issue_order_by(s, fast, case_id, world.supervisor, at(5), "Clear it today")
        await s.commit()
        assert issued.ok
        order = await s.scalar(select(SupervisionOrder))
        assert order is not None and not order.automatic
        assert order.issuer_id == world.supervisor.id and order.number == "湖水督〔2026〕1号"
        assert order.deadline == at(105) and order.target_cell_id == world.village.id
        other = await acknowledge_order(s, order.id, world.township_manager, at(6))
        assert other.ok  # the level above may acknowledge for its cell
        again = await acknowledge_order(s, order.id, world.village_manager, at(7))
        assert not again.ok
        await s.commit()
        assert order.state == OrderState.ACKNOWLEDGED
        assert order.acknowledged_by_id == world.township_manager.id
        case = await s.get(Case, case_id)
        assert case is not None
        case.state = "closed"
        case.next_alarm_at = None
        await s.commit()
        report = await sweep(sessions, fast, at(200))
        await s.refresh(order)
        assert report.orders_resolved == 1 and order.state == OrderState.RESOLVED
    assert await _events(sessions, case_id) == [
        "supervision_order", "supervision_order_acknowledged"]


async def test_only_the_target_cell_acknowledges(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    async with sessions() as s:
        case = new_case(world, world.village3, stage=Stage.ACCEPT, settings=fast)
        s.add(case)
        await s.commit()
        assert (await issue_order_by(s, fast, case.id, world.supervisor, at(5))).ok
        await s.commit()
        order = await s.scalar(select(SupervisionOrder))
        assert order is not None
        stranger = await acknowledge_order(s, order.id, world.village_manager, at(6))
        assert not stranger.ok and order.state == OrderState.ISSUED


async def test_a_bulletin_lists_overdue_cases_and_orders_of_the_period(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    late = await _case(sessions, world, fast)
    async with sessions() as s:
        s.add(new_case(world, world.village3, stage=Stage.ACCEPT, settings=fast))
        s.add(new_case(world, world.village, stage=Stage.ACCEPT, settings=fast,
                       now=at(0) + timedelta(days=5)))  # not yet due
        await s.commit()
        assert (await issue_order_by(s, fast, late, world.supervisor, at(5))).ok
        await s.commit()
        end = at(0) + timedelta(days=2)
        everything = await bulletin(s, at(0), end)
        township = await s.get(type(world.township), world.township.id)
        assert township is not None
        mine = await bulletin(s, at(0), end, township)
        before = await bulletin(s, at(-100), at(1))
    assert len(everything.overdue) == 2 and len(mine.overdue) == 1
    assert mine.overdue[0].days_late == 1
    assert [o.order_number for o in mine.orders] == [everything.orders[0].order_number]
    assert before.orders == [] and before.overdue == []



async def test_a_linked_leaders_bulletin_counts_their_source_wherever_it_lies(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    """Donglin's leader is linked to a source whose overdue cases lie in Donglin and in two
    Miaoxi villages: the bulletin names all three, the Donglin one once."""
    async with sessions() as s:
        leader, spread = await linked_leader(s, world)
        s.add_all([new_case(world, village, stage=Stage.ACCEPT, settings=fast,
                            water_source_id=spread.id)
                   for village in (world.village, world.village2, world.village3)])
        s.add(new_case(world, world.village, stage=Stage.ACCEPT, settings=fast))  # WS1, Miaoxi
        await s.commit()
        donglin = await s.get(GridCell, world.township2.id)
        assert donglin is not None
        end = at(0) + timedelta(days=2)
        linked = await bulletin(s, at(0), end, donglin, await led_sources(s, leader))
        plain = await bulletin(s, at(0), end, donglin)
    assert len(linked.overdue) == 3 and len({x.case_number for x in linked.overdue}) == 3
    assert {x.cell_id for x in linked.overdue} == {
        world.village.id, world.village2.id, world.village3.id}
    assert len(plain.overdue) == 1  # without the link: Donglin's own


def test_the_order_card_is_an_image_with_the_title_and_wrapped_rows() -> None:
    rows = [("编号", "DB-2026-0001"), ("案件", "HZ-2026-000001"), ("督办对象", "妙西镇"),
            ("督办要求", "请在时限前完成整改并反馈。" * 3), ("办理时限", "2026-11-21 10:00")]
    short = Image.open(io.BytesIO(order_card_png("督办单", rows[:3], "red")))
    long = Image.open(io.BytesIO(order_card_png("督办单", rows, "red")))
    assert short.format == "PNG" and short.width == 900
    assert long.height > short.height + 4 * 44  # the long demand wraps onto more lines
    title = long.convert("RGB").crop((300, 40, 600, 130))
    reds = sum(1 for r, g, b in title.get_flattened_data() if r > 150 and g < 80 and b < 80)
    assert reds > 200  # the title 督办单 is drawn (red), not left blank


async def test_every_notice_the_deadlines_queue_renders_in_both_languages(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    case_id = await _case(sessions, world, fast)
    await sweep(sessions, fast, at(60))
    async with sessions() as s:
        assert (await request_extension(s, fast, case_id, world.village_manager, "rain <b>",
                                        at(150), at(61))).ok
        await s.commit()
        request = await s.scalar(select(ExtensionRequest))
        asked = await s.scalar(select(Outbox).where(Outbox.kind == "extension_requested"))
        assert request is not None and asked is not None
        shown = await render_row(RENDERERS, s, asked, world.township_manager, fast)
        assert shown is not None and "rain &lt;b&gt;" in shown.text  # typed text is escaped
        assert shown.buttons
        assert (await decide_extension(s, fast, request.id, world.township_manager, False,
                                       at(62))).ok
        await s.commit()
    for seconds in (100, 200, 300, 400):  # up to the city, then again at the top
        await sweep(sessions, fast, at(seconds))
    async with sessions() as s:
        assert (await hand_down(s, fast, case_id, world.city_manager, at(401))).ok
        await s.commit()
        rows = list(await s.scalars(select(Outbox).order_by(Outbox.id)))
        kinds = {row.kind for row in rows}
        assert kinds == {"reminder", "extension_requested", "extension_decided", "escalated",
                         "supervision_order", "handed_down", "case_news", "report_news"}
        for row in rows:
            recipient = await s.get(Member, row.recipient_id)
            assert recipient is not None
            for language in ("en", "zh_CN"):
                member = Member(id=recipient.id, role=recipient.role, language=language,
                                display_name=recipient.display_name)  # not added: a reader
                rendered = await render_row(RENDERERS, s, row, member, fast)
                if row.kind in {"reminder", "extension_requested"}:
                    continue  # the moment passed (stage moved on / decided): may be dropped
                assert rendered is not None, row.kind
                assert "HZ-T-" in rendered.text or "DB-" in rendered.text
        top = [r for r in rows if r.kind == "escalated" and r.payload["level"] == 4]
        assert top
        text = (await render_row(RENDERERS, s, top[0], world.city_manager, fast))
        assert text is not None and "top of the grid" in text.text
