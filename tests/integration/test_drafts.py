"""Drafts: every answer saved at once, one open draft per reporter, limits, and expiry."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Case, Draft, Outbox, Photo, Severity
from models.db import SessionFactory
from services.reports import DraftError, PlaceSource, ReportStep, drafts, place
from services.settings import Settings
from tests.support.report_world import IN_GRADE1, build_world, facts

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


async def test_answers_survive_a_new_session_and_reopening_resumes_the_same_draft(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        started = await drafts.start_draft(s, world.reporter, "1001", NOW, settings.cases)
        assert not started.resumed and started.draft.step == ReportStep.CATEGORY
        category = settings.category("outfall")
        assert category is not None
        await drafts.set_category(s, started.draft, category, NOW)
        await drafts.add_photo(s, started.draft, facts(1), "ab/cd.jpg", NOW, settings.cases,
                               file_id="F1")
        await place.accept_point(s, started.draft, *IN_GRADE1, PlaceSource.LOCATION, world.grid,
                                 NOW)
        await drafts.go_to(s, started.draft, ReportStep.DESCRIPTION, NOW)
        await s.commit()
    async with session_factory() as s:
        again = await drafts.start_draft(s, world.reporter, "1001", NOW, settings.cases)
        assert again.resumed
        draft = again.draft
        assert (draft.step, draft.category, draft.severity) == ("description", "outfall", "high")
        assert (draft.lat, draft.lon, draft.place_source) == (*IN_GRADE1, "location")
        photos = await drafts.draft_photos(s, draft.id)
        assert [p.platform_file_id for p in photos] == ["F1"]


async def test_starting_over_drops_the_old_draft_and_its_photos(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        old = (await drafts.start_draft(s, world.reporter, "1001", NOW, settings.cases)).draft
        category = settings.category("garbage")
        assert category is not None
        await drafts.set_category(s, old, category, NOW)
        await drafts.add_photo(s, old, facts(1), "x.jpg", NOW, settings.cases)
        old_token = drafts.draft_token(old)
        new = await drafts.start_draft(s, world.reporter, "1001", NOW, settings.cases,
                                       restart=True)
        await s.commit()
        assert not new.resumed and new.draft.category is None
        assert drafts.draft_token(new.draft) != old_token
        assert await s.scalar(select(func.count(Draft.id))) == 1
        assert await s.scalar(select(func.count(Photo.id))) == 0


async def test_an_eleventh_photo_is_refused_and_ten_stay(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = (await drafts.start_draft(s, world.reporter, "1001", NOW, settings.cases)).draft
        for n in range(settings.cases.max_photos):
            await drafts.add_photo(s, draft, facts(n), f"{n}.jpg", NOW, settings.cases)
        with pytest.raises(DraftError) as refused:
            await drafts.add_photo(s, draft, facts(99), "99.jpg", NOW, settings.cases)
        assert refused.value.reason == "too_many_photos"
        await s.commit()
        assert await drafts.photo_count(s, draft.id) == 10


async def test_a_description_past_the_limit_is_refused_and_the_old_one_kept(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = (await drafts.start_draft(s, world.reporter, "1001", NOW, settings.cases)).draft
        await drafts.set_description(s, draft, "  pipe at the dam  ", NOW, settings.cases)
        with pytest.raises(DraftError) as refused:
            await drafts.set_description(s, draft, "x" * 5000, NOW, settings.cases)
        assert refused.value.values == {"limit": 1000, "length": 5000}
        await s.commit()
    async with session_factory() as s:
        loaded = await s.get(Draft, draft.id)
        assert loaded is not None and loaded.description == "pipe at the dam"


async def test_past_the_hourly_limit_no_new_draft_is_opened(
    session_factory: SessionFactory, settings: Settings
) -> None:
    rules = dataclasses.replace(settings.cases, reports_per_hour=2)
    async with session_factory() as s:
        world = await build_world(s)
        for n, age in enumerate((timedelta(minutes=10), timedelta(minutes=50))):
            s.add(Case(number=f"HZ-T-{n}", category="garbage", severity="medium", lat=30.0,
                       lon=120.0, origin_cell_id=world.village, cell_id=world.village,
                       reporter_id=world.reporter.id, created_at=NOW - age))
        await s.flush()
        with pytest.raises(DraftError) as refused:
            await drafts.start_draft(s, world.reporter, "1001", NOW, rules)
        assert refused.value.reason == "rate_limited"
        assert await s.scalar(select(func.count(Draft.id))) == 0
        # an hour later the older report no longer counts
        later = NOW + timedelta(minutes=15)
        started = await drafts.start_draft(s, world.reporter, "1001", later, rules)
        assert not started.resumed


async def test_untouched_drafts_expire_with_a_message_and_fresh_ones_stay(
    session_factory: SessionFactory, settings: Settings
) -> None:
    ttl = settings.cases.draft_ttl
    async with session_factory() as s:
        world = await build_world(s)
        stale = (await drafts.start_draft(s, world.reporter, "1001", NOW - ttl - timedelta(
            minutes=1), settings.cases)).draft
        await drafts.add_photo(s, stale, facts(1), "1.jpg", NOW - ttl - timedelta(minutes=1),
                               settings.cases)
        fresh = (await drafts.start_draft(s, world.village_manager, "2001",
                                          NOW - timedelta(hours=1), settings.cases)).draft
        expired = await drafts.expire_drafts(s, NOW, ttl)
        await s.commit()
        assert [(e.draft_id, e.photo_count) for e in expired] == [(stale.id, 1)]
        assert [d.id for d in await s.scalars(select(Draft))] == [fresh.id]
        assert await s.scalar(select(func.count(Photo.id))) == 0
        notice = (await s.scalars(select(Outbox))).one()
        assert (notice.kind, notice.chat_id, notice.recipient_id) == (
            "draft_expired", "1001", world.reporter.id)


async def test_the_category_sets_the_default_severity_unless_one_was_chosen(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory() as s:
        world = await build_world(s)
        draft = (await drafts.start_draft(s, world.reporter, "1001", NOW, settings.cases)).draft
        garbage, spill = settings.category("garbage"), settings.category("spill")
        assert garbage is not None and spill is not None
        await drafts.set_category(s, draft, garbage, NOW)
        assert draft.severity == Severity.MEDIUM
        await drafts.set_category(s, draft, spill, NOW)
        assert draft.severity == Severity.URGENT
        await drafts.set_severity(s, draft, Severity.LOW, NOW)
        await drafts.set_category(s, draft, garbage, NOW)
        assert draft.severity == Severity.LOW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30.87, 120.09", (30.87, 120.09)),
        ("30.87 120.09", (30.87, 120.09)),
        ("30.87，120.09", (30.87, 120.09)),
        ("-33.9;18.4", (-33.9, 18.4)),
        ("30.87", None),
        ("north of the dam", None),
        ("95, 120", None),
        ("30, 190", None),
        ("nan, 120", None),
        ("1, 2, 3", None),
    ],
)
def test_typed_coordinates_parse_only_when_they_are_a_place(
    text: str, expected: tuple[float, float] | None
) -> None:
    assert drafts.parse_coordinates(text) == expected


def test_back_leads_to_the_previous_question_and_edits_return_to_the_summary() -> None:
    assert drafts.previous_step(ReportStep.CATEGORY) is None
    assert drafts.previous_step(ReportStep.PLACE) == ReportStep.PHOTOS
    assert drafts.previous_step(ReportStep.PLACE_VILLAGE) == ReportStep.PLACE
    assert drafts.previous_step(ReportStep.SUMMARY) == ReportStep.SEVERITY
    draft = Draft(step=ReportStep.PLACE, extra={})
    assert drafts.following_step(draft, ReportStep.PLACE_VILLAGE) == ReportStep.DESCRIPTION
    draft.extra = {"editing": True}
    assert drafts.following_step(draft, ReportStep.PLACE_VILLAGE) == ReportStep.SUMMARY
