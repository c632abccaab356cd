"""Intake: a finished draft becomes a routed case with its deadline, event and alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, Draft, Member, Outbox, Photo, Role, Severity, Stage
from models.db import SessionFactory
from services.notices import load
from services.notices.kinds import CaseNew
from services.reports import DraftError, ReportStep, drafts, duplicates, place
from services.settings import Settings
from services.workflow import intake
from tests.support.report_world import (
    IN_GRADE1,
    NOW,
    OUTSIDE,
    PLAIN_VILLAGE,
    build_world,
    facts,
    finished_draft,
)


async def _notified(s: AsyncSession, case_id: int) -> set[int]:
    rows = await s.scalars(select(Outbox).where(Outbox.case_id == case_id))
    notices = list(rows)
    assert all(load(n.kind, n.payload) == CaseNew(case_id=case_id) for n in notices)
    return {n.recipient_id for n in notices if n.recipient_id is not None}


async def test_a_report_in_a_grade1_zone_lands_with_the_village_raised_one_severity(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = await finished_draft(s, world, settings, "garbage", IN_GRADE1)
        result = await intake.submit_draft(s, draft, settings, world.grid, NOW)
        await s.commit()
    async with session_factory() as s:
        case = await s.get(Case, result.case_id)
        assert case is not None
        assert case.number == f"HZ-2026-{case.id:06d}" == result.number
        assert (case.cell_id, case.origin_cell_id) == (world.village, world.village)
        assert (case.water_source_id, case.zone) == (world.source, "grade1")
        assert case.severity == Severity.HIGH  # garbage is medium; grade I raises it
        assert not case.emergency and case.description == "pipe <b>discharging</b>"
        assert case.source == "public"  # a volunteer's report; a patroller's is "self"
        assert result.cell_path == ("湖州市", "吴兴区", "妙西镇", "妙西东北村")
        assert result.water_source == "老虎潭水库"
        allowed = settings.deadlines.allowed(Stage.ACCEPT, Severity.HIGH)
        assert (case.stage, case.stage_started_at, case.due_at) == ("accept", NOW, NOW + allowed)
        assert case.next_alarm_at == NOW + allowed * settings.deadlines.reminders_at[0]
        photos = list(await s.scalars(select(Photo).where(Photo.case_id == case.id)))
        assert len(photos) == 2 and all(p.draft_id is None for p in photos)
        event = (await s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))).one()
        assert (event.kind, event.actor_id) == ("reported", world.reporter.id)
        assert await _notified(s, case.id) == {world.village_manager.id}
        assert await s.scalar(select(func.count(Draft.id))) == 0


async def test_an_emergency_alerts_every_level_up_to_the_city_and_the_linked_leader(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = await finished_draft(s, world, settings, "spill", IN_GRADE1)
        result = await intake.submit_draft(s, draft, settings, world.grid, NOW)
        await s.commit()
        assert result.emergency and result.severity == Severity.URGENT
        assert await _notified(s, result.case_id) == {
            world.village_manager.id, world.township_manager.id, world.city_manager.id,
            world.leader.id,
        }


async def test_a_cell_without_managers_alerts_the_nearest_level_above_that_has_some(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = await finished_draft(s, world, settings, "garbage", PLAIN_VILLAGE)  # 东林镇: nobody
        result = await intake.submit_draft(s, draft, settings, world.grid, NOW)
        await s.commit()
        assert result.cell_path[-1] == "东林东南村" and result.zone is None
        assert result.notified_cell_id == world.city
        assert await _notified(s, result.case_id) == {world.city_manager.id}


async def test_a_kept_point_the_grid_no_longer_holds_is_refused_and_the_list_decides(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        # as if the grid changed
        draft = await finished_draft(s, world, settings, "garbage", OUTSIDE)
        with pytest.raises(DraftError) as refused:
            await intake.submit_draft(s, draft, settings, world.grid, NOW)
        assert refused.value.reason == "outside_grid"
        await s.rollback()
        assert await s.scalar(select(func.count(Case.id))) == 0
        await s.refresh(world.reporter)
        draft = await finished_draft(s, world, settings, "garbage", OUTSIDE)
        await drafts.go_to(s, draft, ReportStep.PLACE_VILLAGE, NOW, source_id=world.source)
        await place.choose_village(s, draft, world.village, NOW)
        result = await intake.submit_draft(s, draft, settings, world.grid, NOW)
        await s.commit()
        assert (result.cell_id, result.water_source) == (world.village, "老虎潭水库")
        case = await s.get(Case, result.case_id)
        assert case is not None
        assert (case.lat, case.lon, case.place_source) == (None, None, "menu")


async def test_an_incomplete_draft_writes_nothing(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = await finished_draft(s, world, settings, "garbage", IN_GRADE1, photos=0)
        with pytest.raises(DraftError) as refused:
            await intake.submit_draft(s, draft, settings, world.grid, NOW)
        assert refused.value.values == {"missing": ["photos"]}
        await s.rollback()
        assert await s.scalar(select(func.count(Case.id))) == 0
        assert await s.scalar(select(func.count(Outbox.id))) == 0


async def test_case_numbers_follow_the_prefix_the_local_year_and_the_id(
    session_factory: SessionFactory, settings: Settings
) -> None:
    new_year_eve = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 01:00 on 1 Jan in Shanghai
    async with session_factory() as s:
        world = await build_world(s)
        first = await intake.submit_draft(
            s, await finished_draft(s, world, settings, "garbage", IN_GRADE1), settings,
            world.grid, NOW)
        second = await intake.submit_draft(
            s,
            await finished_draft(s, world, settings, "garbage", PLAIN_VILLAGE, when=new_year_eve),
            settings, world.grid, new_year_eve)
        await s.commit()
        assert first.number == f"HZ-2026-{first.case_id:06d}"
        assert second.number == f"HZ-2027-{second.case_id:06d}"


async def test_duplicates_are_found_by_place_and_category_or_by_a_similar_photo(
    session_factory: SessionFactory, settings: Settings
) -> None:
    rules = settings.cases
    find = duplicates.find_duplicates
    async with session_factory() as s:
        world = await build_world(s)
        first = await intake.submit_draft(
            s, await finished_draft(s, world, settings, "garbage", IN_GRADE1), settings,
            world.grid, NOW)
        await s.commit()
        lat, lon = IN_GRADE1
        near = lat + 0.001  # ~111 m north
        later = NOW + timedelta(days=1)
        found = await find(s, "garbage", near, lon, [], later, rules)
        assert [(d.number, d.photo_match) for d in found] == [(first.number, False)]
        assert found[0].distance_m is not None and 100 < found[0].distance_m < 125
        # another category, far away, or too late: not a duplicate
        assert await find(s, "outfall", near, lon, [], later, rules) == []
        assert await find(s, "garbage", lat + 0.01, lon, [], later, rules) == []
        too_late = NOW + rules.duplicate_window + timedelta(minutes=1)
        assert await find(s, "garbage", near, lon, [], too_late, rules) == []
        # a photo 3 bits away from one of the case's photos matches anywhere, any category
        photo_hash = facts(1).phash
        close = f"{int(photo_hash, 16) ^ 0b10101:016x}"
        far_away = await find(s, "outfall", 30.0, 119.0, [close], later, rules)
        assert [(d.number, d.photo_match) for d in far_away] == [(first.number, True)]
        distant = f"{int(photo_hash, 16) ^ 0xFFFF:016x}"
        assert await find(s, "outfall", 30.0, 119.0, [distant], later,
                                            rules) == []


async def test_adding_photos_to_an_existing_case_records_evidence_and_drops_the_draft(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        first = await intake.submit_draft(
            s, await finished_draft(s, world, settings, "garbage", IN_GRADE1), settings,
            world.grid, NOW)
        second = await finished_draft(s, world, settings, "garbage", IN_GRADE1, photos=3)
        case = await intake.attach_to_case(s, second, first.case_id, NOW)
        await s.commit()
        assert case.id == first.case_id
        photos = await s.scalar(select(func.count(Photo.id)).where(Photo.case_id == case.id))
        assert photos == 5
        kinds = [e.kind for e in await s.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]
        assert kinds == ["reported", "evidence_added"]
        assert await s.scalar(select(func.count(Case.id))) == 1
        assert await s.scalar(select(func.count(Draft.id))) == 0


async def test_inactive_managers_are_not_alerted(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        manager = await s.get(Member, world.village_manager.id)
        assert manager is not None and manager.role == Role.MANAGER
        manager.active = False
        result = await intake.submit_draft(
            s, await finished_draft(s, world, settings, "garbage", IN_GRADE1), settings,
            world.grid, NOW)
        await s.commit()
        assert await _notified(s, result.case_id) == {world.township_manager.id}


async def test_a_patrollers_report_counts_as_self_inspection(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        patroller = await s.get(Member, world.reporter.id)
        assert patroller is not None
        patroller.role = Role.PATROLLER
        result = await intake.submit_draft(
            s, await finished_draft(s, world, settings, "garbage", IN_GRADE1), settings,
            world.grid, NOW)
        await s.commit()
        case = await s.get(Case, result.case_id)
        assert case is not None and case.source == "self"
