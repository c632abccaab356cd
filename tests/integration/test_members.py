"""Members and invites: one role per invite, one winner per invite, nothing on refusal."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from models import Invite, Member, Role, WaterSource, utcnow
from models.db import SessionFactory
from services.demo import DEMO_PERSONAS, seed_demo_personas
from services.grid import import_grid
from services.members import (
    InviteError,
    InviteProblem,
    InviteSpecError,
    Person,
    create_invite,
    find_member,
    list_members,
    redeem_invite,
    register_member,
    set_language,
)

VILLAGE = "330502100004"  # 妙西东北村, holds 老虎潭水库
SOURCE = "WS-LHT"


@pytest.fixture
async def grid(session_factory: SessionFactory, demo_grid_collection: dict[str, Any]) -> None:
    async with session_factory() as session:
        await import_grid(session, demo_grid_collection)
        await session.commit()


def person(
    user_id: int, name: str = "李四", language_code: str | None = "zh-hans"
) -> Person:
    return Person("telegram", str(user_id), str(user_id), name, language_code)


async def count_members(sessions: SessionFactory) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_first_contact_registers_a_volunteer_in_their_language(
    session_factory: SessionFactory,
) -> None:
    async with session_factory() as session:
        member, created = await register_member(session, person(7, "Ann", "en-US"))
        again, created_again = await register_member(session, person(7, "Ann B", "zh"))
        await session.commit()
    assert (created, created_again) == (True, False)
    assert again.id == member.id
    assert (again.role, again.language, again.display_name) == ("volunteer", "en", "Ann B")


async def test_a_manager_invite_binds_role_and_cell_once(
    session_factory: SessionFactory, grid: None
) -> None:
    async with session_factory() as session:
        invite = await create_invite(session, "manager", VILLAGE)
        await session.commit()
    assert len(invite.code) <= 32
    assert all(c.isalnum() or c in "-_" for c in invite.code)
    async with session_factory() as session:
        redeemed = await redeem_invite(session, invite.code, person(11))
        await session.commit()
    assert redeemed.member.role == Role.MANAGER
    assert redeemed.cell is not None and redeemed.cell.code == VILLAGE
    async with session_factory() as session:
        with pytest.raises(InviteError) as used:
            await redeem_invite(session, invite.code, person(12))
        await session.rollback()
    assert used.value.problem is InviteProblem.USED
    async with session_factory() as session:
        assert await find_member(session, "telegram", 12) is None
        stored = await session.scalar(select(Invite).where(Invite.code == invite.code))
        assert stored is not None and stored.used_by_id == redeemed.member.id


async def test_a_leader_invite_with_a_source_makes_the_linked_leader(
    session_factory: SessionFactory, grid: None
) -> None:
    async with session_factory() as session:
        invite = await create_invite(session, "leader", None, SOURCE)
        redeemed = await redeem_invite(session, invite.code, person(21))
        await session.commit()
    async with session_factory() as session:
        source = await session.scalar(select(WaterSource).where(WaterSource.code == SOURCE))
        assert source is not None and source.leader_id == redeemed.member.id
        assert redeemed.member.cell_id == source.cell_id


@pytest.mark.parametrize(
    ("make_code", "problem"),
    [
        ("unknown", InviteProblem.UNKNOWN),
        ("expired", InviteProblem.EXPIRED),
        ("group", InviteProblem.WRONG_CHAT),
    ],
)
async def test_refused_invites_say_why_and_register_nobody(
    session_factory: SessionFactory, grid: None, make_code: str, problem: InviteProblem
) -> None:
    async with session_factory() as session:
        if make_code == "unknown":
            code = "no-such-invite"
        else:
            invite = await create_invite(
                session, "manager", VILLAGE, for_group=make_code == "group",
                now=utcnow() - timedelta(days=8) if make_code == "expired" else None,
            )
            code = invite.code
        await session.commit()
    async with session_factory() as session:
        with pytest.raises(InviteError) as refused:
            await redeem_invite(session, code, person(31))
        await session.rollback()
    assert refused.value.problem is problem
    assert await count_members(session_factory) == 0


async def test_invites_that_cannot_exist_are_refused_at_creation(
    session_factory: SessionFactory, grid: None
) -> None:
    async with session_factory() as session:
        for args in (("manager", "nope"), ("manager", None), ("chief", VILLAGE),
                     ("leader", None, "WS-NOPE")):
            with pytest.raises(InviteSpecError):
                await create_invite(session, *args)  # type: ignore[arg-type]


async def test_two_people_racing_for_one_invite_exactly_one_wins(
    session_factory: SessionFactory, grid: None
) -> None:
    async with session_factory() as session:
        code = (await create_invite(session, "manager", VILLAGE)).code
        await session.commit()

    async def attempt(user_id: int) -> int | BaseException:
        async with session_factory() as session:
            try:
                redeemed = await redeem_invite(session, code, person(user_id))
                await asyncio.sleep(0)  # let the other one reach its update
                await session.commit()
                return redeemed.member.id
            except (InviteError, OperationalError) as exc:  # SQLite: "database is locked"
                await session.rollback()
                return exc

    results = await asyncio.gather(attempt(41), attempt(42))
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    async with session_factory() as session:
        stored = await session.scalar(select(Invite).where(Invite.code == code))
        assert stored is not None and stored.used_by_id == winners[0]
        managers = (await session.scalars(select(Member).where(Member.role == "manager"))).all()
        assert [m.id for m in managers] == winners


async def test_language_and_listing(session_factory: SessionFactory, grid: None) -> None:
    async with session_factory() as session:
        member, _ = await register_member(session, person(51))
        await set_language(session, member, "en")
        with pytest.raises(ValueError):
            await set_language(session, member, "fr")
        await session.commit()
        rows = await list_members(session)
    assert [(m.platform_user_id, m.language, cell) for m, cell in rows] == [("51", "en", None)]


async def test_demo_personas_come_from_used_invites(
    session_factory: SessionFactory, grid: None
) -> None:
    async with session_factory() as session:
        members = await seed_demo_personas(session, DEMO_PERSONAS)
        await session.commit()
        again = await seed_demo_personas(session, DEMO_PERSONAS)
        await session.commit()
    assert [m.id for m in members] == [m.id for m in again]
    assert [m.role for m in members] == [p.role for p in DEMO_PERSONAS]
    async with session_factory() as session:
        used = await session.scalar(
            select(func.count()).select_from(Invite).where(Invite.used_by_id.is_not(None))
        )
        source = await session.scalar(select(WaterSource).where(WaterSource.code == SOURCE))
    assert used == len([p for p in DEMO_PERSONAS if p.role != "volunteer"])
    assert source is not None and source.leader_id == members[4].id
