"""The rules of a report's place (services.reports.place): a refused point is kept nowhere, a
point must lie in the village chosen from the list, and a village chosen from the list is no
point, for the case, the duplicate search and the ledger alike (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import shapely
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Draft, GridCell
from models.db import SessionFactory
from services.i18n import translator
from services.ledger import LedgerMode, build_workbook, load_ledger
from services.reports import DraftError, PlaceSource, ReportStep, drafts, duplicates, place
from services.settings import Settings
from services.workflow import intake
from tests.support.report_world import IN_GRADE1, OUTSIDE, PLAIN_VILLAGE, World, build_world, facts

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


async def _draft(s: AsyncSession, world: World, settings: Settings, seed: int = 1) -> Draft:
    draft = (await drafts.start_draft(s, world.reporter, "1001", NOW, settings.cases,
                                      restart=True)).draft
    category = settings.category("garbage")
    assert category is not None
    await drafts.set_category(s, draft, category, NOW)
    await drafts.add_photo(s, draft, facts(seed), f"p{seed}.jpg", NOW, settings.cases)
    return draft


async def _chosen(s: AsyncSession, world: World, draft: Draft) -> None:
    await drafts.go_to(s, draft, ReportStep.PLACE_VILLAGE, NOW, source_id=world.source)
    await place.choose_village(s, draft, world.village, NOW)


async def test_a_point_outside_every_cell_is_refused_and_nothing_of_it_kept(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = await _draft(s, world, settings)
        with pytest.raises(DraftError) as refused:
            await place.accept_point(s, draft, *OUTSIDE, PlaceSource.EXIF, world.grid, NOW)
        assert refused.value.reason == "outside_grid"
        assert (draft.lat, draft.lon, draft.place_source) == (None, None, None)
        assert drafts.missing_answers(draft, 1) == [ReportStep.PLACE]


async def test_a_point_must_lie_in_the_village_chosen_from_the_list(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = await _draft(s, world, settings)
        await _chosen(s, world, draft)
        with pytest.raises(DraftError) as refused:
            await place.accept_point(s, draft, *PLAIN_VILLAGE, PlaceSource.TYPED, world.grid, NOW)
        assert refused.value.reason == "outside_chosen"
        assert (refused.value.values["cell"], refused.value.values["found"]) == (
            "妙西东北村", "东林东南村")
        assert (draft.lat, draft.place_source, draft.chosen_cell_id) == (
            None, "menu", world.village)  # the list choice stands
        await place.accept_point(s, draft, *IN_GRADE1, PlaceSource.LOCATION, world.grid, NOW)
        assert (draft.lat, draft.lon, draft.place_source) == (*IN_GRADE1, "location")
        result = await intake.submit_draft(s, draft, settings, world.grid, NOW)
        case = await s.get(Case, result.case_id)
        assert case is not None
        assert (case.lat, case.place_source, case.zone, case.cell_id) == (
            IN_GRADE1[0], "location", "grade1", world.village)


async def test_a_village_chosen_from_the_list_replaces_a_point_and_files_without_one(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = await _draft(s, world, settings)
        await place.accept_point(s, draft, *PLAIN_VILLAGE, PlaceSource.TYPED, world.grid, NOW)
        await _chosen(s, world, draft)
        assert (draft.lat, draft.lon, draft.place_source) == (None, None, "menu")
        result = await intake.submit_draft(s, draft, settings, world.grid, NOW)
        case = await s.get(Case, result.case_id)
        assert case is not None
        assert (case.lat, case.lon, case.place_source, case.cell_id, case.zone) == (
            None, None, "menu", world.village, None)
        shown = await place.case_place(s, case)
        village = await s.get(GridCell, world.village)
        assert village is not None and shown.from_list and shown.chosen == "妙西东北村"
        assert shown.approximate is not None
        lat, lon = shown.approximate
        assert shapely.from_wkt(village.boundary_wkt).covers(shapely.Point(lon, lat))


async def test_duplicates_of_a_village_chosen_from_the_list_claim_no_distance(
    session_factory: SessionFactory, settings: Settings
) -> None:
    rules = settings.cases
    later = NOW + timedelta(hours=1)
    async with session_factory() as s:
        world = await build_world(s)
        first = await _draft(s, world, settings, seed=1)
        await _chosen(s, world, first)
        listed = await intake.submit_draft(s, first, settings, world.grid, NOW)
        second = await _draft(s, world, settings, seed=2)
        await _chosen(s, world, second)
        [same] = await intake.duplicates_of(s, second, world.grid, later, rules)
        assert (same.number, same.distance_m, same.village) == (listed.number, None, "妙西东北村")
        # a measured report in that village is offered the listed case, with no distance
        await place.accept_point(s, second, *IN_GRADE1, PlaceSource.LOCATION, world.grid, later)
        [same] = await intake.duplicates_of(s, second, world.grid, later, rules)
        assert (same.number, same.distance_m) == (listed.number, None)
        # elsewhere, nothing: the village's inner point is not a place to measure from
        assert await duplicates.find_duplicates(s, "garbage", *PLAIN_VILLAGE, [], later,
                                                rules) == []


async def test_the_ledger_says_a_place_was_chosen_from_the_list(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = await _draft(s, world, settings)
        await _chosen(s, world, draft)
        result = await intake.submit_draft(s, draft, settings, world.grid, NOW)
        await s.commit()
        ledger = await load_ledger(s, None, NOW, ZoneInfo("Asia/Shanghai"), LedgerMode.ALL)
    book = load_workbook(BytesIO(build_workbook(ledger, translator("zh_CN"), settings)))
    rows = [list(r) for ws in book.worksheets for r in ws.iter_rows(values_only=True)]
    [row] = [r for r in rows if result.number in r]
    assert "按列表选择 妙西东北村" in row
    assert not any(isinstance(v, str) and v.startswith("30.") for v in row)
