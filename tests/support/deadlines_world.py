"""A small four-level grid with people in it, for the deadline, supervision and digest tests.

city > county > township > two villages (+ a second township), one water source with a leader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseState, GridCell, Member, Role, Stage, WaterSource
from services.settings import Settings
from tests.support.settings import make_settings

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def seconds_settings(db_url: str, tmp_path: Path, seconds: int = 100) -> Settings:
    """Every stage allowed `seconds`, whatever the severity, reminders at 50% and 90%."""
    table = {sev: f"{seconds}s" for sev in ("low", "medium", "high", "urgent")}
    return make_settings(
        db_url, tmp_path,
        deadlines={stage.value: dict(table) for stage in Stage},
        reminders={"at": [0.5, 0.9]},
    )


@dataclass
class World:
    city: GridCell
    county: GridCell
    township: GridCell
    township2: GridCell
    village: GridCell
    village2: GridCell
    village3: GridCell  # under township2
    source: WaterSource
    volunteer: Member
    village_manager: Member
    township_manager: Member
    county_manager: Member
    city_manager: Member
    leader: Member
    supervisor: Member


_uid = 5000


def member(name: str, role: Role, cell: GridCell | None, language: str = "en") -> Member:
    global _uid
    _uid += 1
    return Member(platform_user_id=str(_uid), chat_id=str(_uid), display_name=name,
                  role=role, cell_id=cell.id if cell else None, language=language)


async def _cell(session: AsyncSession, code: str, name: str, level: str,
                parent: GridCell | None) -> GridCell:
    cell = GridCell(code=code, name=name, level=level, parent_id=parent.id if parent else None,
                    path="/", boundary_wkt="POLYGON((0 0,1 0,1 1,0 0))")
    session.add(cell)
    await session.flush()
    cell.path = f"{parent.path if parent else '/'}{cell.id}/"
    await session.flush()
    return cell


async def build_world(session: AsyncSession) -> World:
    city = await _cell(session, "C", "Huzhou", "city", None)
    county = await _cell(session, "C1", "Wuxing", "county", city)
    township = await _cell(session, "C1T1", "Miaoxi", "township", county)
    township2 = await _cell(session, "C1T2", "Donglin", "township", county)
    village = await _cell(session, "C1T1V1", "Northeast", "village", township)
    village2 = await _cell(session, "C1T1V2", "Southwest", "village", township)
    village3 = await _cell(session, "C1T2V1", "Lakeside", "village", township2)
    people = [
        member("Volunteer", Role.VOLUNTEER, None),
        member("Village manager", Role.MANAGER, village),
        member("Township manager", Role.MANAGER, township),
        member("County manager", Role.MANAGER, county),
        member("City manager", Role.MANAGER, city),
        member("Leader", Role.LEADER, county),
        member("Supervisor", Role.SUPERVISOR, city),
    ]
    session.add_all(people)
    await session.flush()
    source = WaterSource(code="WS1", name="Laohutan", cell_id=township.id, leader_id=people[5].id)
    session.add(source)
    await session.commit()
    return World(city, county, township, township2, village, village2, village3, source, *people)


_number = 0


def new_case(world: World, cell: GridCell, *, now: datetime = NOW, stage: Stage | None = None,
             settings: Settings | None = None, **values: Any) -> Case:
    """An open case in `cell`; with `stage` and `settings` its deadline starts at `now`."""
    global _number
    _number += 1
    fields: dict[str, Any] = dict(
        number=f"HZ-T-{_number:05d}", category="garbage", severity="medium", lat=30.0, lon=120.0,
        origin_cell_id=cell.id, cell_id=cell.id, water_source_id=world.source.id,
        state=CaseState.SUBMITTED, reporter_id=world.volunteer.id, created_at=now,
    )
    fields.update(values)
    case = Case(**fields)
    if stage is not None:
        from services.deadlines import start_stage

        assert settings is not None
        start_stage(case, stage, settings, now)
    return case


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


async def linked_leader(session: AsyncSession, world: World, language: str = "en"
                        ) -> tuple[Member, WaterSource]:
    """A leader of the second township (Donglin) linked to a water source kept by the first:
    its cases may lie in both townships, so the leader's views must reach past their cell."""
    leader = member("Donglin leader", Role.LEADER, world.township2, language)
    session.add(leader)
    await session.flush()
    spread = WaterSource(code="WS2", name="Spread", cell_id=world.township.id,
                         leader_id=leader.id)
    session.add(spread)
    await session.flush()
    return leader, spread
