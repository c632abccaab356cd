"""Group bindings in the services, on SQLite and PostgreSQL: what a bound group is sent when a
case escalates, an order is issued or the digest goes out; "instead" mode; who may unbind;
a migrated group taking its waiting notices along; every group notice renders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.notices import RENDERERS
from models import Case, GridCell, GroupBinding, Member, Outbox, OutboxState, Role, Stage
from models.db import SessionFactory
from services.deadlines import sweep
from services.digests import queue_digests
from services.members import (
    BindError,
    BindProblem,
    UnbindReason,
    bind_group,
    create_invite,
    follow_migration,
    group_lost,
    private_recipients,
    queue_case_alert,
    unbind_group,
)
from services.notices.card import render_row
from services.notices.card_refresh import queue_card_refresh
from services.settings import GroupAlerts, Settings
from tests.support.deadlines_world import NOW, World, at, member, new_case
from tests.support.outbox import (
    Paced,
    paced,  # noqa: F401  (the fixture)
)

GROUP = "-1001234567890"


async def bind(sessions: SessionFactory, world: World, cell_code: str, chat: str = GROUP,
               mode: str | None = None) -> int:
    async with sessions() as session:
        invite = await create_invite(session, "volunteer", cell_code, for_group=True, now=NOW)
        bound = await bind_group(session, invite.code, chat_id=chat, title="Patrol",
                                 by=await session.get(Member, world.city_manager.id), now=NOW)
        bound.binding.mode = mode
        await session.commit()
        return bound.binding.id


async def to_group(sessions: SessionFactory, kind: str, chat: str = GROUP) -> list[Outbox]:
    async with sessions() as session:
        return list(await session.scalars(
            select(Outbox).where(Outbox.kind == kind, Outbox.chat_id == chat)
            .order_by(Outbox.id)))


async def render(sessions: SessionFactory, settings: Settings, row: Outbox) -> str:
    async with sessions() as session:
        loaded = await session.get(Outbox, row.id)
        assert loaded is not None
        rendered = await render_row(RENDERERS, session, loaded, None, settings)
    assert rendered is not None
    return rendered.text


async def test_escalations_and_orders_reaching_the_cell_are_posted_in_its_group(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    await bind(sessions, world, world.county.code)
    async with sessions() as session:
        case = new_case(world, world.village, stage=Stage.ACCEPT, settings=fast)
        session.add(case)
        await session.commit()
    await sweep(sessions, fast, at(100))  # to the township: not the county's group yet
    assert await to_group(sessions, "escalated") == []
    await sweep(sessions, fast, at(200))  # to the county: its group hears, and of the order
    escalated = await to_group(sessions, "escalated")
    assert len(escalated) == 1 and escalated[0].recipient_id is None
    assert "Wuxing" in await render(sessions, fast, escalated[0])
    orders = await to_group(sessions, "supervision_order")
    assert len(orders) == 1
    assert "督办单" in await render(sessions, fast, orders[0])  # groups read the default, zh_CN
    await sweep(sessions, fast, at(200))  # a second sweep at the same moment adds nothing
    assert len(await to_group(sessions, "escalated")) == 1


async def test_the_group_gets_its_cells_digest_once_a_day(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    await bind(sessions, world, world.township.code)
    async with sessions() as session:
        session.add(new_case(world, world.village, now=NOW - timedelta(hours=2)))
        session.add(new_case(world, world.village3, now=NOW - timedelta(hours=2)))  # elsewhere
        await session.commit()
    for _ in range(2):
        async with sessions() as session:
            await queue_digests(session, fast, NOW)
            await session.commit()
    digests = await to_group(sessions, "digest")
    assert len(digests) == 1
    text = await render(sessions, fast, digests[0])
    assert "Miaoxi" in text and "新增（24小时）：1 ·" in text


async def test_instead_mode_spares_the_bound_cells_managers_only(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    await bind(sessions, world, world.township.code, mode="instead")
    async with sessions() as session:
        bindings = list(await session.scalars(select(GroupBinding)))
        people = [await session.get(Member, m.id) for m in
                  (world.village_manager, world.township_manager, world.leader)]
    kept = private_recipients([p for p in people if p is not None], bindings, fast)
    assert [m.id for m in kept] == [world.village_manager.id, world.leader.id]
    bindings[0].mode = None  # the config's "also"
    assert fast.groups.alerts is GroupAlerts.ALSO
    assert len(private_recipients([p for p in people if p is not None], bindings, fast)) == 3


async def test_only_a_manager_of_the_cell_or_above_or_an_admin_may_unbind(
    sessions: SessionFactory, world: World
) -> None:
    await bind(sessions, world, world.township.code)
    async with sessions() as session:
        admin = member("Admin", Role.ADMIN, None)
        session.add(admin)
        await session.commit()
    refused = (world.village_manager, world.volunteer, world.supervisor)
    for who in refused:
        async with sessions() as session:
            with pytest.raises(BindError) as caught:
                await unbind_group(session, GROUP, await session.get(Member, who.id))
            assert caught.value.problem is BindProblem.NOT_ALLOWED
    for who in (world.county_manager, admin):
        async with sessions() as session:
            cell = await unbind_group(session, GROUP, await session.get(Member, who.id))
            assert cell.id == world.township.id
            await session.rollback()
    async with sessions() as session:
        await unbind_group(session, GROUP, await session.get(Member, world.township_manager.id))
        await session.commit()
    told = await to_group(sessions, "group_unbound", world.township_manager.chat_id)
    assert told == []  # the one who unbound it knows


async def test_a_lost_group_tells_the_managers_and_can_be_bound_again(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    binding_id = await bind(sessions, world, world.township.code)
    async with sessions() as session:
        lost = await group_lost(session, GROUP, UnbindReason.FORBIDDEN)
        await session.commit()
        assert lost is not None and lost.id == binding_id
    async with sessions() as session:
        assert await group_lost(session, GROUP, UnbindReason.REMOVED) is None  # once
    told = await to_group(sessions, "group_unbound", world.township_manager.chat_id)
    assert len(told) == 1
    async with sessions() as session:
        manager = await session.get(Member, world.township_manager.id)
        row = await session.get(Outbox, told[0].id)
        assert row is not None
        rendered = await render_row(RENDERERS, session, row, manager, fast)
    assert rendered is not None and "may no longer post" in rendered.text
    assert "Miaoxi" in rendered.text
    # The same chat bound again, to another cell: the old row makes way.
    await bind(sessions, world, world.township2.code)
    async with sessions() as session:
        rows = list(await session.scalars(select(GroupBinding)))
    assert [(r.cell_id, r.active) for r in rows] == [(world.township2.id, True)]


async def test_bind_refuses_an_expired_invite_and_a_second_cell_for_one_group(
    sessions: SessionFactory, world: World
) -> None:
    async with sessions() as session:
        old = await create_invite(session, "volunteer", world.village.code, for_group=True,
                                  expires=timedelta(minutes=5), now=NOW - timedelta(hours=1))
        await session.commit()
        with pytest.raises(BindError) as caught:
            await bind_group(session, old.code, chat_id=GROUP, title="",
                             by=await session.get(Member, world.city_manager.id), now=NOW)
        assert caught.value.problem is BindProblem.EXPIRED
    await bind(sessions, world, world.township.code)
    async with sessions() as session:
        other = await create_invite(session, "volunteer", world.village.code, for_group=True,
                                    now=NOW)
        with pytest.raises(BindError) as caught:
            await bind_group(session, other.code, chat_id=GROUP, title="",
                             by=await session.get(Member, world.city_manager.id), now=NOW)
        assert caught.value.problem is BindProblem.CHAT_TAKEN
        assert caught.value.cell is not None and caught.value.cell.id == world.township.id


async def test_a_migrated_group_takes_its_binding_and_waiting_notices_along(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    await bind(sessions, world, world.township.code, chat="-4001")
    async with sessions() as session:
        case = new_case(world, world.village)
        session.add(case)
        await session.flush()
        session.add(Outbox(kind="group_case", chat_id="-4001", case_id=case.id,
                           payload={"case_id": case.id}))
        await session.commit()
    for _ in range(2):  # the old group and the new supergroup both announce it
        async with sessions() as session:
            await follow_migration(session, "-4001", "-1009")
            await session.commit()
    async with sessions() as session:
        binding = await session.scalar(select(GroupBinding))
        assert binding is not None and binding.chat_id == "-1009" and binding.active
    moved = await to_group(sessions, "group_case", "-1009")
    assert len(moved) == 1 and moved[0].state == OutboxState.PENDING
    assert "您所辖网格有新案件" in await render(sessions, fast, moved[0])


async def test_a_case_that_moves_queues_one_edit_per_group_that_shows_it(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    await bind(sessions, world, world.township.code)
    async with sessions() as session:
        case = new_case(world, world.village)
        session.add(case)
        await session.flush()
        assert await queue_card_refresh(session, case.id) == 0  # not posted: nothing to edit
        session.add(Outbox(kind="group_case", chat_id=GROUP, case_id=case.id,
                           payload={"case_id": case.id}, state=OutboxState.SENT,
                           result={"done": 1, "message_ids": [41, 42]}))
        await session.flush()
        assert await queue_card_refresh(session, case.id) == 1
        assert await queue_card_refresh(session, case.id) == 0  # one waiting edit is enough
        await session.commit()
        case_id = case.id
    edits = await to_group(sessions, "card_refresh")
    assert len(edits) == 1
    async with sessions() as session:
        row = await session.get(Outbox, edits[0].id)
        assert row is not None
        rendered = await render_row(RENDERERS, session, row, None, fast)
        assert (await session.get(Case, case_id)) is not None
    # Recorded before the sender kept the form of what it sent: the edit finds out by trying.
    assert rendered is not None and rendered.edit_message_id == 42 and rendered.edit_form == ""


async def test_a_burst_of_sixty_case_cards_to_one_group_is_spread_over_three_minutes(
    paced: Paced,  # noqa: F811  (the fixture of tests/support/outbox.py)
) -> None:
    """Sixty real group cards (intake's kind, its renderer) through the paced sender, against an
    emulator with Telegram's flood limits on the same fake clock: no 429, 20 a minute."""
    h = paced.h
    group = h.group("妙西镇网格群")
    h.emulator.take_updates()  # the bot's "how to bind" hello would count against the group
    sessions = h.app.bot_data["deps"].sessions
    async with sessions() as session:
        invite = await create_invite(session, "volunteer", "330502100", for_group=True)
        admin = Member(platform_user_id="7", chat_id="7", display_name="Admin", role=Role.ADMIN)
        session.add(admin)
        await session.flush()
        bound = await bind_group(session, invite.code, chat_id=group.id, title="", by=admin)
        village = await session.scalar(select(GridCell).where(GridCell.code == "330502100004"))
        assert village is not None
        numbers = []
        for index in range(60):
            case = Case(number=f"HZ-2026-9{index:05d}", category="garbage", severity="medium",
                        lat=30.79, lon=119.96, origin_cell_id=village.id, cell_id=village.id)
            session.add(case)
            await session.flush()
            await queue_case_alert(session, case.id, [bound.binding])
            numbers.append(case.number)
        await session.commit()
    await paced.sender.drain()
    times = paced.times(group.id)
    assert len(times) == 60 and paced.statuses() == {200}
    cards = [m["text"] for m in h.messages_to(group)]
    assert [n for n in numbers if any(n in c for c in cards)] == numbers
    assert numbers[-1] in cards[-1]  # in order, the last one last
    assert times[-1] - times[0] >= 59 * 3
    assert all(sum(t <= at < t + 60 for at in times) <= 20 for t in times)


async def test_instead_mode_the_bound_cell_reads_escalations_and_its_digest_in_the_group(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    await bind(sessions, world, world.township.code, mode="instead")
    async with sessions() as session:
        session.add(new_case(world, world.village, stage=Stage.ACCEPT, settings=fast))
        await session.commit()
    await sweep(sessions, fast, at(100))  # to the township, whose group reads it
    escalated = await to_group(sessions, "escalated")
    assert len(escalated) == 1
    assert await to_group(sessions, "escalated", world.township_manager.chat_id) == []
    async with sessions() as session:
        await queue_digests(session, fast, at(100))
        await session.commit()
    assert len(await to_group(sessions, "digest")) == 1
    assert await to_group(sessions, "digest", world.township_manager.chat_id) == []
    assert len(await to_group(sessions, "digest", world.county_manager.chat_id)) == 1


async def test_an_escalated_card_in_the_group_says_the_system_moved_it(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    await bind(sessions, world, world.township.code)
    async with sessions() as session:
        case = new_case(world, world.village, stage=Stage.ACCEPT, settings=fast, anonymous=True)
        session.add(case)
        await session.flush()
        session.add(Outbox(kind="group_case", chat_id=GROUP, case_id=case.id,
                           payload={"case_id": case.id}, state=OutboxState.SENT,
                           result={"done": 1, "message_ids": [7]}))
        await session.commit()
    await sweep(sessions, fast, at(100))
    edits = await to_group(sessions, "card_refresh")
    assert len(edits) == 1
    text = await render(sessions, fast, edits[0])
    assert text.startswith("👤 系统：") and "Volunteer" not in text
