"""The daily digest and the fortnightly summary agree with the rows the test wrote."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import OPEN_STATES, Case, CaseState, Member, Outbox, Role, SupervisionOrder
from models.db import SessionFactory
from services.digests import (
    Digest,
    digest_for,
    digest_round,
    digest_text,
    queue_digests,
    split_message,
    summaries_due,
)
from services.figures import Figures
from services.i18n import translator
from services.settings import Settings
from tests.support.deadlines_world import NOW, World, build_world, linked_leader, member, new_case

TZ = ZoneInfo("Asia/Shanghai")
DAY_END = NOW.replace(hour=16)  # midnight in Shanghai, in UTC
CATEGORIES = ("garbage", "outfall", "livestock")


@pytest.fixture
async def world(sessions: SessionFactory) -> World:
    async with sessions() as session:
        world = await build_world(session)
        rng = random.Random(7)
        cells = [world.village, world.village2, world.township, world.village3, world.county]
        others = [world.volunteer.id, world.township_manager.id, None]
        for _ in range(160):
            state = rng.choice(list(CaseState))
            created = NOW - timedelta(hours=rng.uniform(0.5, 72))
            case = new_case(
                world, rng.choice(cells), state=state, category=rng.choice(CATEGORIES),
                created_at=created, due_at=NOW + timedelta(hours=rng.uniform(-72, 30)),
                reporter_id=rng.choice(others),
                assignee_id=rng.choice([None, world.village_manager.id]),
            )
            if state == CaseState.CLOSED:
                case.closed_at = NOW - timedelta(hours=rng.uniform(0.1, 48))
            session.add(case)
        await session.commit()
        return world


def expected(cases: list[Case]) -> tuple[Figures, Counter[str], dict[str, Figures]]:
    """The digest's figures, computed case by case in Python."""
    totals, by_state, by_category = Figures(), Counter[str](), dict[str, Figures]()
    for c in cases:
        is_open = c.state in OPEN_STATES
        f = Figures(
            new=int(c.created_at >= NOW - timedelta(hours=24)),
            open=int(is_open),
            due_today=int(is_open and c.due_at is not None and NOW <= c.due_at < DAY_END),
            overdue=int(is_open and c.due_at is not None and c.due_at < NOW),
            closed=int(c.state == CaseState.CLOSED and c.closed_at is not None
                       and c.closed_at >= NOW - timedelta(hours=24)),
        )
        if f.empty():
            continue
        totals.add(f)
        by_category.setdefault(c.category, Figures()).add(f)
        if is_open:
            by_state[c.state] += 1
    return totals, by_state, by_category


async def _cases(sessions: SessionFactory, *cell_ids: int) -> list[Case]:
    async with sessions() as session:
        return list(await session.scalars(select(Case).where(Case.cell_id.in_(cell_ids))))


async def test_a_township_managers_digest_matches_the_rows_in_zh_and_en(
    sessions: SessionFactory, world: World, settings: Settings
) -> None:
    cases = await _cases(sessions, world.township.id, world.village.id, world.village2.id)
    totals, by_state, by_category = expected(cases)
    assert totals.overdue > 0 and totals.closed > 0 and totals.due_today > 0  # a real test
    async with sessions() as session:
        digest = await digest_for(session, world.township_manager, NOW, TZ)
        everyone = list(await session.scalars(select(Member)))
        round_ = {d.member_id: d for d in await digest_round(session, everyone, NOW, TZ)}
    assert digest is not None
    assert digest.totals == totals
    assert digest.by_state == dict(by_state)
    assert digest.by_category == by_category
    assert digest.rows == []  # a township gets no table
    late = sorted((c for c in cases if c.state in OPEN_STATES and c.due_at and c.due_at < NOW),
                  key=lambda c: (c.due_at, c.id))
    assert [line.number for line in digest.overdue] == [c.number for c in late][:30]
    assert digest.overdue[0].days_late == (NOW - late[0].due_at).days  # type: ignore[operator]
    assert round_[world.township_manager.id] == digest  # the round agrees with the single query

    en = digest_text(digest, translator("en"), settings)
    assert (f"New (24 h): {totals.new} · Open: {totals.open} · Due today: {totals.due_today} · "
            f"Overdue: {totals.overdue} · Closed (24 h): {totals.closed}") in en.splitlines()
    assert f"Dumped garbage: new {by_category['garbage'].new}" in en
    zh = digest_text(digest, translator("zh_CN"), settings)
    assert (f"新增（24小时）：{totals.new} · 未办结：{totals.open} · 今日到期：{totals.due_today}"
            f" · 已逾期：{totals.overdue} · 办结（24小时）：{totals.closed}") in zh.splitlines()
    assert f"垃圾堆放：新增 {by_category['garbage'].new}，" in zh
    assert zh.splitlines()[0] == "<b>Miaoxi每日简报（2026-11-20）</b>"
    assert Digest.from_payload(digest.to_payload()) == digest


async def test_a_county_manager_gets_a_table_by_township(
    sessions: SessionFactory, world: World, settings: Settings
) -> None:
    async with sessions() as session:
        digest = await digest_for(session, world.county_manager, NOW, TZ)
    assert digest is not None and digest.rows_level == "township"
    rows = dict(digest.rows)
    first = await _cases(sessions, world.township.id, world.village.id, world.village2.id)
    second = await _cases(sessions, world.village3.id)
    assert rows == {"Miaoxi": expected(first)[0], "Donglin": expected(second)[0]}
    everything = await _cases(sessions, world.county.id, world.township.id, world.village.id,
                              world.village2.id, world.village3.id)
    assert digest.totals == expected(everything)[0]
    assert "<b>By township</b>" in digest_text(digest, translator("en"), settings)


async def test_volunteers_hear_of_their_own_cases_and_the_idle_hear_nothing(
    sessions: SessionFactory, world: World
) -> None:
    async with sessions() as session:
        mine = list(await session.scalars(
            select(Case).where(Case.reporter_id == world.volunteer.id)))
        idle = member("Idle", Role.MANAGER, None)
        quiet = member("Quiet volunteer", Role.VOLUNTEER, None)
        session.add_all([idle, quiet])
        await session.commit()
        digest = await digest_for(session, world.volunteer, NOW, TZ)
        assert digest is not None and digest.scope == ""
        assert digest.totals == expected(mine)[0]
        assert digest.overdue == []
        assert await digest_for(session, quiet, NOW, TZ) is None
        assert await digest_for(session, idle, NOW, TZ) is None
        members = [world.volunteer, quiet, idle]
        assert [d.member_id for d in await digest_round(session, members, NOW, TZ)] == [
            world.volunteer.id]


async def test_digests_are_queued_once_a_day(
    sessions: SessionFactory, world: World, settings: Settings
) -> None:
    async with sessions() as session:
        daily, _ = await queue_digests(session, settings, NOW)
        await session.commit()
        again, _ = await queue_digests(session, settings, NOW + timedelta(hours=1))
        await session.commit()
        rows = list(await session.scalars(select(Outbox).where(Outbox.kind == "digest")))
    assert daily == again > 0
    assert len({r.recipient_id for r in rows}) == daily
    assert all(r.payload["part"] < r.payload["parts"] for r in rows)
    assert {r.recipient_id for r in rows if r.payload["part"] == 0} == {
        r.recipient_id for r in rows}


async def test_the_fortnightly_summary_shows_the_change_since_the_last(
    sessions: SessionFactory, world: World, settings: Settings
) -> None:
    async with sessions() as session:
        first = await summaries_due(session, [world.leader, world.village_manager], NOW, TZ)
        await session.commit()
        assert [s.member_id for s in first] == [world.leader.id] and first[0].previous is None
        assert await summaries_due(session, [world.leader], NOW + timedelta(days=3), TZ) == []
        session.add(new_case(world, world.village, created_at=NOW + timedelta(days=10),
                             due_at=NOW + timedelta(days=20)))
        await session.commit()
        later = NOW + timedelta(days=15)
        second = await summaries_due(session, [world.leader], later, TZ)
    assert len(second) == 1 and second[0].previous == first[0].totals
    assert second[0].totals.new == 1
    text = digest_text(second[0], translator("en"), settings)
    change = second[0].totals.new - first[0].totals.new
    assert f"Change since the last summary: new {change:+d}" in text.replace("+0", "0")


def test_split_message_keeps_lines_whole_and_under_the_limit() -> None:
    rng = random.Random(3)
    words = ["水源地", "overdue", "🚰", "HZ-2026-000123", "<b>逾期</b>"]
    for _ in range(30):
        lines = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 120)))
                 for _ in range(rng.randint(1, 400))]
        text = "\n".join(lines)
        parts = split_message(text)
        assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
        assert "\n".join(parts) == text  # nothing lost, every cut at a line break
    assert split_message("short") == ["short"]
    long_line = "界" * 5000
    assert [len(p) for p in split_message(long_line)] == [4096, 904]
    emoji = "🚰" * 3000  # two UTF-16 units each
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in split_message(emoji))


async def test_a_linked_leaders_digest_and_summary_count_their_source_whole_once(
    sessions: SessionFactory, world: World
) -> None:
    """Donglin's leader is linked to a water source whose cases lie in three villages, two of
    them in Miaoxi: the digest (the round and the single one) and the fortnightly summary
    count Donglin's cases and those three, the Donglin one once, its lateness listed."""
    async with sessions() as session:
        leader, spread = await linked_leader(session, world)
        on_source = [new_case(world, cell, state=CaseState.ACCEPTED, water_source_id=spread.id,
                              created_at=NOW - timedelta(hours=30),
                              due_at=NOW - timedelta(days=2, hours=1))
                     for cell in (world.village, world.village2, world.village3)]
        session.add_all(on_source)
        await session.commit()
        numbers = {c.number for c in on_source}
        ids = {c.id for c in on_source}
    mine = await _cases(sessions, world.township2.id, world.village3.id)
    elsewhere = [c for c in await _cases(sessions, world.village.id, world.village2.id)
                 if c.id in ids]
    assert len(elsewhere) == 2 and len([c for c in mine if c.id in ids]) == 1
    totals, by_state, _ = expected([*mine, *elsewhere])
    async with sessions() as session:
        one = await digest_for(session, leader, NOW, TZ)
        (round_,) = await digest_round(session, [leader], NOW, TZ)
        (summary,) = await summaries_due(session, [leader], NOW, TZ)
    assert one is not None and one == round_
    assert one.totals == totals and one.by_state == dict(by_state)
    listed = [line.number for line in one.overdue]
    assert numbers <= set(listed) and len(listed) == len(set(listed))
    assert summary.totals.open == totals.open  # the same cases over the fortnight


async def test_the_summary_goes_over_the_red_and_overdue_cases_and_the_open_orders(
    sessions: SessionFactory, world: World, settings: Settings
) -> None:
    """What the fortnightly meeting (每半月例会) goes over: red and overdue cases with their
    owners and days late, and the supervision orders still open."""
    async with sessions() as session:
        late = new_case(world, world.village, due_at=NOW - timedelta(days=4, hours=1),
                        assignee_id=world.village_manager.id)
        red = new_case(world, world.village2, due_at=NOW + timedelta(days=1),
                       escalation_level=3)
        calm = new_case(world, world.village3, due_at=NOW + timedelta(days=1))
        session.add_all([late, red, calm])
        await session.flush()
        for case, state in ((late, "issued"), (red, "acknowledged"), (calm, "resolved")):
            session.add(SupervisionOrder(number=f"O-{case.number}", case_id=case.id,
                                         target_cell_id=case.cell_id, demand="", state=state,
                                         deadline=NOW + timedelta(days=2), issued_at=NOW))
        await session.commit()
        (summary,) = await summaries_due(session, [world.leader], NOW, TZ)
        await session.commit()
    text = digest_text(Digest.from_payload(summary.to_payload()), translator("en"), settings)
    assert "Red cases, then the overdue, longest overdue first" in text
    assert f"{late.number} · Northeast · owner: Village manager · 4 days late" in text
    assert f"🔴 {red.number} · Southwest · owner: no one assigned · before its deadline" in text
    assert calm.number not in text
    assert "Supervision orders still open: 2" in text and "/meeting" in text
    assert f"O-{late.number} · case {late.number} · Northeast · before its deadline" in text
    assert f"O-{calm.number}" not in text
