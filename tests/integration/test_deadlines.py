"""The sweep: reminders once each, escalation up the grid, an order at the second miss."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, Outbox, Stage, SupervisionOrder
from models.db import SessionFactory
from services.deadlines import schedule_alarm, sweep
from services.settings import Settings
from tests.support.deadlines_world import World, at, new_case


async def _notices(sessions: SessionFactory, kind: str) -> list[Outbox]:
    async with sessions() as session:
        return list(await session.scalars(select(Outbox).where(Outbox.kind == kind)
                                          .order_by(Outbox.id)))


async def _events(sessions: SessionFactory, case_id: int, kind: str) -> list[CaseEvent]:
    async with sessions() as session:
        return list(await session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
            .order_by(CaseEvent.id)))


async def _add(sessions: SessionFactory, case: Case) -> int:
    async with sessions() as session:
        session.add(case)
        await session.commit()
        return case.id


async def _sweep(sessions: SessionFactory, settings: Settings, seconds: float) -> None:
    await sweep(sessions, settings, at(seconds))


async def test_reminders_at_half_and_ninety_percent_go_out_once_each(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    case_id = await _add(
        sessions, new_case(world, world.village, stage=Stage.ACCEPT, settings=fast)
    )
    await _sweep(sessions, fast, 10)  # nothing due yet
    assert await _notices(sessions, "reminder") == []
    for seconds in (55, 56, 56):  # the 50% reminder; the sweep runs again and again
        await _sweep(sessions, fast, seconds)
    first = await _notices(sessions, "reminder")
    assert [(n.recipient_id, n.payload["n"]) for n in first] == [(world.village_manager.id, 1)]
    for seconds in (91, 95):
        await _sweep(sessions, fast, seconds)
    both = await _notices(sessions, "reminder")
    assert [n.payload["n"] for n in both] == [1, 2]
    assert len(await _events(sessions, case_id, "reminded")) == 2
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and case.next_alarm_at == at(100)  # next: the deadline itself
        assert schedule_alarm(case, fast) == case.due_at


async def test_a_reminder_goes_to_the_assignee_when_there_is_one(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    await _add(sessions, new_case(world, world.village, stage=Stage.RECTIFY, settings=fast,
                                  state="rectifying", assignee_id=world.volunteer.id))
    await _sweep(sessions, fast, 60)
    assert [n.recipient_id for n in await _notices(sessions, "reminder")] == [world.volunteer.id]


async def test_missed_deadlines_climb_village_township_county_and_the_leader_hears_from_county(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    case_id = await _add(
        sessions, new_case(world, world.village, stage=Stage.ACCEPT, settings=fast)
    )
    await _sweep(sessions, fast, 100)  # first miss: to the township, yellow
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        assert (case.cell_id, case.escalation_level, case.missed_deadlines) == (
            world.township.id, 1, 1)
        assert case.due_at == at(200) and case.stage == Stage.ACCEPT
    first = await _notices(sessions, "escalated")
    assert {n.recipient_id for n in first} == {world.township_manager.id}
    assert await _notices(sessions, "supervision_order") == []

    await _sweep(sessions, fast, 150)  # a reminder in the new period, to the township
    assert (await _notices(sessions, "reminder"))[-1].recipient_id == world.township_manager.id

    await _sweep(sessions, fast, 200)  # second miss: the county, orange, the leader, an order
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        assert (case.cell_id, case.escalation_level, case.missed_deadlines) == (
            world.county.id, 2, 2)
        orders = list(await session.scalars(select(SupervisionOrder)))
    assert {n.recipient_id for n in await _notices(sessions, "escalated")} - {
        world.township_manager.id} == {world.county_manager.id, world.leader.id}
    events = await _events(sessions, case_id, "escalated")
    assert [(e.payload["to_cell"], e.payload["colour"]) for e in events] == [
        (world.township.id, "yellow"), (world.county.id, "orange")]
    assert len(orders) == 1
    order = orders[0]
    assert order.automatic and order.target_cell_id == world.county.id
    assert order.number == "湖水督〔2026〕1号"  # the first of the local year, no gaps
    recipients = {n.recipient_id for n in await _notices(sessions, "supervision_order")}
    assert recipients == {world.county_manager.id, world.leader.id}
    assert len(await _events(sessions, case_id, "supervision_order")) == 1

    await _sweep(sessions, fast, 300)  # third miss: the city, red; no second automatic order
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and case.cell_id == world.city.id and case.escalation_level == 3
        assert await session.scalar(select(func.count()).select_from(SupervisionOrder)) == 1


async def test_an_unacknowledged_order_climbs_at_its_own_deadline(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    case_id = await _add(
        sessions, new_case(world, world.village, stage=Stage.ACCEPT, settings=fast)
    )
    await _sweep(sessions, fast, 100)
    await _sweep(sessions, fast, 200)  # order issued to the county, due at 300
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        case.next_alarm_at = None  # keep the case itself still, watch the order alone
        await session.commit()
    await _sweep(sessions, fast, 300)
    async with sessions() as session:
        order = await session.scalar(select(SupervisionOrder))
        assert order is not None
        assert (order.target_cell_id, order.escalation_level) == (world.city.id, 1)
    assert len(await _events(sessions, case_id, "supervision_order_escalated")) == 1
    assert world.city_manager.id in {
        n.recipient_id for n in await _notices(sessions, "supervision_order")}


async def test_a_closed_case_is_not_chased(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    case_id = await _add(sessions, new_case(world, world.village, stage=Stage.ACCEPT, settings=fast,
                                            state="closed"))
    await _sweep(sessions, fast, 150)
    assert await _notices(sessions, "reminder") == []
    assert await _notices(sessions, "escalated") == []
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and case.next_alarm_at is None


@pytest.mark.postgres
async def test_two_concurrent_sweeps_act_on_each_case_once(
    db_url: str, sessions: SessionFactory, world: World, fast: Settings
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks (SKIP LOCKED) are a PostgreSQL matter")
    async with sessions() as session:
        for i in range(120):
            cell = (world.village, world.village2, world.village3)[i % 3]
            session.add(new_case(world, cell, stage=Stage.ACCEPT, settings=fast))
        await session.commit()

    async def one() -> int:
        return (await sweep(sessions, fast, at(100), batch_size=7)).escalations

    done = await asyncio.gather(one(), one(), one())
    assert sum(done) == 120
    async with sessions() as session:
        events = await session.scalar(select(func.count()).select_from(CaseEvent)
                                      .where(CaseEvent.kind == "escalated"))
        levels = set(await session.scalars(select(Case.escalation_level)))
    assert events == 120 and levels == {1}


@pytest.mark.postgres
async def test_two_concurrent_sweeps_send_each_reminder_once(
    db_url: str, sessions: SessionFactory, world: World, fast: Settings
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks (SKIP LOCKED) are a PostgreSQL matter")
    async with sessions() as session:
        for i in range(150):
            cell = (world.village, world.village2, world.village3)[i % 3]
            session.add(new_case(world, cell, stage=Stage.ACCEPT, settings=fast))
        await session.commit()

    async def one() -> int:
        return (await sweep(sessions, fast, at(60), batch_size=9)).examined

    assert sum(await asyncio.gather(one(), one(), one())) == 150
    async with sessions() as session:
        events = await session.scalar(select(func.count()).select_from(CaseEvent)
                                      .where(CaseEvent.kind == "reminded"))
        notices = await session.scalar(select(func.count()).select_from(Outbox)
                                       .where(Outbox.kind == "reminder"))
        sent = set(await session.scalars(select(Case.reminders_sent)))
    assert events == 150 and notices == 150 and sent == {1}


async def test_a_crash_mid_sweep_leaves_each_case_acted_on_once_after_the_next_sweep(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    """A deadline day: 30 cases miss their deadline and 30 owe a reminder at the same moment.
    The process dies at the second batch's commit; the batch before it stays whole, the one it
    died in leaves nothing, and the next sweep does the rest: one event per case, no notice
    twice."""
    async with sessions() as session:
        for i in range(60):
            cell = (world.village, world.village2, world.village3)[i % 3]
            started = at(0) if i % 2 else at(50)  # due at 100, or reminded at 100 (half-way)
            session.add(new_case(world, cell, stage=Stage.ACCEPT, settings=fast, now=started))
        await session.commit()
    commits = 0

    def dying() -> AsyncSession:
        session = sessions()
        commit = session.commit

        async def dies_at_the_second() -> None:
            nonlocal commits
            commits += 1
            if commits == 2:
                raise ConnectionError("the process died here")
            await commit()

        session.commit = dies_at_the_second  # type: ignore[method-assign]
        return session

    with pytest.raises(ConnectionError):
        await sweep(dying, fast, at(100), batch_size=25)

    async def acted() -> list[int]:
        async with sessions() as session:
            return list(await session.scalars(
                select(CaseEvent.case_id).where(CaseEvent.kind.in_(["escalated", "reminded"]))))

    assert len(await acted()) == 25  # the first batch, whole
    report = await sweep(sessions, fast, at(100), batch_size=25)
    assert report.examined == 35  # the rest, nothing of the first batch again
    done = await acted()
    assert len(done) == len(set(done)) == 60  # every case once
    async with sessions() as session:
        kinds = dict((await session.execute(
            select(Outbox.kind, func.count()).group_by(Outbox.kind))).all())
        levels = sorted(await session.scalars(select(Case.escalation_level)))
    assert levels == [0] * 30 + [1] * 30
    assert kinds["escalated"] >= 30 and kinds["reminder"] == 30  # one manager per village
