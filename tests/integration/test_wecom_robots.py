"""A cell's WeCom group robot: a manager of the cell gives the bot its webhook address in the
app, the cell's new cases are posted to the group as markdown (with how to act in the app)
beside the managers' own cards, the key is kept sealed and shown only masked, and /robot off
stops it; a volunteer cannot set one; a key WeCom no longer knows ends the binding and the
managers are told. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.runtime.chores import run_digests, run_sweep
from handlers.deps import Deps
from handlers.notices import RENDERERS
from models import GroupBinding, Outbox, utcnow
from models.db import SessionFactory
from sandbox.wecom import text as text_message
from services.grid import GridIndexHolder
from services.members import ROBOT, create_invite
from services.settings import Settings
from tests.support.report_world import TOWNSHIP, VILLAGE, build_world
from tests.support.wecom import USER, Stage, file_a_report, open_stage, words

BOSS = "LiSi"
KEY = "693a91f6-7c0f-4bc4-97a0-0ec2a1f5a9e1"
URL = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"


@pytest.fixture
async def stage(settings: Settings, session_factory: SessionFactory) -> AsyncIterator[Stage]:
    async with session_factory() as session:
        await build_world(session)
        invite = await create_invite(session, "manager", VILLAGE)
        await session.commit()
    holder = GridIndexHolder()
    async with session_factory() as session:
        await holder.reload(session)
    async with open_stage(Deps(settings, session_factory, holder, renderers=RENDERERS),
                          BOSS) as opened:
        opened.wecom.robots[KEY] = []  # the robot the group added
        await opened.say(text_message(opened.app, BOSS, f"/start {invite.code}"), BOSS)
        yield opened


async def test_a_managers_robot_gets_the_cells_new_cases_and_the_key_stays_sealed(
    stage: Stage,
) -> None:
    set_up = words(await stage.say(text_message(stage.app, BOSS, f"/robot {URL}"), BOSS))
    assert "妙西东北村" in set_up and KEY not in set_up and KEY[-4:] in set_up
    async with stage.sessions() as session:
        binding = await session.scalar(select(GroupBinding).where(
            GroupBinding.platform == ROBOT))
    assert binding is not None and binding.active and binding.secret
    assert KEY not in binding.secret and KEY not in binding.title

    number = await file_a_report(stage)
    await stage.channel.send_outbox()
    posted = stage.wecom.robots[KEY]
    assert len(posted) == 1 and posted[0]["msgtype"] == "markdown"
    assert number in posted[0]["markdown"]["content"]
    assert f"/case {number}" in posted[0]["markdown"]["content"]  # how to act: in the app
    assert number in words(stage.wecom.inbox(BOSS))  # the manager's own card still came
    async with stage.sessions() as session:
        rows = list(await session.scalars(select(Outbox)))
    assert not [r for r in rows if KEY in json.dumps([r.chat_id, r.payload, r.result,
                                                       r.last_error])]

    shown = words(await stage.say(text_message(stage.app, BOSS, "/robot"), BOSS))
    assert KEY[-4:] in shown and KEY not in shown
    off = words(await stage.say(text_message(stage.app, BOSS, "/robot off"), BOSS))
    assert "不再推送" in off
    await file_a_report(stage, photo=7)
    await stage.channel.send_outbox()
    assert len(stage.wecom.robots[KEY]) == 1  # nothing more after /robot off


async def test_a_volunteer_cannot_set_a_robot_and_a_bad_address_is_explained(
    stage: Stage,
) -> None:
    await stage.say(text_message(stage.app, USER, "/start"))
    refused = words(await stage.say(text_message(stage.app, USER, f"/robot {URL}")))
    assert "只有网格员" in refused
    bad = words(await stage.say(text_message(stage.app, BOSS, "/robot hello"), BOSS))
    assert "Webhook" in bad
    async with stage.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(GroupBinding)) == 0


async def test_a_key_wecom_no_longer_knows_ends_the_binding_and_the_managers_hear(
    stage: Stage,
) -> None:
    await stage.say(text_message(stage.app, BOSS, f"/robot {URL}"), BOSS)
    del stage.wecom.robots[KEY]  # the group's owner removed the robot: 93000 from now on
    await file_a_report(stage)
    await stage.channel.send_outbox()
    async with stage.sessions() as session:
        binding = await session.scalar(select(GroupBinding).where(
            GroupBinding.platform == ROBOT))
        told = await session.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.kind == "group_unbound", Outbox.chat_id == BOSS))
    assert binding is not None and not binding.active
    assert told == 1  # the manager hears, in the app, that the group gets nothing now


async def test_the_cells_daily_digest_goes_to_its_robot(stage: Stage) -> None:
    await stage.say(text_message(stage.app, BOSS, f"/robot {URL}"), BOSS)
    await file_a_report(stage)
    await stage.channel.send_outbox()
    assert len(stage.wecom.robots[KEY]) == 1  # the new case
    await run_digests(stage.sessions, stage.channel.deps.settings, utcnow())
    await stage.channel.send_outbox()
    digest = stage.wecom.robots[KEY][1:]
    assert digest and all(p["msgtype"] == "markdown" for p in digest)
    text = "".join(p["markdown"]["content"] for p in digest)
    assert "妙西东北村每日简报" in text and "新增（24小时）：1" in text


async def test_a_case_past_its_deadline_is_posted_to_the_robot_of_the_cell_it_goes_to(
    stage: Stage,
) -> None:
    async with stage.sessions() as session:
        invite = await create_invite(session, "manager", TOWNSHIP)
        await session.commit()
    chief, key = "ZhaoLiu", "0f1e2d3c-4b5a-4697-8877-665544332211"
    stage.wecom.members.add(chief.lower())
    stage.wecom.robots[key] = []
    await stage.say(text_message(stage.app, chief, f"/start {invite.code}"), chief)
    await stage.say(text_message(stage.app, chief, f"/robot {key}"), chief)  # the bare key
    number = await file_a_report(stage)
    await stage.channel.send_outbox()
    seen = len(stage.wecom.robots[key])  # the township's group hears of its subtree's cases
    await run_sweep(stage.sessions, stage.channel.deps.settings, utcnow() + timedelta(days=3))
    await stage.channel.send_outbox()
    posted = stage.wecom.robots[key][seen:]
    assert posted and any(number in p["markdown"]["content"] for p in posted), posted
