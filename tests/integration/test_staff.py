"""Administration in the services, on SQLite and PostgreSQL: who may invite whom where, who may
deactivate whom, and the hand-over of a member's open cases (to the least busy other manager
of the cell, else the level above), each recorded and told."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import CaseEvent, Invite, Member, MemberEvent, Outbox, Role
from models.db import SessionFactory
from services.members import (
    DEACTIVATED,
    HANDED_OVER,
    Person,
    StaffProblem,
    StaffRefused,
    deactivate_member,
    hand_over_open_cases,
    issue_invite,
    register_member,
    subtree_members,
)
from tests.support.deadlines_world import NOW, World, member, new_case


async def load(sessions: SessionFactory, who: Member) -> Member:
    async with sessions() as session:
        found = await session.get(Member, who.id)
        assert found is not None
        return found


async def test_a_manager_invites_within_their_subtree_and_never_an_admin(
    sessions: SessionFactory, world: World
) -> None:
    async with sessions() as session:
        township = await session.get(Member, world.township_manager.id)
        volunteer = await session.get(Member, world.volunteer.id)
        assert township is not None and volunteer is not None
        invite = await issue_invite(session, township, NOW, role=Role.MANAGER,
                                    cell_id=world.village.id)
        assert (invite.role, invite.cell_id, invite.created_by_id) == (
            "manager", world.village.id, township.id)
        refusals = []
        for who, role, cell in ((township, Role.PATROLLER, world.village3.id),  # next township
                                (township, Role.PATROLLER, world.county.id),  # above
                                (township, Role.ADMIN, world.village.id),
                                (volunteer, Role.PATROLLER, world.village.id)):
            with pytest.raises(StaffRefused) as caught:
                await issue_invite(session, who, NOW, role=role, cell_id=cell)
            refusals.append(caught.value.problem)
        assert refusals == [StaffProblem.OUTSIDE, StaffProblem.OUTSIDE, StaffProblem.ROLE,
                            StaffProblem.NOT_STAFF]
        group = await issue_invite(session, township, NOW, role=Role.VOLUNTEER,
                                   cell_id=world.township.id, for_group=True)
        assert group.for_group and group.cell_id == world.township.id
        await session.commit()
        assert len(list(await session.scalars(select(Invite)))) == 2


async def test_the_member_list_is_the_subtree(sessions: SessionFactory, world: World) -> None:
    async with sessions() as session:
        township = await session.get(Member, world.township_manager.id)
        assert township is not None
        page = await subtree_members(session, township, per_page=1)
        names = [m.display_name for m, _ in page.rows]
        assert page.total == 2 and page.pages == 2 and names == ["Township manager"]
        second = await subtree_members(session, township, page=1, per_page=1)
        assert [m.display_name for m, _ in second.rows] == ["Village manager"]
        city = await session.get(Member, world.city_manager.id)
        assert city is not None
        everyone = await subtree_members(session, city, per_page=50)
        assert "Volunteer" not in {m.display_name for m, _ in everyone.rows}  # no cell
        assert everyone.total == 6


async def test_who_may_deactivate_whom(sessions: SessionFactory, world: World) -> None:
    async with sessions() as session:
        peer = member("Second township manager", Role.MANAGER, world.township)
        admin = member("Admin", Role.ADMIN, world.village)
        session.add_all([peer, admin])
        await session.commit()
        township = await session.get(Member, world.township_manager.id)
        assert township is not None
        cases = [(world.county_manager.id, StaffProblem.OUTSIDE), (peer.id, StaffProblem.PEER),
                 (township.id, StaffProblem.SELF), (admin.id, StaffProblem.PEER)]
        for target, problem in cases:
            with pytest.raises(StaffRefused) as caught:
                await deactivate_member(session, township, target, NOW)
            assert caught.value.problem is problem, target
        await deactivate_member(session, admin, peer.id, NOW)  # an admin may
        await session.commit()
        with pytest.raises(StaffRefused) as caught:
            await deactivate_member(session, admin, peer.id, NOW)
        assert caught.value.problem is StaffProblem.ALREADY


async def test_deactivation_hands_the_cases_over_records_it_and_tells_everyone(
    sessions: SessionFactory, world: World
) -> None:
    async with sessions() as session:
        busy = member("Busy village manager", Role.MANAGER, world.village)
        idle = member("Idle village manager", Role.MANAGER, world.village)
        session.add_all([busy, idle])
        await session.flush()
        held = [new_case(world, world.village, assignee_id=world.village_manager.id)
                for _ in range(2)]
        other = new_case(world, world.village, assignee_id=busy.id)
        session.add_all([*held, other])
        await session.commit()
        township = await session.get(Member, world.township_manager.id)
        assert township is not None
        done = await deactivate_member(session, township, world.village_manager.id, NOW)
        await session.commit()
    # The least busy first: the idle one gets the first case; then both hold one, and the
    # older of them (the busy one) gets the second.
    assert [h.to.display_name if h.to else None for h in done.handed] == [
        "Idle village manager", "Busy village manager"]
    async with sessions() as session:
        gone = await session.get(Member, world.village_manager.id)
        assert gone is not None and not gone.active and gone.deactivated_at == NOW
        event = await session.scalar(select(MemberEvent).where(
            MemberEvent.member_id == gone.id))
        assert event is not None and (event.kind, event.actor_id) == ("deactivated",
                                                                      world.township_manager.id)
        trail = list(await session.scalars(select(CaseEvent).where(
            CaseEvent.kind == "handed_over").order_by(CaseEvent.id)))
        assert [(e.case_id, e.actor_id, e.payload["reason"]) for e in trail] == [
            (c.id, world.township_manager.id, "deactivated") for c in held]
        told = list(await session.scalars(select(Outbox).order_by(Outbox.id)))
        handed = [(r.case_id, r.recipient_id) for r in told if r.kind == HANDED_OVER]
        assert handed == [(h.case_id, h.to.id) for h in done.handed if h.to]
        notice = [r for r in told if r.kind == DEACTIVATED]
        assert [(r.chat_id, r.payload["cases"]) for r in notice] == [
            (gone.chat_id, [c.number for c in held])]
        # /start again does not undo it
        again, _ = await register_member(session, Person(
            "telegram", gone.platform_user_id, gone.chat_id, gone.display_name, "en"))
        assert not again.active


async def test_with_no_other_manager_in_the_cell_the_level_above_takes_the_cases(
    sessions: SessionFactory, world: World
) -> None:
    """Also the cell's unassigned open cases: nobody is left in the cell to hold them."""
    async with sessions() as session:
        assigned = new_case(world, world.village, assignee_id=world.village_manager.id)
        unassigned = new_case(world, world.village)
        elsewhere = new_case(world, world.village2)
        session.add_all([assigned, unassigned, elsewhere])
        await session.commit()
        leaving = await session.get(Member, world.village_manager.id)
        assert leaving is not None
        leaving.active = False  # e.g. they blocked the bot: the hand-over works the same
        handed = await hand_over_open_cases(session, leaving, NOW, actor_id=None,
                                            reason="blocked")
        await session.commit()
    assert [(h.case_id, h.to.id if h.to else None) for h in handed] == [
        (assigned.id, world.township_manager.id), (unassigned.id, world.township_manager.id)]
