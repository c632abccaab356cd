"""A supervisor without a cell (city-wide, as a discipline inspector is) sees the whole grid in
/open, /case, /ledger and the daily digest, as they may issue orders on any case; a supervisor
of a county sees their county only; and a supervisor's kind comes with their invite or is set
by an administrator."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select

from models import Campaign, CaseState, GridCell, Member, Role, SupervisionKind, utcnow
from models.db import SessionFactory
from services.digests import digest_for, digest_round
from services.members import (
    Person,
    StaffProblem,
    StaffRefused,
    create_invite,
    kind_of,
    parse_kind,
    redeem_invite,
    set_kind,
)
from tests.support.groups import body
from tests.support.harness import TelegramHarness
from tests.support.ledger import NANXUN, WUXING, WUXING_VILLAGE, add_case, with_role
from tests.support.report_world import buttons, press

TZ = ZoneInfo("Asia/Shanghai")


async def _cases(h: TelegramHarness) -> None:
    await add_case(h, "HZ-CW-1", WUXING_VILLAGE, "吴兴的", state=CaseState.ACCEPTED,
                   due_at=utcnow() - timedelta(days=1))
    await add_case(h, "HZ-CW-2", NANXUN, "南浔的", state=CaseState.SUBMITTED)


async def test_a_supervisor_without_a_cell_sees_and_exports_the_whole_grid(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    city_wide, county = h.user("纪检", "zh-hans"), h.user("County supervisor", "en")
    await with_role(h, city_wide, Role.SUPERVISOR, None, "zh_CN")
    await with_role(h, county, Role.SUPERVISOR, WUXING, "en")
    await _cases(h)

    await h.send_text(city_wide, "/open")
    listed = h.last_message(city_wide)["text"]
    assert "HZ-CW-1" in listed and "HZ-CW-2" in listed
    await h.send_text(county, "/open")
    listed = h.last_message(county)["text"]
    assert "HZ-CW-1" in listed and "HZ-CW-2" not in listed

    await h.send_text(city_wide, "/case HZ-CW-2")
    assert "HZ-CW-2" in h.last_message(city_wide)["text"]
    await h.send_text(county, "/case HZ-CW-2")
    assert "not in your part of the grid" in h.last_message(county)["text"]

    await h.send_text(city_wide, "/ledger")
    sent = h.last_message(city_wide)
    assert "共 2 件，其中逾期 1 件" in sent["caption"]
    book = load_workbook(BytesIO(h.emulator.state.files[sent["document"]["file_id"]].data))
    assert sorted(r[1] for r in book["台账"].iter_rows(min_row=3, values_only=True)) == [
        "HZ-CW-1", "HZ-CW-2"]

    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    async with sessions() as s:
        nanxun = await s.scalar(select(GridCell.id).where(GridCell.code == NANXUN))
        s.add(Campaign(name="南浔清废", due_on=date(2099, 12, 31), cell_id=nanxun))
        await s.commit()
        member = await s.scalar(select(Member).where(Member.platform_user_id == str(city_wide.id)))
        assert member is not None
        digest = await digest_for(s, member, utcnow(), TZ)
        (in_round,) = await digest_round(s, [member], utcnow(), TZ)
    assert digest is not None and digest.totals.open == 2 and digest.scope == "湖州市"
    assert in_round.totals == digest.totals and len(in_round.overdue) == 1
    assert [c.name for c in digest.campaigns] == [c.name for c in in_round.campaigns] == [
        "南浔清废"]


async def test_a_cell_less_leader_still_sees_only_what_they_lead(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    leader = h.user("Leader", "en")
    await with_role(h, leader, Role.LEADER, None, "en")
    await _cases(h)
    await h.send_text(leader, "/open")
    assert "HZ-CW" not in h.last_message(leader)["text"]
    await h.send_text(leader, "/ledger")
    assert "no grid cell" in h.last_message(leader)["text"]


async def test_a_supervisors_kind_comes_with_the_invite_and_an_admin_may_change_it(
    session_factory: SessionFactory, bot_harness: TelegramHarness,
) -> None:
    assert parse_kind("纪检") is parse_kind("纪检督查") is SupervisionKind.DISCIPLINE
    assert parse_kind("media") is SupervisionKind.MEDIA and parse_kind("督查") is None
    h = bot_harness
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    admin_user, manager_user = h.user("Admin", "en"), h.user("Manager", "en")
    await with_role(h, admin_user, Role.ADMIN, None, "en")
    await with_role(h, manager_user, Role.MANAGER, NANXUN, "en")
    async with sessions() as s:
        invite = await create_invite(s, "supervisor", None, kind=SupervisionKind.DISCIPLINE)
        redeemed = await redeem_invite(s, invite.code, Person("telegram", "7001", "7001", "李纪"))
        await s.commit()
        inspector = redeemed.member
        assert kind_of(inspector) is SupervisionKind.DISCIPLINE and inspector.sees_whole_grid
        admin = await s.scalar(select(Member).where(Member.platform_user_id == str(admin_user.id)))
        manager = await s.scalar(
            select(Member).where(Member.platform_user_id == str(manager_user.id)))
        assert admin is not None and manager is not None
        try:
            await set_kind(s, manager, inspector.id, SupervisionKind.MEDIA)
        except StaffRefused as refused:
            assert refused.problem is StaffProblem.OUTSIDE
        else:
            raise AssertionError("a county manager changed a city-wide supervisor's kind")
        await set_kind(s, admin, inspector.id, SupervisionKind.MEDIA)
        await s.commit()
        assert kind_of(inspector) is SupervisionKind.MEDIA


async def test_an_administrator_sets_a_supervisors_kind_from_the_member_card(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    admin, inspector = h.user("管理员", "zh-hans"), h.user("李纪", "zh-hans")
    await with_role(h, admin, Role.ADMIN, None, "zh_CN")
    await with_role(h, inspector, Role.SUPERVISOR, None, "zh_CN")
    await h.send_text(admin, "/members")
    await h.press(admin, h.last_message(admin), "李纪")
    assert "督查类别：未设置" in body(h.last_message(admin))
    await press(h, admin, "纪检督查")
    card = h.last_message(admin)
    assert "督查类别：纪检督查" in body(card)
    assert "✓ 纪检督查" in buttons(card) and "媒体督查" in buttons(card)
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    async with sessions() as s:
        member = await s.scalar(select(Member).where(Member.platform_user_id == str(inspector.id)))
        assert member is not None and kind_of(member) is SupervisionKind.DISCIPLINE
