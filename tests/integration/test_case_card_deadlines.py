"""The case card and the deadlines meet: a closed, rejected or merged case has no open
supervision order left to chase; the card's history names every deadline event in zh and en;
the card offers "Supervision order" to supervisors and leaders and "Ask for more time" to the
member responsible, only while the case is open (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.notices.cards import EVENT_LABELS, render_card
from models import Case, CaseEvent, Member, OrderState, Role, SupervisionOrder
from models.db import SessionFactory
from services import workflow
from services.deadlines import sweep
from services.i18n import translator
from services.orders import issue_order
from services.settings import Settings
from tests.support.cases import person, report_a_case
from tests.support.harness import TelegramHarness
from tests.support.report_world import VILLAGE, buttons, deps, press, texts, with_button
from tests.support.workflow_world import NOW, World, build_world, new_case, walk_to_rectified

TOWNSHIP = "330502100"
DEADLINE_EVENTS = (
    "reminded", "escalated", "supervision_order", "supervision_order_acknowledged",
    "supervision_order_escalated", "extension_requested", "extension_approved",
    "extension_refused", "taken_over", "handed_down",
)


@pytest.fixture
async def world(session_factory: SessionFactory) -> World:
    async with session_factory() as session:
        return await build_world(session)


async def _order(sf: SessionFactory, settings: Settings, case_id: int) -> int:
    async with sf() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        order = await issue_order(s, settings, case, issuer=None, now=NOW)
        await s.commit()
        return order.id


async def _order_state(sf: SessionFactory, order_id: int) -> str:
    async with sf() as s:
        order = await s.get(SupervisionOrder, order_id)
        assert order is not None
        return order.state


async def test_closing_a_case_resolves_its_order_and_the_sweep_chases_it_no_more(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    sf = session_factory
    async with sf() as s:
        case_id = await new_case(s, world)
    order_id = await _order(sf, settings, case_id)
    await walk_to_rectified(sf, settings, world, case_id)
    async with sf() as s:
        await workflow.check(s, settings, case_id, world.township_manager.id, NOW)
        await s.commit()
    async with sf() as s:
        await workflow.close(s, settings, case_id, world.township_manager.id, NOW)
        await s.commit()
    assert await _order_state(sf, order_id) == OrderState.RESOLVED
    report = await sweep(sf, settings, NOW + timedelta(days=60))  # long past its deadline
    assert report.orders_escalated == 0
    async with sf() as s:
        kinds = list(await s.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)))
        assert "supervision_order_escalated" not in kinds


async def test_rejecting_or_merging_a_case_resolves_its_orders(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    sf = session_factory
    async with sf() as s:
        rejected = await new_case(s, world, number="HZ-2026-000001")
        merged = await new_case(s, world, number="HZ-2026-000002")
        kept = await new_case(s, world, number="HZ-2026-000003")
    orders = [await _order(sf, settings, c) for c in (rejected, merged, kept)]
    async with sf() as s:
        await workflow.reject(s, settings, rejected, world.manager_a.id, NOW, "Not a problem")
        await s.commit()
    async with sf() as s:
        await workflow.merge(s, settings, merged, world.manager_a.id, NOW, into="HZ-2026-000003")
        await s.commit()
    assert [await _order_state(sf, o) for o in orders] == [
        OrderState.RESOLVED, OrderState.RESOLVED, OrderState.ISSUED
    ]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_the_card_history_names_every_deadline_event(
    session_factory: SessionFactory, settings: Settings, world: World, language: str
) -> None:
    sf = session_factory
    async with sf() as s:
        case_id = await new_case(s, world)
        for n, kind in enumerate(DEADLINE_EVENTS):
            s.add(CaseEvent(case_id=case_id, kind=kind, at=NOW + timedelta(minutes=n + 1),
                            actor_id=None if kind in ("reminded", "escalated") else
                            world.township_manager.id, payload={}))
        await s.commit()
        viewer = await s.get(Member, world.manager_a.id)
        assert viewer is not None
        viewer.language = language
        card = await render_card(s, case_id, viewer, settings)
    assert card is not None
    t = translator(language)
    history = card.text.split("\n\n")[-1]
    for kind in DEADLINE_EVENTS:
        label = t(EVENT_LABELS[kind])
        assert label in history, kind
        assert language == "en" or kind not in history  # never the raw code
    if language == "zh_CN":
        assert "督办单已签收" in history and "延期获批" in history and "上级接管" in history


async def test_the_card_offers_an_order_to_a_supervisor_and_more_time_to_the_holder(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    supervisor = await person(h, 5003, "Supervisor", TOWNSHIP, Role.SUPERVISOR)
    volunteer = await person(h, 6001, "Volunteer")
    case = await report_a_case(h, volunteer)

    await h.send_text(volunteer, f"/case {case.number}")
    assert not {"Supervision order", "Ask for more time"} & set(
        buttons(h.last_message(volunteer)))
    await h.send_text(manager, f"/case {case.number}")
    held = buttons(h.last_message(manager))
    assert "Ask for more time" in held and "Supervision order" not in held
    await h.send_text(supervisor, f"/case {case.number}")
    card = h.last_message(supervisor)
    assert "Supervision order" in buttons(card) and "Ask for more time" not in buttons(card)

    await h.press(supervisor, card, "Supervision order")  # the demand, then the deadline
    assert "what do you demand" in texts(h, supervisor)[-1]
    await press(h, supervisor, "Rectify it fully by the deadline")
    answer = h.callback_answer(await press(h, supervisor, "7 days"))
    assert answer is not None and answer["text"] == "Supervision order issued."
    assert "Supervision order issued on case" in texts(h, supervisor)[-1]
    assert with_button(h, supervisor, "Supervision order")  # the card keeps its buttons
    await press(h, manager, "Ask for more time")
    assert "How much more time do you need" in texts(h, manager)[-1]

    # Rejected: the order is resolved, and the card offers neither button any more.
    await h.press(manager, with_button(h, manager, "Reject"), "Reject")
    await h.send_text(manager, "Not a problem after all")
    await press(h, manager, "✅ Yes, reject")
    async with deps(h).sessions() as s:
        order = (await s.scalars(select(SupervisionOrder))).one()
        assert order.state == OrderState.RESOLVED
    await h.send_text(supervisor, f"/case {case.number}")
    after = h.last_message(supervisor)
    assert "Supervision order" not in buttons(after)
    assert "supervision order issued" in after["text"]


