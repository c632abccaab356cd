"""The case workflow on SQLite and PostgreSQL: the main line, rights, races and the exits."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseState, Severity, Stage
from models.db import SessionFactory, make_sync_engine
from services import workflow
from services.cases import RefusalReason, WorkflowRefused
from services.i18n import translator
from services.settings import Settings
from services.workflow import Plan
from tests.support.workflow_world import (
    FAR_POINT,
    NOW,
    World,
    a_plan,
    add_after_photo,
    events,
    load,
    new_case,
    notices,
    walk_to_rectified,
    world,
)

__all__ = ["world"]  # the fixture, used by name


async def test_a_case_walks_from_report_to_closed_with_an_event_for_every_step(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    sf = session_factory
    async with sf() as s:
        case_id = await new_case(s, world)
    times = [NOW + timedelta(hours=h) for h in range(6)]
    async with sf() as s:
        out = await workflow.accept(s, settings, case_id, world.manager_a.id, times[0])
        await s.commit()
    assert out.state == CaseState.ACCEPTED
    case = await load(sf, case_id)
    assert case.stage == "plan"
    allowed = settings.deadlines.allowed(Stage.PLAN, Severity.MEDIUM)
    assert case.due_at == times[0] + allowed
    assert case.next_alarm_at == times[0] + allowed / 2  # the first reminder, at 50%
    assert case.reminders_sent == 0
    async with sf() as s:
        await workflow.plan(s, settings, case_id, world.manager_a.id, times[1], a_plan())
        await s.commit()
    case = await load(sf, case_id)
    assert (case.state, case.stage, case.due_at) == ("rectifying", "rectify", a_plan().due)
    assert case.next_alarm_at == times[1] + (a_plan().due - times[1]) / 2
    assert case.plan_owner == "Zhang San"
    async with sf() as s:
        photo = await add_after_photo(s, case_id, world.manager_a)
        out = await workflow.claim_fix(
            s, settings, case_id, world.manager_a.id, times[2], photo_ids=[photo]
        )
        await s.commit()
    assert out.state == CaseState.RECTIFIED and not out.far_from_case
    async with sf() as s:
        await workflow.check(s, settings, case_id, world.township_manager.id, times[3])
        await s.commit()
    async with sf() as s:
        out = await workflow.close(s, settings, case_id, world.township_manager.id, times[4])
        await s.commit()
    assert out.state == CaseState.CLOSED
    async with sf() as s:
        await workflow.answer_fixed(
            s, settings, case_id, world.reporter.id, times[5], fixed=True
        )
        trail = await events(s, case_id)
        case = await s.get(Case, case_id)
        assert case is not None
        assert (case.state, case.closed_at, case.due_at, case.stage) == (
            "closed", times[4], None, None
        )
        assert [(e.kind, e.actor_id, e.at) for e in trail] == [
            ("reported", world.reporter.id, NOW),
            ("accepted", world.manager_a.id, times[0]),
            ("planned", world.manager_a.id, times[1]),
            ("fix_claimed", world.manager_a.id, times[2]),
            ("checked", world.township_manager.id, times[3]),
            ("closed", world.township_manager.id, times[4]),
            ("reporter_confirmed", world.reporter.id, times[5]),
        ]
        told = [(n.kind, n.recipient_id) for n in await notices(s)]
        await s.commit()
    reporter = world.reporter.id
    assert ("case_accepted", reporter) in told
    assert ("case_rectified", reporter) in told
    assert ("case_closed", reporter) in told
    # The fixer's colleagues in the village and the township are asked to check; not the fixer.
    checkers = {r for k, r in told if k == "case_check"}
    assert checkers == {world.manager_a2.id, world.patroller_a.id, world.township_manager.id}


async def test_a_manager_of_another_village_is_refused_and_nothing_changes(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    for action in (workflow.accept, workflow.close):
        async with session_factory() as s:
            with pytest.raises(WorkflowRefused) as refused:
                await action(s, settings, case_id, world.manager_b.id, NOW)
        assert refused.value.reason is RefusalReason.NOT_YOUR_GRID
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.reject(s, settings, case_id, world.manager_b.id, NOW, "not ours")
        assert refused.value.reason is RefusalReason.NOT_YOUR_GRID
        assert [e.kind for e in await events(s, case_id)] == ["reported"]
        assert await notices(s) == []
        await s.commit()
    assert (await load(session_factory, case_id)).state == "submitted"
    message = refused.value.message(translator("en"))
    assert "HZ-2026-000001" in message and "not in your part of the grid" in message


async def test_a_volunteer_cannot_act_as_a_manager_even_on_their_own_case(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.accept(s, settings, case_id, world.reporter.id, NOW)
        await s.commit()
    assert refused.value.reason is RefusalReason.ROLE
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.accept(s, settings, case_id, world.other_reporter.id, NOW)
        await s.commit()
    assert refused.value.reason is RefusalReason.NOT_YOUR_GRID


async def test_the_township_the_linked_leader_and_the_admin_may_act_in_the_village(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    for n, who in enumerate((world.township_manager, world.leader, world.admin)):
        async with session_factory() as s:
            case_id = await new_case(s, world, number=f"HZ-2026-00001{n}")
        async with session_factory() as s:
            out = await workflow.accept(s, settings, case_id, who.id, NOW)
            await s.commit()
        assert out.state == "accepted"


async def test_the_same_button_twice_tells_the_second_press_who_moved_the_case(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    async with session_factory() as s:
        await workflow.accept(s, settings, case_id, world.manager_a.id, NOW)
        await s.commit()
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.accept(s, settings, case_id, world.manager_a.id, NOW)
        await s.commit()
    assert refused.value.reason is RefusalReason.MOVED_ON
    assert refused.value.details["by"] == "Manager A"
    assert refused.value.message(translator("en")) == (
        "Case HZ-2026-000001 has moved on: it is now accepted (last change by Manager A)."
    )
    async with session_factory() as s:
        assert [e.kind for e in await events(s, case_id)] == ["reported", "accepted"]
        assert len(await notices(s, "case_accepted")) == 1


async def test_two_managers_accepting_at_once_exactly_one_succeeds(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)

    async def press(member_id: int) -> object:
        try:
            return await workflow.attempt(session_factory, lambda s: workflow.accept(
                s, settings, case_id, member_id, NOW))
        except WorkflowRefused as refused:
            return refused

    results = await asyncio.gather(press(world.manager_a.id), press(world.manager_a2.id))
    won = [r for r in results if isinstance(r, workflow.Outcome)]
    lost = [r for r in results if isinstance(r, WorkflowRefused)]
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].reason is RefusalReason.MOVED_ON
    async with session_factory() as s:
        accepted = [e for e in await events(s, case_id) if e.kind == "accepted"]
        assert len(accepted) == 1
        winner = "Manager A" if accepted[0].actor_id == world.manager_a.id else "Manager A2"
        assert lost[0].details["by"] == winner
        assert len(await notices(s, "case_accepted")) == 1


async def test_the_fixer_cannot_check_their_own_fix(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    await walk_to_rectified(session_factory, settings, world, case_id)
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.check(s, settings, case_id, world.manager_a.id, NOW)
        await s.commit()
    assert refused.value.reason is RefusalReason.SAME_CHECKER
    async with session_factory() as s:
        await workflow.send_back(
            s, settings, case_id, world.township_manager.id, NOW, "Rubbish still visible"
        )
        [back] = await notices(s, "case_sent_back")
        await s.commit()
    assert back.recipient_id == world.manager_a.id
    assert (await load(session_factory, case_id)).state == "rectifying"


async def test_a_patroller_of_the_cell_may_check_a_fix_on_site_but_not_accept(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.accept(s, settings, case_id, world.patroller_a.id, NOW)
        await s.commit()
    assert refused.value.reason is RefusalReason.ROLE
    await walk_to_rectified(session_factory, settings, world, case_id)
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.close(s, settings, case_id, world.patroller_a.id, NOW)
        await s.commit()
    assert refused.value.reason is RefusalReason.MOVED_ON
    async with session_factory() as s:
        out = await workflow.check(s, settings, case_id, world.patroller_a.id, NOW)
        await s.commit()
    assert out.state == "checked"


async def test_a_fix_needs_an_after_photo_and_a_far_photo_warns_the_checker(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    async with session_factory() as s:
        await workflow.accept(s, settings, case_id, world.manager_a.id, NOW)
        await s.commit()
    async with session_factory() as s:
        await workflow.plan(s, settings, case_id, world.manager_a.id, NOW, a_plan())
        await s.commit()
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.claim_fix(s, settings, case_id, world.manager_a.id, NOW, photo_ids=[])
        await s.commit()
    assert refused.value.reason is RefusalReason.PHOTO_REQUIRED
    async with session_factory() as s:
        photo = await add_after_photo(s, case_id, world.manager_a, gps=FAR_POINT)
        out = await workflow.claim_fix(
            s, settings, case_id, world.manager_a.id, NOW, photo_ids=[photo]
        )
        checks = await notices(s, "case_check")
        await s.commit()
    assert out.far_from_case and out.fix_distance_m is not None
    assert 1000 < out.fix_distance_m < 1200
    assert checks and all(n.payload["far"] for n in checks)


async def test_a_plan_needs_every_field_and_a_future_deadline(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
    async with session_factory() as s:
        await workflow.accept(s, settings, case_id, world.manager_a.id, NOW)
        await s.commit()
    bad = [
        (Plan("", "steps", "owner", NOW + timedelta(days=1)), RefusalReason.PLAN_INCOMPLETE),
        (Plan("task", "steps", "owner", NOW - timedelta(days=1)), RefusalReason.DEADLINE_PAST),
    ]
    for plan, reason in bad:
        async with session_factory() as s:
            with pytest.raises(WorkflowRefused) as refused:
                await workflow.plan(s, settings, case_id, world.manager_a.id, NOW, plan)
            await s.commit()
        assert refused.value.reason is reason
    assert (await load(session_factory, case_id)).state == "accepted"


async def test_the_township_dispatches_to_a_village_or_to_a_named_member(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world, cell=world.township)
    async with session_factory() as s:
        await workflow.accept(s, settings, case_id, world.township_manager.id, NOW)
        await s.commit()
    async with session_factory() as s:
        with pytest.raises(WorkflowRefused) as refused:
            await workflow.dispatch(
                s, settings, case_id, world.township_manager.id, NOW, cell_code="C1"
            )
        await s.commit()
    assert refused.value.reason is RefusalReason.CELL_NOT_BELOW
    async with session_factory() as s:
        await workflow.dispatch(
            s, settings, case_id, world.township_manager.id, NOW, cell_code="VB"
        )
        [told] = await notices(s, "case_dispatched")
        await s.commit()
    assert told.recipient_id == world.manager_b.id
    async with session_factory() as s:
        await workflow.dispatch(
            s, settings, case_id, world.manager_b.id, NOW, member_name="Manager B"
        )
        await s.commit()
    case = await load(session_factory, case_id)
    assert (case.cell_id, case.assignee_id, case.state) == (
        world.village_b, world.manager_b.id, "dispatched"
    )
    # The assignee plans and claims the fix.
    async with session_factory() as s:
        await workflow.plan(s, settings, case_id, world.manager_b.id, NOW, a_plan())
        await s.commit()
    async with session_factory() as s:
        rows = await s.scalars(select(Case.state).where(Case.id == case_id))
        assert list(rows) == ["rectifying"]


async def test_a_background_write_at_the_same_moment_does_not_refuse_the_action(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    """The sweep sending a reminder bumps the case's version under a manager's press: the
    press is retried on the fresh row and succeeds, since the state still allows it."""
    async with session_factory() as s:
        case_id = await new_case(s, world)
    sweep = make_sync_engine(settings.database.url)
    writes: list[int] = []

    def reminder_sent_meanwhile(session: Any, _context: Any, _instances: Any) -> None:
        if writes:
            return
        with sweep.begin() as conn:
            result = conn.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(reminders_sent=Case.reminders_sent + 1, version=Case.version + 1)
            )
            writes.append(result.rowcount)

    def sessions() -> AsyncSession:
        session = session_factory()
        event.listen(session.sync_session, "before_flush", reminder_sent_meanwhile)
        return session

    try:
        out = await workflow.attempt(sessions, lambda s: workflow.accept(
            s, settings, case_id, world.manager_a.id, NOW))
    finally:
        sweep.dispose()
    assert writes == [1]
    assert out.state == "accepted"
    case = await load(session_factory, case_id)
    assert (case.state, case.version) == ("accepted", 3)
    async with session_factory() as s:
        assert [e.kind for e in await events(s, case_id)] == ["reported", "accepted"]
        assert len(await notices(s, "case_accepted")) == 1


async def test_a_case_that_changes_under_every_try_is_given_up_after_three_with_nothing_written(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    """A background writer bumping the case before each flush: the unit of work is run three
    times, then `LostRace` names the case, and none of the tries left an event or a notice."""
    async with session_factory() as s:
        case_id = await new_case(s, world)
    writer = make_sync_engine(settings.database.url)
    writes: list[int] = []

    def written_meanwhile(session: Any, _context: Any, _instances: Any) -> None:
        with writer.begin() as conn:
            writes.append(conn.execute(
                update(Case).where(Case.id == case_id).values(version=Case.version + 1)
            ).rowcount)

    def sessions() -> AsyncSession:
        session = session_factory()
        event.listen(session.sync_session, "before_flush", written_meanwhile)
        return session

    try:
        with pytest.raises(workflow.LostRace) as lost:
            await workflow.attempt(sessions, lambda s: workflow.accept(
                s, settings, case_id, world.manager_a.id, NOW))
    finally:
        writer.dispose()
    assert lost.value.case_id == case_id
    assert len(writes) == 3
    case = await load(session_factory, case_id)
    assert case.state == CaseState.SUBMITTED
    async with session_factory() as s:
        assert [e.kind for e in await events(s, case_id)] == ["reported"]
        assert await notices(s, "case_accepted") == []
