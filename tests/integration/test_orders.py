"""A supervision order (督办单) through the chat, in no chat's terms: issued from the case card
with a preset demand and a deadline, answered with words and a photo, sent back once with a
reason, answered again and accepted; each step in the case's history and in the Word file; who
may not answer or accept is told so, and an old button after the acceptance says why. Numbers
run 1..N without gaps when several issue at once."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.cli.orders import cmd_orders
from bot.runtime import with_sessions
from handlers import supervision
from handlers.cases.commands import case_command
from handlers.chat import Inbound
from handlers.deps import Deps
from handlers.notices import RENDERERS
from handlers.orders import on_button, on_orders
from models import (
    Case,
    OrderState,
    Photo,
    Role,
    Stage,
    SupervisionKind,
    SupervisionOrder,
    utcnow,
)
from models.db import SessionFactory
from services.i18n import translator
from services.orders import issue_order, may_issue, order_counts, order_docx
from services.settings import Settings
from tests.support.deadlines_world import World, member, new_case
from tests.support.images import jpeg
from tests.support.orders import button, docx_text, notices_to, press, say, who

DONE_TEXT = "The garbage was cleared and the bank fenced"
AGAIN_TEXT = "The fence is finished; patrols twice a week"
REASON = "The photo does not show the fence"


async def _case(sessions: SessionFactory, world: World, fast: Settings) -> int:
    async with sessions() as session:
        case = new_case(world, world.village, stage=Stage.ACCEPT, settings=fast,
                        description="Garbage dumped on the bank", now=utcnow())
        session.add(case)
        await session.commit()
        return case.id


async def test_an_order_is_issued_answered_with_a_photo_sent_back_answered_again_and_accepted(
    sessions: SessionFactory, world: World, fast: Settings,
) -> None:
    deps = Deps(fast, sessions, renderers=RENDERERS)
    case_id = await _case(sessions, world, fast)
    boss, owner = world.supervisor, world.village_manager
    async with sessions() as s:
        stranger = member("Other village manager", Role.MANAGER, world.village2)
        s.add(stranger)
        await s.commit()

    # Issued from the case card: a preset demand, then seven days.
    asked = await press(deps, boss, f"od:iss:{case_id}")
    assert "what do you demand" in asked.replies[0].text
    dated = await press(deps, boss, button(asked, "Rectify it fully"))
    assert "By when" in dated.replies[0].text
    issued = await press(deps, boss, button(dated, "7 days"))
    assert "Supervision order issued on case" in issued.replies[0].text
    async with sessions() as s:
        order = await s.scalar(select(SupervisionOrder))
        assert order is not None
        year = utcnow().year
        assert order.number == f"湖水督〔{year}〕1号"
        assert order.demand == "限期整改到位"  # the office's language: part of the document
        assert abs(order.deadline - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)
        order_id = order.id

    # The order reaches the village; someone of another village may not answer it.
    [notice] = await notices_to(deps, owner)
    assert notice.picture is not None and f"湖水督〔{year}〕1号" in notice.text
    assert notice.document is not None and notice.document.filename.endswith(".docx")
    issued_text, _ = docx_text(await notice.document.build())  # built with no session open
    assert f"湖水督〔{year}〕1号" in issued_text and "No answer yet." in issued_text
    refused = await press(deps, stranger, button(notice, "Answer"))
    assert refused.alert and refused.toast == (
        "Only the cell the order is addressed to can answer it.")

    # The answer: words, a photo, submit.
    started = await press(deps, owner, button(notice, "Answer"))
    assert "write what was done" in started.replies[0].text
    noted = await say(deps, owner, DONE_TEXT)
    assert "Add photos" in noted.replies[0].text
    deps = Deps(fast, sessions, renderers=RENDERERS)  # a restart: the answer so far is kept
    photographed = await say(deps, owner, picture=jpeg())
    assert "1 photo received" in photographed.replies[0].text
    sent = await press(deps, owner, button(photographed, "Submit"))
    assert "Your answer was sent" in sent.replies[0].text

    # The supervisor sees it; the owner may not accept it; the supervisor sends it back.
    [answered] = await notices_to(deps, boss)
    assert DONE_TEXT in answered.text and "1 photo attached" in answered.text
    not_theirs = await press(deps, owner, button(answered, "Accept"))
    assert not_theirs.alert and "Only the issuer" in (not_theirs.toast or "")
    why = await press(deps, boss, button(answered, "Send back"))
    assert "Send the reason" in why.replies[0].text
    returned = await say(deps, boss, REASON)
    assert "sent back" in returned.replies[0].text
    assert await notices_to(deps, boss) == []  # decided: the old notice is dropped

    # The owner hears why and answers again, without a photo this time; accepted.
    [back] = [c for c in await notices_to(deps, owner) if "sent back" in c.text]
    assert REASON in back.text
    await press(deps, owner, button(back, "Answer"))
    await say(deps, owner, AGAIN_TEXT)
    await press(deps, owner, f"od:sub:{order_id}")
    [again] = await notices_to(deps, boss)
    assert AGAIN_TEXT in again.text
    accepted = await press(deps, boss, button(again, "Accept"))
    assert accepted.toast == "The answer was accepted."
    [told] = [c for c in await notices_to(deps, owner) if "was accepted by Supervisor" in c.text]
    assert told.document is not None
    assert "Accepted on" in docx_text(await told.document.build())[0]

    # Old buttons after the acceptance say why they do nothing.
    late = await press(deps, owner, button(notice, "Answer"))
    assert late.alert and late.toast == "This supervision order was already accepted."
    twice = await press(deps, boss, f"od:acc:{order_id}")
    assert twice.toast == "This supervision order was already accepted."
    async with sessions() as s:
        order = await s.get(SupervisionOrder, order_id)
        assert order is not None and order.state == OrderState.ACCEPTED

    # Every step is in the case's history.
    async with sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        number = case.number
    shown = (await case_command(Inbound(who(boss), text=f"/case {number}"), deps)).replies
    history = "\n".join(reply.text for reply in shown)
    assert f"supervision order issued: 湖水督〔{year}〕1号" in history
    assert history.count("supervision order answered") == 2
    assert f"supervision order answer sent back: {REASON}" in history
    assert "supervision order answer accepted" in history

    # The Word file holds the order and the whole exchange, with the photo.
    filed = await press(deps, boss, f"od:doc:{order_id}")
    attachment = filed.replies[0].file
    assert attachment is not None and attachment.name.endswith(".docx")
    text, pictures = docx_text(attachment.data)
    for part in (fast.documents.issuing_body, f"湖水督〔{year}〕1号", number, "Northeast",
                 "Garbage dumped on the bank", "限期整改到位", DONE_TEXT, "Sent back on",
                 REASON, AGAIN_TEXT, "Accepted on", "answer accepted"):
        assert part in text, part
    assert pictures == 1
    outsider = await press(deps, world.volunteer, f"od:doc:{order_id}")
    assert outsider.alert and outsider.replies == []

    # The year's figures.
    async with sessions() as s:
        counts = await order_counts(s, year, fast.locale.timezone)
    assert (counts.issued, counts.answered, counts.accepted, counts.open) == (1, 1, 1, 0)
    figures = (await on_orders(Inbound(who(boss), text="/orders"), deps)).replies[0].text
    assert figures.splitlines() == [f"<b>Supervision orders of {year}, Huzhou</b>",
                                    "1 order issued", "answered: 1", "accepted: 1",
                                    "still open: 0"]
    none = (await on_orders(Inbound(who(owner), text=f"/orders {year - 1}"), deps)).replies
    assert none[0].text.splitlines()[1] == "0 orders issued"
    refused = (await on_orders(Inbound(who(world.volunteer), text="/orders"), deps)).replies
    assert "Only managers, leaders, supervisors and administrators" in refused[0].text


async def test_an_answered_order_waits_for_its_issuer_and_a_returned_one_keeps_its_deadline(
    sessions: SessionFactory, world: World, fast: Settings,
) -> None:
    from services.orders import answer_order, decide_order, sweep_orders

    case_id = await _case(sessions, world, fast)
    async with sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        order = await issue_order(s, fast, case, issuer=world.supervisor, now=utcnow(),
                                  deadline=utcnow() + timedelta(seconds=10))
        assert (await answer_order(s, order.id, world.village_manager, "done", [],
                                   utcnow())).ok
        await s.commit()
        swept = await sweep_orders(s, utcnow() + timedelta(hours=1))
        await s.commit()
        await s.refresh(order)
    assert swept.escalated == 0 and order.state == OrderState.ANSWERED
    assert order.target_cell_id == world.village.id
    async with sessions() as s:  # sent back: its deadline stands, and it climbs at once
        assert (await decide_order(s, order.id, world.supervisor, False, utcnow(),
                                   "Not enough")).ok
        await s.commit()
        swept = await sweep_orders(s, utcnow() + timedelta(hours=1))
        await s.commit()
        climbed = await s.get(SupervisionOrder, order.id)
        assert climbed is not None
    assert swept.escalated == 1 and climbed.target_cell_id == world.township.id
    assert climbed.state == OrderState.ISSUED


async def test_orders_issued_at_once_are_numbered_one_to_n_without_gaps(
    sessions: SessionFactory, world: World, fast: Settings,
) -> None:
    cases = [await _case(sessions, world, fast) for _ in range(6)]

    async def issue(case_id: int) -> str:
        async with sessions() as s:
            case = await s.get(Case, case_id)
            assert case is not None
            order = await issue_order(s, fast, case, issuer=world.supervisor, now=utcnow())
            await asyncio.sleep(0.01)  # the others come in while this one holds its number
            await s.commit()
            return order.number

    numbers = await asyncio.gather(*(issue(case_id) for case_id in cases))
    year = utcnow().year
    assert sorted(numbers) == sorted(f"湖水督〔{year}〕{n}号" for n in range(1, 7))


def test_the_command_line_counts_a_years_orders(
    world: World, fast: Settings, capsys: pytest.CaptureFixture[str],
) -> None:
    async def issue(sessions: SessionFactory) -> None:
        async with sessions() as s:
            case = new_case(world, world.village, stage=Stage.ACCEPT, settings=fast)
            s.add(case)
            await s.flush()
            await issue_order(s, fast, case, issuer=world.supervisor, now=utcnow())
            await s.commit()

    with_sessions(fast, issue)
    year = utcnow().year
    assert cmd_orders(fast, argparse.Namespace(year=year, cell=None, lang="en")) == 0
    assert cmd_orders(fast, argparse.Namespace(year=year - 1, cell="C1T1", lang="zh_CN")) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:5] == [f"Supervision orders of {year}, the whole grid", "1 order issued",
                       "answered: 0", "accepted: 0", "still open: 1"]
    assert out[5:7] == [f"{year - 1}年督办单，Miaoxi", "下发督办单 0 件"]


async def test_an_answer_started_from_a_groups_copy_goes_on_in_private(
    sessions: SessionFactory, world: World, fast: Settings,
) -> None:
    deps = Deps(fast, sessions, renderers=RENDERERS)
    case_id = await _case(sessions, world, fast)
    async with sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        order = await issue_order(s, fast, case, issuer=world.supervisor, now=utcnow())
        await s.commit()
    in_group = replace(who(world.village_manager), private=False, chat_id="-100")
    answer = await on_button(Inbound(in_group, press=f"od:ans:{order.id}"), deps)
    assert answer.replies == [] and "write what was done" in answer.direct[0].text
    assert "Add photos" in (await say(deps, world.village_manager, DONE_TEXT)).replies[0].text


async def test_a_supervisor_writes_their_own_demand_and_gives_the_stages_full_time(
    sessions: SessionFactory, world: World, fast: Settings,
) -> None:
    deps = Deps(fast, sessions, renderers=RENDERERS)
    case_id = await _case(sessions, world, fast)
    boss = world.supervisor
    asked = await press(deps, boss, f"od:iss:{case_id}")
    own = await press(deps, boss, button(asked, "Write my own"))
    assert "Write the demand" in own.replies[0].text
    dated = await say(deps, boss, "Remove the dump <b>today</b>")
    assert "Remove the dump &lt;b&gt;today&lt;/b&gt;" in dated.replies[0].text  # escaped
    before = utcnow()
    issued = await press(deps, boss, button(dated, "full time"))
    assert "Supervision order issued" in issued.replies[0].text
    async with sessions() as s:
        order = await s.scalar(select(SupervisionOrder))
        assert order is not None and order.demand == "Remove the dump <b>today</b>"
        assert before + timedelta(seconds=99) <= order.deadline  # accept: 100 s in `fast`
        assert order.deadline <= utcnow() + timedelta(seconds=100)
    again = await press(deps, boss, button(dated, "full time"))  # the question is over
    assert again.alert and "expired" in (again.toast or "")


async def test_an_answer_cancelled_leaves_no_photo_behind(
    sessions: SessionFactory, world: World, fast: Settings,
) -> None:
    deps = Deps(fast, sessions, renderers=RENDERERS)
    case_id = await _case(sessions, world, fast)
    async with sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        order = await issue_order(s, fast, case, issuer=world.supervisor, now=utcnow())
        await s.commit()
    owner = world.village_manager
    await press(deps, owner, f"od:ans:{order.id}")
    assert "1 photo received" in (await say(deps, owner, picture=jpeg())).replies[0].text
    assert (await say(deps, owner, "/cancel")).replies[0].text == "Cancelled."
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Photo)) == 0
    late = await press(deps, owner, f"od:sub:{order.id}")
    assert late.alert and "no answer in progress" in (late.toast or "")


async def test_an_acknowledge_button_posted_before_the_orders_had_their_own_still_works(
    sessions: SessionFactory, world: World, fast: Settings,
) -> None:
    deps = Deps(fast, sessions, renderers=RENDERERS)
    case_id = await _case(sessions, world, fast)
    async with sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        order = await issue_order(s, fast, case, issuer=None, now=utcnow())
        await s.commit()
    old = Inbound(who(world.village_manager), press=f"sv:ack:{order.id}")
    assert (await supervision.on_button(old, deps)).toast == "Supervision order acknowledged."
    again = await supervision.on_button(old, deps)
    assert again.alert and again.toast == "This supervision order was already acknowledged."


async def test_a_city_wide_inspectors_order_carries_their_kind_of_supervision(
    sessions: SessionFactory, world: World, fast: Settings,
) -> None:
    case_id = await _case(sessions, world, fast)
    async with sessions() as s:
        inspector = member("纪检组", Role.SUPERVISOR, None, "zh_CN")
        inspector.supervision_kind = SupervisionKind.DISCIPLINE
        s.add(inspector)
        await s.flush()
        case = await s.get(Case, case_id)
        assert case is not None and await may_issue(s, inspector, case)
        order = await issue_order(s, fast, case, issuer=inspector, now=utcnow())
        await s.commit()
        assert order.kind == SupervisionKind.DISCIPLINE
    made = await order_docx(sessions, fast, order.id, translator("zh_CN"), "zh_CN")
    assert made is not None
    assert "纪检组 · 纪检督查" in docx_text(made[1])[0]
