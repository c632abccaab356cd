"""The ways out of the main line on SQLite and PostgreSQL: reject, reroute, merge, reopen and
the reporter's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.db import SessionFactory
from services import workflow
from services.cases import RefusalReason, WorkflowRefused
from services.settings import Settings
from tests.support.workflow_world import (
    NOW,
    World,
    a_plan,
    events,
    load,
    new_case,
    notices,
    walk_to_rectified,
    world,
)

__all__ = ["world"]


async def test_a_rejection_needs_a_reason_and_tells_the_reporter(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.reject(s, settings, case_id, world.manager_a.id, NOW, "  ")
        await s.commit()
    assert refused.value.reason is RefusalReason.REASON_REQUIRED
    assert (await load(session_factory, case_id)).state == "submitted"
    async with session_factory() as s:
        await workflow.reject(
            s, settings, case_id, world.manager_a.id, NOW, "It is a compost heap"
        )
        [told] = await notices(s, "case_rejected")
        await s.commit()
    assert told.recipient_id == world.reporter.id
    assert told.payload["reason"] == "It is a compost heap"
    case = await load(session_factory, case_id)
    assert (case.state, case.closed_at) == ("rejected", NOW)


async def test_not_ours_reroutes_to_the_cell_named_by_code_as_a_new_case(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    async with session_factory() as s:
        await workflow.reroute(
            s, settings, case_id, world.manager_a.id, NOW, cell_code="VB", reason="B's bank"
        )
        [alert] = await notices(s, "case_new")
        await s.commit()
    assert alert.recipient_id == world.manager_b.id
    case = await load(session_factory, case_id)
    assert (case.cell_id, case.state) == (world.village_b, "submitted")
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.accept(s, settings, case_id, world.manager_a.id, NOW)
        await s.commit()
    assert refused.value.reason is RefusalReason.NOT_YOUR_GRID
    async with session_factory() as s:
        await workflow.accept(s, settings, case_id, world.manager_b.id, NOW)
        await s.commit()


async def test_a_merged_case_refuses_its_buttons_and_its_reporter_hears_the_outcome(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        first = await new_case(s, world)
        second = await new_case(s, world, reporter=world.other_reporter, number="HZ-2026-000002")
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.merge(
                s, settings, second, world.manager_a.id, NOW, into="HZ-2026-000002"
            )
        await s.commit()
    assert refused.value.reason is RefusalReason.MERGE_SELF
    async with session_factory() as s:
        await workflow.merge(s, settings, second, world.manager_a.id, NOW, into="HZ-2026-000001")
        [merged] = await notices(s, "case_merged")
        await s.commit()
    assert merged.recipient_id == world.other_reporter.id
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.accept(s, settings, second, world.manager_a.id, NOW)
        await s.commit()
    assert refused.value.reason is RefusalReason.MERGED
    assert refused.value.details["target"] == "HZ-2026-000001"
    await walk_to_rectified(session_factory, settings, world, first)
    async with session_factory() as s:
        await workflow.check(s, settings, first, world.township_manager.id, NOW)
        await s.commit()
    async with session_factory() as s:
        await workflow.close(s, settings, first, world.township_manager.id, NOW)
        closed_to = {n.recipient_id for n in await notices(s, "case_closed")}
        await s.commit()
    assert closed_to == {world.reporter.id, world.other_reporter.id}
    # The second reporter may answer "is it fixed?" on the case their report joined.
    async with session_factory() as s:
        await workflow.answer_fixed(s, settings, first, world.other_reporter.id, NOW, fixed=True)
        await s.commit()


async def test_no_not_fixed_reopens_the_case_and_escalates_it_to_the_township(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    await walk_to_rectified(session_factory, settings, world, case_id)
    async with session_factory() as s:
        await workflow.check(s, settings, case_id, world.manager_a2.id, NOW)
        await s.commit()
    async with session_factory() as s:
        await workflow.close(s, settings, case_id, world.manager_a2.id, NOW)
        await s.commit()
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.answer_fixed(
                s, settings, case_id, world.other_reporter.id, NOW, fixed=False
            )
        await s.commit()
    assert refused.value.reason is RefusalReason.NOT_YOUR_GRID
    later = NOW + timedelta(days=1)
    async with session_factory() as s:
        out = await workflow.answer_fixed(
            s, settings, case_id, world.reporter.id, later, fixed=False, note="still there"
        )
        await s.commit()
    assert out.state == "accepted"
    case = await load(session_factory, case_id)
    assert (case.cell_id, case.escalation_level, case.closed_at) == (world.township, 1, None)
    assert case.stage == "plan" and case.due_at is not None and case.due_at > later
    async with session_factory() as s:
        [alert] = await notices(s, "case_reopened")
        kinds = [e.kind for e in await events(s, case_id)][-2:]
    assert alert.recipient_id == world.township_manager.id
    assert kinds == ["reporter_not_fixed", "reopened"]
    # The second press of the same answer is told the case moved on.
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.answer_fixed(s, settings, case_id, world.reporter.id, later, fixed=False)
        await s.commit()
    assert refused.value.reason is RefusalReason.MOVED_ON
    # The village manager no longer holds it; the township does.
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.plan(s, settings, case_id, world.manager_a.id, later, a_plan(9))
        await s.commit()
    assert refused.value.reason is RefusalReason.NOT_YOUR_GRID


async def test_yes_twice_is_answered_once(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    await walk_to_rectified(session_factory, settings, world, case_id)
    for step in (workflow.check, workflow.close):
        async with session_factory() as s:
            await step(s, settings, case_id, world.township_manager.id, NOW)
            await s.commit()
    async with session_factory() as s:
        await workflow.answer_fixed(s, settings, case_id, world.reporter.id, NOW, fixed=True)
        await s.commit()
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.answer_fixed(s, settings, case_id, world.reporter.id, NOW, fixed=True)
        await s.commit()
    assert refused.value.reason is RefusalReason.ANSWERED


async def test_a_manager_reopens_a_closed_case_with_a_reason(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    async with session_factory() as s:
        await workflow.reject(s, settings, case_id, world.manager_a.id, NOW, "not a problem")
        await s.commit()
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.reopen(s, settings, case_id, world.township_manager.id, NOW, "")
        await s.commit()
    assert refused.value.reason is RefusalReason.REASON_REQUIRED
    async with session_factory() as s:
        await workflow.reopen(
            s, settings, case_id, world.township_manager.id, NOW, "It is a problem"
        )
        await s.commit()
    assert (await load(session_factory, case_id)).state == "accepted"
