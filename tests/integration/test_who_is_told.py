"""README.md's table "Who is told" is true: every event in it is run here on the demo grid (a
township with a group chat, two village managers and a patroller, managers up to the city, a
supervisor and the linked leader), and what it queues is its row's notices, to the people
named below. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    CaseEvent,
    ExtensionRequest,
    GroupBinding,
    Member,
    Outbox,
    Photo,
    Role,
    Stage,
)
from models.db import SessionFactory
from services import workflow
from services.deadlines import extensions, start_stage, sweep
from services.members import KICKED, mark_unreachable
from services.orders import issue_order_by
from services.settings import Settings
from services.workflow import intake
from tests.support.deadlines_world import seconds_settings
from tests.support.report_world import IN_GRADE1, World, build_world, finished_draft

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
GROUP = "-100500"  # the township's group chat
V1, V2, PATROLLER = "Village manager", "Village manager 2", "Patroller"
TOWNSHIP, COUNTY, CITY = "Township manager", "County manager", "City manager"
REPORTER, LEADER, SUPERVISOR = "Reporter <b>", "Leader", "Supervisor"
REFRESH_KIND = "card_refresh"  # services.notices.card_refresh: a posted card brought up to date


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Every stage allowed 100 s, so the sweep can be run past a deadline."""
    return seconds_settings(db_url, tmp_path, seconds=100)


def readme_table() -> dict[str, set[str]]:
    """event -> the notice kinds its row names."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Who is told", 1)[1]
    rows = [line for line in section.split("\n## ", 1)[0].splitlines()
            if line.startswith("| ") and not line.startswith("| event")]
    table = {}
    for line in rows:
        event, _who, notices = (cell.strip() for cell in line.strip().strip("|").split("|"))
        table[event] = set(re.findall(r"`([a-z_]+)`", notices))
    return table


class Run:
    """The world, cases made in any state, and what each event queued after `begin`."""

    def __init__(self, sessions: SessionFactory, settings: Settings, world: World,
                 people: dict[str, int]) -> None:
        self.sessions, self.settings, self.world, self.people = sessions, settings, world, people
        self.mark = 0

    async def begin(self) -> None:
        """What is queued from now on is the event's."""
        async with self.sessions() as s:
            self.mark = await s.scalar(select(func.max(Outbox.id))) or 0

    async def member(self, s: AsyncSession, name: str) -> Member:
        found = await s.get(Member, self.people[name])
        assert found is not None
        return found

    async def case(self, state: str, *, at: str = "village", assignee: str | None = None,
                   fixer: str | None = None, stage: Stage | None = None) -> int:
        """A case of the reporter's at the village (or `at` the township, come from the
        village), with its assignee, who claimed its fix, and the deadline of `stage`."""
        cell = self.world.village if at == "village" else self.world.township
        async with self.sessions() as s:
            count = await s.scalar(select(func.count(Case.id)))
            case = Case(number=f"HZ-W-{count:04d}", category="garbage", severity="medium",
                        lat=IN_GRADE1[0], lon=IN_GRADE1[1], origin_cell_id=self.world.village,
                        cell_id=cell, water_source_id=self.world.source, state=state,
                        reporter_id=self.people[REPORTER], created_at=NOW,
                        assignee_id=self.people[assignee] if assignee else None)
            if stage is not None:
                start_stage(case, stage, self.settings, NOW)
            s.add(case)
            await s.flush()
            for kind, who in (("fix_claimed", fixer), ("closed", TOWNSHIP if state == "closed"
                                                       else None)):
                if who:
                    s.add(CaseEvent(case_id=case.id, actor_id=self.people[who], kind=kind,
                                    at=NOW))
            await s.commit()
            return case.id

    async def act(self, case_id: int, work: Callable[[AsyncSession, int], Awaitable[Any]]
                  ) -> list[int]:
        """`work` on the case in a session of its own (committed), after `begin`."""
        await self.begin()
        async with self.sessions() as s:
            outcome = await work(s, case_id)
            assert getattr(outcome, "ok", True), outcome
            await s.commit()
        return [case_id]

    def step(self, name: str, actor: str, *args: Any, **kwargs: Any
             ) -> Callable[[AsyncSession, int], Awaitable[Any]]:
        """A transition of services.workflow by `actor`, at NOW."""
        async def work(s: AsyncSession, case_id: int) -> Any:
            return await getattr(workflow, name)(s, self.settings, case_id, self.people[actor],
                                                 NOW, *args, **kwargs)
        return work

    def by(self, fn: Callable[..., Awaitable[Any]], actor: str
           ) -> Callable[[AsyncSession, int], Awaitable[Any]]:
        """A service taking (session, settings, case id, member, now)."""
        async def work(s: AsyncSession, case_id: int) -> Any:
            return await fn(s, self.settings, case_id, await self.member(s, actor), NOW)
        return work

    async def sweep(self, seconds: float) -> None:
        await sweep(self.sessions, self.settings, NOW + timedelta(seconds=seconds))


Event = Callable[[Run], Awaitable[list[int]]]


async def filed(run: Run) -> list[int]:
    await run.begin()
    async with run.sessions() as s:
        draft = await finished_draft(s, run.world, run.settings, "garbage", IN_GRADE1, when=NOW)
        result = await intake.submit_draft(s, draft, run.settings, run.world.grid, NOW)
        await s.commit()
    return [result.case_id]


async def dispatched(run: Run) -> list[int]:
    case_id = await run.case("accepted", at="township")
    code = "330502100004"
    return await run.act(case_id, run.step("dispatch", TOWNSHIP, cell_code=code))


async def claimed(run: Run) -> list[int]:
    case_id = await run.case("rectifying", assignee=V1, stage=Stage.RECTIFY)

    async def work(s: AsyncSession, case_id: int) -> Any:
        photo = Photo(uploaded_by_id=run.people[V1], sha256="a" * 64, stored_path="x",
                      size_bytes=1, width=1, height=1, mime="image/jpeg", phash="0" * 16)
        s.add(photo)
        await s.flush()
        return await run.step("claim_fix", V1, photo_ids=[photo.id])(s, case_id)
    return await run.act(case_id, work)


async def merged(run: Run) -> list[int]:
    target = await run.case("accepted")
    duplicate = await run.case("submitted")
    async with run.sessions() as s:
        number = (await s.get(Case, target)).number  # type: ignore[union-attr]
    return await run.act(duplicate, run.step("merge", V1, into=number))


async def reminded(run: Run) -> list[int]:
    case_id = await run.case("submitted", stage=Stage.ACCEPT)
    await run.begin()
    await run.sweep(60)  # past half of its 100 s
    return [case_id]


async def escalated(run: Run) -> list[int]:
    case_id = await run.case("submitted", stage=Stage.ACCEPT)
    await run.begin()
    await run.sweep(101)  # its deadline missed: up to the township
    return [case_id]


async def ordered(run: Run) -> list[int]:
    case_id = (await escalated(run))[0]
    await run.begin()
    await run.sweep(202)  # missed again at the township: up to the county, with an order
    return [case_id]


async def more_time(run: Run, decide: bool) -> list[int]:
    case_id = await run.case("rectifying", assignee=V1, stage=Stage.RECTIFY)

    async def ask(s: AsyncSession, case_id: int) -> Any:
        return await extensions.request_extension(s, run.settings, case_id,
                                                  await run.member(s, V1), "rain",
                                                  NOW + timedelta(days=9), NOW)

    async def answer(s: AsyncSession, case_id: int) -> Any:
        request = await s.scalar(select(ExtensionRequest.id).where(
            ExtensionRequest.case_id == case_id))
        assert request is not None
        return await extensions.decide_extension(s, run.settings, request,
                                                 await run.member(s, TOWNSHIP), True, NOW)
    await run.act(case_id, ask)
    return await run.act(case_id, answer) if decide else [case_id]


async def any_move(run: Run) -> list[int]:
    """A case whose alert is already in a manager's chat, accepted: the alert is edited."""
    case_id = await run.case("submitted")
    async with run.sessions() as s:
        s.add(Outbox(kind="case_new", chat_id=str(run.people[V2]), recipient_id=run.people[V2],
                     case_id=case_id, payload={"case_id": case_id}, state="sent",
                     result={"done": 1, "message_ids": [41]}))
        await s.commit()
    return await run.act(case_id, run.step("accept", V1))


async def unreachable(run: Run) -> list[int]:
    """V1 holds a case and blocks the bot: the other village manager is handed it."""
    case_id = await run.case("accepted", assignee=V1)

    async def work(s: AsyncSession, _case_id: int) -> Any:
        return await mark_unreachable(s, await run.member(s, V1), KICKED, NOW)
    await run.act(case_id, work)
    async with run.sessions() as s:  # the next events find V1 as they were
        (await run.member(s, V1)).active = True
        await s.commit()
    return [case_id]


async def _case_then(run: Run, state: str, work: Callable[[Run], Any], **case: Any
                     ) -> list[int]:
    return await run.act(await run.case(state, **case), work(run))


EVENTS: dict[str, tuple[Event, set[tuple[str, str]]]] = {
    "report filed (上报)": (filed, {("case_new", V1), ("case_new", V2), ("group_case", "group")}),
    "accepted (受理)": (lambda r: _case_then(r, "submitted", lambda r: r.step("accept", V1)),
                      {("case_accepted", REPORTER)}),
    "dispatched (派遣)": (dispatched, {("case_dispatched", V1), ("case_dispatched", V2),
                                     ("report_news", REPORTER), ("group_case", "group")}),
    "plan set (一点一策)": (lambda r: _case_then(r, "accepted", lambda r: r.step(
        "plan", V1, workflow.Plan("t", "s", "o", NOW + timedelta(days=9)))), set()),
    "fix claimed": (claimed, {("case_rectified", REPORTER), ("case_check", V2),
                              ("case_check", PATROLLER), ("case_check", TOWNSHIP)}),
    "check passed (核查)": (lambda r: _case_then(r, "rectified", lambda r: r.step(
        "check", TOWNSHIP), assignee=V1, fixer=V1), {("case_news", V1)}),
    "check failed, sent back": (lambda r: _case_then(r, "rectified", lambda r: r.step(
        "send_back", TOWNSHIP, "still there"), assignee=V1, fixer=V1),
        {("case_sent_back", V1)}),
    "struck off (销号)": (lambda r: _case_then(r, "checked", lambda r: r.step(
        "close", TOWNSHIP), assignee=V1, fixer=V1),
        {("case_closed", REPORTER), ("case_news", V1)}),
    "rejected": (lambda r: _case_then(r, "dispatched", lambda r: r.step(
        "reject", V1, "not at a source"), assignee=V2),
        {("case_rejected", REPORTER), ("case_news", V2)}),
    "rerouted": (lambda r: _case_then(r, "submitted", lambda r: r.step(
        "reroute", V1, cell_code="330502100001", reason="not ours")),
        {("case_new", TOWNSHIP), ("case_news", V2), ("group_case", "group")}),
    "merged (a duplicate)": (merged, {("case_merged", REPORTER), ("case_news", V2)}),
    "reopened by a manager": (lambda r: _case_then(r, "closed", lambda r: r.step(
        "reopen", V1, "it came back"), assignee=PATROLLER, fixer=PATROLLER),
        {("case_reopened", V2), ("case_reopened", PATROLLER)}),
    "reporter: not fixed": (lambda r: _case_then(r, "closed", lambda r: r.step(
        "answer_fixed", REPORTER, fixed=False), assignee=V1, fixer=V1),
        {("case_reopened", TOWNSHIP), ("case_news", V1)}),
    "reporter: fixed": (lambda r: _case_then(r, "closed", lambda r: r.step(
        "answer_fixed", REPORTER, fixed=True)), set()),
    "reminder (50 %, 90 %)": (reminded, {("reminder", V1), ("reminder", V2)}),
    "deadline missed (escalated)": (escalated, {
        ("escalated", TOWNSHIP), ("escalated", "group"), ("case_news", V1), ("case_news", V2),
        ("report_news", REPORTER)}),
    "deadline missed again: supervision order (督办单)": (ordered, {
        ("escalated", COUNTY), ("escalated", LEADER), ("case_news", TOWNSHIP),
        ("report_news", REPORTER), ("supervision_order", COUNTY),
        ("supervision_order", LEADER)}),
    "supervision order issued by hand": (lambda r: _case_then(r, "accepted", lambda r: r.by(
        issue_order_by, SUPERVISOR), at="township"),
        {("supervision_order", TOWNSHIP), ("supervision_order", "group")}),
    "supervision order acknowledged": (lambda r: _case_then(r, "accepted", lambda r: r.by(
        acknowledge_first, TOWNSHIP), at="township"), set()),
    "supervision order answered (落实情况)": (lambda r: _case_then(
        r, "accepted", lambda r: order_then(r, "answered"), at="township"),
        {("supervision_order", SUPERVISOR)}),
    "supervision order answer sent back": (lambda r: _case_then(
        r, "accepted", lambda r: order_then(r, "returned"), at="township"),
        {("supervision_order", TOWNSHIP)}),
    "supervision order answer accepted": (lambda r: _case_then(
        r, "accepted", lambda r: order_then(r, "accepted"), at="township"),
        {("supervision_order", TOWNSHIP)}),
    "more time asked": (lambda r: more_time(r, False),
                        {("extension_requested", TOWNSHIP), ("extension_requested", LEADER)}),
    "more time decided": (lambda r: more_time(r, True), {("extension_decided", V1)}),
    "taken over": (lambda r: _case_then(r, "accepted", lambda r: r.by(
        extensions.take_over, COUNTY), at="township"), {("case_news", TOWNSHIP)}),
    "handed back down": (lambda r: _case_then(r, "accepted", lambda r: r.by(
        extensions.hand_down, TOWNSHIP), at="township"),
        {("handed_down", V1), ("handed_down", V2)}),
    "a holder unreachable (blocked the bot, chat gone)": (unreachable, {
        ("case_handed_over", V2)}),
    "any of these": (any_move, {("case_accepted", REPORTER), (REFRESH_KIND, V2)}),
}


async def acknowledge_first(s: AsyncSession, settings: Settings, case_id: int, member: Member,
                            now: datetime) -> Any:
    """An order issued on the case (its notices left out), then acknowledged by `member`."""
    from services.orders import acknowledge_order, issue_order

    case = await s.get(Case, case_id)
    assert case is not None
    order = await issue_order(s, settings, case, issuer=None, now=now)
    await s.execute(Outbox.__table__.delete().where(Outbox.case_id == case_id))
    return await acknowledge_order(s, order.id, member, now)


def order_then(r: Run, step: str) -> Callable[[AsyncSession, int], Awaitable[Any]]:
    """An order issued by the supervisor on the case, answered by the township (their notices
    left out unless `step` is "answered"), then sent back or accepted by the supervisor."""
    from services.orders import answer_order, decide_order, issue_order

    async def work(s: AsyncSession, case_id: int) -> Any:
        case = await s.get(Case, case_id)
        assert case is not None
        boss, owner = await r.member(s, SUPERVISOR), await r.member(s, TOWNSHIP)
        order = await issue_order(s, r.settings, case, issuer=boss, now=NOW)
        await s.execute(Outbox.__table__.delete().where(Outbox.case_id == case_id))
        answered = await answer_order(s, order.id, owner, "Cleared", [], NOW)
        if step == "answered":
            return answered
        await s.execute(Outbox.__table__.delete().where(Outbox.case_id == case_id))
        return await decide_order(s, order.id, boss, step == "accepted", NOW, "Not yet")
    return work


async def the_world(sessions: SessionFactory) -> tuple[World, dict[str, int]]:
    async with sessions() as s:
        world = await build_world(s)
        extra = [Member(platform_user_id=str(uid), chat_id=str(uid), display_name=name,
                        role=role, cell_id=cell, language="en")
                 for uid, name, role, cell in (
                     (2005, V2, Role.MANAGER, world.village),
                     (2006, PATROLLER, Role.PATROLLER, world.village),
                     (2007, COUNTY, Role.MANAGER, world.county),
                     (2008, SUPERVISOR, Role.SUPERVISOR, world.city))]
        s.add_all(extra)
        s.add(GroupBinding(chat_id=GROUP, cell_id=world.township, title="妙西镇网格群"))
        await s.commit()
        people = {m.display_name: m.id for m in await s.scalars(select(Member))}
    return world, people


async def test_the_readme_table_names_every_event_run_here() -> None:
    assert list(readme_table()) == list(EVENTS)


async def test_each_event_tells_whom_the_readme_says(
    session_factory: SessionFactory, settings: Settings
) -> None:
    world, people = await the_world(session_factory)
    run = Run(session_factory, settings, world, people)
    table, wrong = readme_table(), []
    for name, (event, whom) in EVENTS.items():
        cases = await event(run)
        async with session_factory() as s:
            rows = (await s.execute(
                select(Outbox.kind, Member.display_name)
                .outerjoin(Member, Member.id == Outbox.recipient_id)
                .where(Outbox.id > run.mark, Outbox.case_id.in_(cases)))).all()
        told = {(kind, who or "group") for kind, who in rows}
        kinds = {kind for kind, _ in told} - ({REFRESH_KIND} if name != "any of these" else set())
        expected_kinds = table[name] | ({"case_accepted"} if name == "any of these" else set())
        if kinds != expected_kinds or {t for t in told if t[0] in kinds} != whom:
            wrong.append(f"{name}: queued {sorted(told)}; README names {sorted(table[name])}")
    assert not wrong, "\n".join(wrong)
