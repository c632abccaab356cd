"""A small grid for workflow tests: a city, a county, a township with villages A and B, a water
source with a linked leader, and people at every level, with the `world` fixture and the steps
of a case up to its fix. Imported by the workflow, cases and case-action tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    CaseEvent,
    GridCell,
    Member,
    Outbox,
    Photo,
    PhotoKind,
    Role,
    WaterSource,
)
from models.db import SessionFactory
from services import workflow
from services.settings import Settings
from services.workflow import Plan

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in Huzhou
CASE_POINT = (30.87, 120.09)  # in village A
FAR_POINT = (30.88, 120.09)  # ~1.1 km north


@dataclass
class World:
    city: int
    county: int
    township: int
    village_a: int
    village_b: int
    source: int
    reporter: Member
    other_reporter: Member
    manager_a: Member
    manager_a2: Member
    manager_b: Member
    township_manager: Member
    leader: Member
    admin: Member
    patroller_a: Member


def square(lat: float, lon: float, half: float) -> str:
    return (
        f"POLYGON (({lon - half} {lat - half}, {lon + half} {lat - half}, "
        f"{lon + half} {lat + half}, {lon - half} {lat + half}, {lon - half} {lat - half}))"
    )


async def _cell(
    session: AsyncSession, code: str, name: str, level: str, parent: GridCell | None
) -> GridCell:
    cell = GridCell(
        code=code,
        name=name,
        level=level,
        parent_id=parent.id if parent else None,
        path="/",
        boundary_wkt=square(CASE_POINT[0], CASE_POINT[1], 0.5),
    )
    session.add(cell)
    await session.flush()
    cell.path = f"{parent.path if parent else '/'}{cell.id}/"
    return cell


def _member(uid: int, name: str, role: Role, cell: int | None, lang: str = "en") -> Member:
    return Member(
        platform_user_id=str(uid),
        chat_id=str(uid),
        display_name=name,
        role=role,
        cell_id=cell,
        language=lang,
    )


async def build_world(session: AsyncSession) -> World:
    """Commits the grid and its people."""
    city = await _cell(session, "C", "Huzhou", "city", None)
    county = await _cell(session, "C1", "Wuxing", "county", city)
    township = await _cell(session, "T1", "Miaoxi", "township", county)
    village_a = await _cell(session, "VA", "Village A", "village", township)
    village_b = await _cell(session, "VB", "Village B", "village", township)
    people = [
        _member(1001, "Reporter <b>", Role.VOLUNTEER, None),
        _member(1002, "Second reporter", Role.VOLUNTEER, None),
        _member(2001, "Manager A", Role.MANAGER, village_a.id),
        _member(2002, "Manager A2", Role.MANAGER, village_a.id),
        _member(2003, "Manager B", Role.MANAGER, village_b.id),
        _member(2004, "Township manager", Role.MANAGER, township.id),
        _member(2005, "Leader", Role.LEADER, None),
        _member(2006, "Admin", Role.ADMIN, None),
        _member(2007, "Patroller A", Role.PATROLLER, village_a.id),
    ]
    session.add_all(people)
    await session.flush()
    source = WaterSource(code="WS1", name="Laohutan", cell_id=county.id, leader_id=people[6].id)
    session.add(source)
    await session.flush()
    world = World(
        city.id, county.id, township.id, village_a.id, village_b.id, source.id, *people
    )
    await session.commit()
    return world


async def new_case(
    session: AsyncSession,
    world: World,
    *,
    cell: int | None = None,
    reporter: Member | None = None,
    number: str = "HZ-2026-000001",
    created: datetime = NOW,
    category: str = "garbage",
    with_source: bool = True,
) -> int:
    """A submitted case as intake leaves it (with its 'reported' event and one photo)."""
    who = reporter or world.reporter
    case = Case(
        number=number,
        reporter_id=who.id,
        category=category,
        severity="medium",
        description="Rubbish <dumped> by the bank",
        lat=CASE_POINT[0],
        lon=CASE_POINT[1],
        origin_cell_id=cell or world.village_a,
        cell_id=cell or world.village_a,
        water_source_id=world.source if with_source else None,
        zone="grade2",
        stage="accept",
        stage_started_at=created,
        due_at=created + timedelta(days=1),
        next_alarm_at=created + timedelta(hours=12),
        created_at=created,
    )
    session.add(case)
    await session.flush()
    session.add(CaseEvent(case_id=case.id, actor_id=who.id, kind="reported", at=created))
    session.add(photo_row(case.id, who.id, n=case.id, kind=PhotoKind.REPORT))
    await session.commit()
    return case.id


def photo_row(
    case_id: int | None,
    uploader: int,
    *,
    n: int,
    kind: str = PhotoKind.AFTER,
    gps: tuple[float, float] | None = None,
    path: str = "none.jpg",
) -> Photo:
    return Photo(
        case_id=case_id,
        uploaded_by_id=uploader,
        kind=kind,
        sha256=f"{n:064x}",
        stored_path=path,
        size_bytes=1000,
        width=800,
        height=600,
        mime="image/jpeg",
        exif_lat=gps[0] if gps else None,
        exif_lon=gps[1] if gps else None,
        phash=f"{n:016x}",
        platform_file_id=f"file-{kind}-{n}",
    )


async def add_after_photo(
    session: AsyncSession, case_id: int, uploader: Member, *, n: int = 900,
    gps: tuple[float, float] | None = None,
) -> int:
    photo = photo_row(None, uploader.id, n=n, gps=gps)
    session.add(photo)
    await session.commit()
    return photo.id


async def notices(session: AsyncSession, kind: str | None = None) -> list[Outbox]:
    query = select(Outbox).order_by(Outbox.id)
    if kind is not None:
        query = query.where(Outbox.kind == kind)
    return list(await session.scalars(query))


async def events(session: AsyncSession, case_id: int) -> list[CaseEvent]:
    return list(
        await session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
    )


@pytest.fixture
async def world(session_factory: SessionFactory) -> World:
    async with session_factory() as session:
        return await build_world(session)


def a_plan(days: int = 7) -> Plan:
    return Plan(
        task="Clear the rubbish",
        steps="1. haul away 2. put up a sign",
        owner="Zhang San",
        due=NOW + timedelta(days=days),
    )


async def load(sf: SessionFactory, case_id: int) -> Case:
    async with sf() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return case


async def walk_to_rectified(
    sf: SessionFactory, settings: Settings, world: World, case_id: int
) -> None:
    async with sf() as s:
        await workflow.accept(s, settings, case_id, world.manager_a.id, NOW)
        await s.commit()
    async with sf() as s:
        await workflow.plan(s, settings, case_id, world.manager_a.id, NOW, a_plan())
        await s.commit()
    async with sf() as s:
        photo = await add_after_photo(s, case_id, world.manager_a)
        await workflow.claim_fix(
            s, settings, case_id, world.manager_a.id, NOW, photo_ids=[photo]
        )
        await s.commit()
