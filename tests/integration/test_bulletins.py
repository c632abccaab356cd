"""Supervision bulletins (督查通报) as numbered documents, through the channel-neutral dispatch
(WeCom's path; Telegram registers the same routes): drafted from the overdue, slow and reopened
cases of a scope, edited, issued with the year's next number as a .docx, sent to the managers
of the cells it names and their group, acknowledged once by a recipient only, named in the
cases' history; two issued at once take consecutive numbers."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from sqlalchemy import select

from handlers.chat import Answer, Inbound, Who
from handlers.deps import Deps
from handlers.dispatch import dispatch
from handlers.notices import RENDERERS
from handlers.throttle import FloodGuard
from models import (
    Bulletin,
    BulletinRecipient,
    CaseState,
    GridCell,
    GroupBinding,
    Member,
    Outbox,
    Stage,
    SupervisionKind,
    utcnow,
)
from models.db import SessionFactory
from services.bulletins import build_docx, document_of, draft_for, issue
from services.i18n import translator
from services.notices.card import render_row
from services.settings import Settings
from services.workflow import reopen
from tests.support.deadlines_world import World, linked_leader, new_case

GROUP_CHAT = "-100500"


@pytest.fixture
def deps(sessions: SessionFactory, fast: Settings) -> Deps:
    return Deps(fast, sessions, renderers=RENDERERS)


def _guard() -> FloodGuard:
    return FloodGuard(10_000, 1.0)


async def _say(deps: Deps, member: Member, text: str) -> Answer:
    who = Who("telegram", member.platform_user_id, member.chat_id, name=member.display_name)
    answer = await dispatch(Inbound(who, text=text), deps, _guard())
    assert answer is not None
    return answer


async def _press(deps: Deps, member: Member, data: str, chat: str | None = None) -> Answer:
    who = Who("telegram", member.platform_user_id, chat or member.chat_id,
              private=chat is None, name=member.display_name)
    answer = await dispatch(Inbound(who, press=data), deps, _guard())
    assert answer is not None
    return answer


def _text(answer: Answer) -> str:
    return "\n".join(r.text for r in answer.replies)


def _data(answer: Answer, label: str) -> str:
    return next(b.data for r in answer.replies for row in r.buttons for b in row
                if b.label == label)


async def _cases(sessions: SessionFactory, world: World, fast: Settings) -> dict[str, str]:
    """An overdue case in Northeast, a slow one in Southwest (orange), one past 80% of its time
    in Northeast, one closed long ago and reopened just now by the county in Lakeside
    (Donglin), and a closed one: numbers."""
    now = utcnow()
    async with sessions() as s:
        overdue = new_case(world, world.village, stage=Stage.ACCEPT, settings=fast,
                           now=now - timedelta(days=3))
        orange = new_case(world, world.village2, stage=Stage.ACCEPT, settings=fast, now=now,
                          escalation_level=2)
        late_in_stage = new_case(world, world.village, stage=Stage.PLAN, settings=fast,
                                 now=now - timedelta(days=9), state=CaseState.ACCEPTED)
        late_in_stage.due_at = now + timedelta(days=1)  # 90% of its time gone
        reopened = new_case(world, world.village3, state=CaseState.CLOSED,
                            now=now - timedelta(days=20))
        closed = new_case(world, world.village, state=CaseState.CLOSED,
                          now=now - timedelta(days=3))
        s.add_all([overdue, orange, late_in_stage, reopened, closed])
        await s.flush()
        # reopened just now: a new plan is due in 100 s, neither late nor slow yet
        await reopen(s, fast, reopened.id, world.county_manager.id, now - timedelta(seconds=5),
                     "still dumping")
        s.add(GroupBinding(platform="telegram", chat_id=GROUP_CHAT, cell_id=world.village.id,
                           title="Northeast"))
        await s.commit()
        return {"overdue": overdue.number, "orange": orange.number,
                "late_in_stage": late_in_stage.number, "reopened": reopened.number,
                "closed": closed.number}


async def test_a_bulletin_is_drafted_edited_issued_acknowledged_and_named_in_history(
    sessions: SessionFactory, world: World, fast: Settings, deps: Deps
) -> None:
    numbers = await _cases(sessions, world, fast)
    shown = await _say(deps, world.supervisor, "/bulletin")
    text = _text(shown)
    assert "Supervision bulletin" in text and "Draft: numbered when it is issued." in text
    assert "Overdue cases: 1" in text and "Slow cases: 2" in text and "Reopened cases: 1" in text
    for key in ("overdue", "orange", "late_in_stage", "reopened"):
        assert numbers[key] in text
    assert numbers["closed"] not in text
    assert f"{numbers['overdue']} · Northeast · owner: no one assigned · 2 days late" in text

    # The township's manager drafts their own: Miaoxi's cases, not Donglin's reopened one.
    own = _text(await _say(deps, world.township_manager, "/bulletin"))
    assert numbers["overdue"] in own and numbers["reopened"] not in own

    asked = await _press(deps, world.supervisor, _data(shown, "Edit the opening"))
    assert _text(asked) == "Send the opening of the bulletin in one message."
    restarted = Deps(fast, sessions, renderers=RENDERERS)  # the question is kept in the database
    edited = _text(await _say(restarted, world.supervisor, "本期通报以下问题，请各地高度重视。"))
    assert "Opening: 本期通报以下问题，请各地高度重视。" in edited
    await _press(deps, world.supervisor, _data(shown, "Edit the demands"))
    edited = _text(await _say(deps, world.supervisor, "请于7日内整改到位并报送落实情况。"))
    assert "Demands: 请于7日内整改到位并报送落实情况。" in edited
    again = _text(await _say(deps, world.supervisor, "/bulletin"))  # resumed, not made anew
    assert "Opening: 本期通报以下问题" in again

    issued = await _press(deps, world.supervisor, _data(shown, "Issue"))
    year = utcnow().astimezone(ZoneInfo(fast.locale.timezone)).year
    number = f"{year}年第1期"
    assert issued.toast == f"Bulletin {number} issued."
    # Northeast's manager, Southwest's nearest (the township's), Lakeside's nearest (county's)
    assert _text(issued) == (f"Bulletin {number} issued; it went to 3 managers of the cells it "
                             "names and to their groups.")
    file = issued.replies[0].file
    assert file is not None and file.name == f"督查通报-{number}.docx"
    document = Document(io.BytesIO(file.data))
    words = "\n".join(p.text for p in document.paragraphs)
    assert fast.documents.issuing_body in words and number in words
    assert "本期通报以下问题，请各地高度重视。" in words
    assert "请于7日内整改到位并报送落实情况。" in words
    assert "Overdue cases: 1" in words and "Slow cases: 2" in words
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    for key in ("overdue", "orange", "late_in_stage", "reopened"):
        assert numbers[key] in cells
    assert "Northeast" in cells and "Laohutan" in " ".join(cells)

    async with sessions() as s:
        rows = list(await s.scalars(select(Outbox).where(Outbox.kind == "bulletin")))
        assert {r.recipient_id for r in rows} == {
            world.village_manager.id, world.township_manager.id, world.county_manager.id, None}
        group = next(r for r in rows if r.recipient_id is None)
        assert group.chat_id == GROUP_CHAT
        card = await render_row(RENDERERS, s, next(
            r for r in rows if r.recipient_id == world.village_manager.id),
            world.village_manager, fast)
        assert card is not None and f"Supervision bulletin {number}" in card.text
        assert numbers["overdue"] in card.text and numbers["reopened"] not in card.text
        assert card.document is not None and card.document.filename == file.name
        sent = Document(io.BytesIO(await card.document.build()))
        assert numbers["overdue"] in [c.text for t in sent.tables for r in t.rows for c in r.cells]
        labels = [b.label for row in card.buttons for b in row]
        assert labels == ["Acknowledge", "Get the document"]
        ack = next(b.data for row in card.buttons for b in row if b.label == "Acknowledge")
        group_card = await render_row(RENDERERS, s, group, None, fast)  # in zh_CN, the default
        assert group_card is not None and f"督查通报 {number}" in group_card.text
        assert "列入案件" in group_card.text and "请阅读文件并签收通报。" in group_card.text
        assert [b.label for row in group_card.buttons for b in row] == ["签收", "获取文件"]
        assert group_card.document is not None
        chinese = Document(io.BytesIO(await group_card.document.build()))
        heads = "\n".join(p.text for p in chinese.paragraphs)
        assert "督查通报" in heads and "逾期案件：1" in heads and "整改要求" in heads

    done = await _press(deps, world.village_manager, ack, chat=GROUP_CHAT)  # from the group
    assert done.toast == "Bulletin acknowledged. Thank you."
    twice = await _press(deps, world.village_manager, ack)
    assert twice.toast == "You already acknowledged this bulletin." and twice.alert
    stranger = await _press(deps, world.city_manager, ack)
    assert stranger.toast == ("Only the people this bulletin is addressed to can acknowledge "
                              "it.")
    forged = await _press(deps, world.village_manager, "bl:ack:99999")
    assert forged.toast == "This bulletin no longer exists."
    stale = await _press(deps, world.supervisor, _data(shown, "Issue"))
    assert stale.toast == "This bulletin was already issued."
    async with sessions() as s:
        acks = {r.member_id: r.acknowledged_at for r in await s.scalars(
            select(BulletinRecipient))}
    assert acks[world.village_manager.id] is not None and acks[world.county_manager.id] is None

    resent = await _press(deps, world.county_manager, f"bl:doc:{ack.split(':')[2]}")
    assert resent.replies[0].file is not None
    assert number in "\n".join(
        p.text for p in Document(io.BytesIO(resent.replies[0].file.data)).paragraphs)
    refused = await _press(deps, world.volunteer, f"bl:doc:{ack.split(':')[2]}")
    assert refused.toast == "This bulletin is not addressed to you."

    history = _text(await _say(deps, world.village_manager, f"/case {numbers['overdue']}"))
    assert f"named in supervision bulletin: {number} (Supervisor)" in history

    listed = _text(await _say(deps, world.supervisor, "/bulletin list"))
    assert f"1 bulletin issued in {year}" in listed
    assert "Acknowledged by 1 of 3 recipients" in listed
    assert f"{number} · " in listed and "acknowledged 1 of 3" in listed


async def test_a_line_is_dropped_and_a_discarded_draft_is_gone(
    sessions: SessionFactory, world: World, fast: Settings, deps: Deps
) -> None:
    numbers = await _cases(sessions, world, fast)
    shown = await _say(deps, world.supervisor, "/bulletin 30")
    which = await _press(deps, world.supervisor, _data(shown, "Drop a case"))
    after = await _press(deps, world.supervisor, _data(which, numbers["orange"]))
    assert after.toast == "Dropped." and numbers["orange"] not in _text(after)
    assert "Slow cases: 1" in _text(after)
    again = await _press(deps, world.supervisor, _data(which, numbers["orange"]))
    assert again.toast == "This line is no longer in the bulletin."
    other = await _press(deps, world.township_manager, _data(shown, "Issue"))
    assert other.toast == "Only the one who drafted this bulletin can change it."
    odd = _text(await _say(deps, world.supervisor, "/bulletin ²"))  # not a count: resumed
    assert "Slow cases: 1" in odd
    who = Who("telegram", world.supervisor.platform_user_id, GROUP_CHAT, private=False)
    in_group = await dispatch(Inbound(who, text="/bulletin"), deps, _guard())
    assert in_group is not None and _text(in_group) == (
        "A bulletin is drafted in a private chat: send me /bulletin there.")
    gone = await _press(deps, world.supervisor, _data(shown, "Discard"))
    assert gone.toast == "The draft was discarded." and gone.strip_buttons
    late = await _press(deps, world.supervisor, _data(shown, "Issue"))
    assert late.toast == "This bulletin no longer exists."
    async with sessions() as s:
        assert await s.scalar(select(Bulletin)) is None


async def test_two_bulletins_issued_at_once_take_consecutive_numbers(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    await _cases(sessions, world, fast)
    now = utcnow()
    ids = []
    for issuer in (world.supervisor, world.county_manager, world.township_manager):
        async with sessions() as s:
            member = await s.get(Member, issuer.id)
            scope = await s.get(GridCell, issuer.cell_id)
            assert member is not None
            row = await draft_for(s, member, scope, frozenset(), now - timedelta(days=15), now)
            await s.commit()
            ids.append((row.id, issuer.id))

    async def issue_one(bulletin_id: int, member_id: int) -> str | None:
        async with sessions() as s:
            member = await s.get(Member, member_id)
            assert member is not None
            done = await issue(s, fast, bulletin_id, member, utcnow())
            await asyncio.sleep(0.01)  # the other issuers come in while this one holds a number
            await s.commit()
            return done.bulletin.number if done.bulletin else None

    got = await asyncio.gather(*(issue_one(*x) for x in ids))
    year = now.astimezone(ZoneInfo(fast.locale.timezone)).year
    assert sorted(got, key=lambda n: (len(n or ""), n)) == [
        f"{year}年第{n}期" for n in (1, 2, 3)]


async def test_a_linked_leaders_draft_names_their_source_whole(
    sessions: SessionFactory, world: World, fast: Settings, deps: Deps
) -> None:
    """Donglin's leader, linked to a source with overdue cases in Donglin and two Miaoxi
    villages: the draft names all three once, and a Miaoxi case of another source not at all."""
    async with sessions() as s:
        leader, spread = await linked_leader(s, world)
        cases = [new_case(world, village, stage=Stage.ACCEPT, settings=fast,
                          now=utcnow() - timedelta(days=2), water_source_id=spread.id)
                 for village in (world.village, world.village2, world.village3)]
        other = new_case(world, world.village, stage=Stage.ACCEPT, settings=fast,
                         now=utcnow() - timedelta(days=2))
        s.add_all([*cases, other])
        await s.commit()
    text = _text(await _say(deps, leader, "/bulletin"))
    assert "Overdue cases: 3" in text
    assert all(text.count(c.number) == 1 for c in cases) and other.number not in text


async def test_a_bulletin_carries_its_issuers_kind_of_supervision(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    await _cases(sessions, world, fast)
    now = utcnow()
    async with sessions() as s:
        member = await s.get(Member, world.supervisor.id)
        assert member is not None
        member.supervision_kind = SupervisionKind.DISCIPLINE
        row = await draft_for(s, member, await s.get(GridCell, member.cell_id), frozenset(),
                              now - timedelta(days=15), now)
        done = await issue(s, fast, row.id, member, now)
        await s.commit()
        assert done.ok and row.kind == SupervisionKind.DISCIPLINE
        data = await document_of(s, row, fast, translator("zh_CN"))
    text = "\n".join(p.text for p in Document(io.BytesIO(build_docx(data))).paragraphs)
    assert "督查类别：纪检督查" in text and (row.number or "?") in text


async def test_the_list_of_bulletins_is_the_readers_part_of_the_grid(
    sessions: SessionFactory, world: World, fast: Settings
) -> None:
    """A bulletin of 妙西 (Miaoxi) counts for its county and its recipients, not for a leader of
    the neighbouring township it was not sent to."""
    await _cases(sessions, world, fast)
    now = utcnow()
    async with sessions() as s:
        issuer = await s.get(Member, world.township_manager.id)
        assert issuer is not None
        row = await draft_for(s, issuer, await s.get(GridCell, issuer.cell_id), frozenset(),
                              now - timedelta(days=15), now)
        assert (await issue(s, fast, row.id, issuer, now)).ok
        neighbour, _ = await linked_leader(s, world)
        await s.commit()
    deps = Deps(fast, sessions, renderers=RENDERERS)
    year = now.astimezone(ZoneInfo(fast.locale.timezone)).year
    for reader in (world.county_manager, world.village_manager, world.supervisor):
        assert f"1 bulletin issued in {year}" in _text(await _say(deps, reader, "/bulletin list"))
    assert f"0 bulletins issued in {year}" in _text(await _say(deps, neighbour, "/bulletin list"))
