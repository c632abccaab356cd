"""Demo personas for the sandbox: members made the real way, by creating and redeeming invites."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, Role
from services.members import Person, create_invite, find_member, redeem_invite, register_member


class PersonaSpec(NamedTuple):
    """(platform_user_id, display_name, language, role, cell_code, source_code|None,
    platform)."""

    platform_user_id: str | int
    display_name: str
    language: str
    role: str
    cell_code: str | None
    source_code: str | None = None
    platform: str = "telegram"


# Cells of the demo grid (huzhou.geojson, beside this module): 妙西东北村 holds 老虎潭水库
# (WS-LHT), under 妙西镇, 吴兴区.
LAOHUTAN_VILLAGE = "330502100004"
MIAOXI_TOWNSHIP = "330502100"
WUXING_COUNTY = "330502"
HUZHOU_CITY = "330500"
LAOHUTAN_SOURCE = "WS-LHT"

DEMO_PERSONAS: tuple[PersonaSpec, ...] = (
    PersonaSpec(900001, "志愿者 小林", "zh_CN", Role.VOLUNTEER, None),
    PersonaSpec(900002, "村网格员 老王", "zh_CN", Role.MANAGER, LAOHUTAN_VILLAGE),
    PersonaSpec(900003, "镇网格长 陈", "zh_CN", Role.MANAGER, MIAOXI_TOWNSHIP),
    PersonaSpec(900004, "County manager Zhou", "en", Role.MANAGER, WUXING_COUNTY),
    PersonaSpec(900005, "联系领导 沈", "zh_CN", Role.LEADER, LAOHUTAN_VILLAGE, LAOHUTAN_SOURCE),
    PersonaSpec(900006, "督查 吴", "zh_CN", Role.SUPERVISOR, HUZHOU_CITY),
    PersonaSpec(900007, "市网格长 钱", "zh_CN", Role.MANAGER, HUZHOU_CITY),
)
# The sandbox's WeCom members (their WeCom UserIDs): a volunteer, and a second manager of the
# village, so a case can be reported and worked wholly on WeCom, or across both chats.
DEMO_WECOM_PERSONAS: tuple[PersonaSpec, ...] = (
    PersonaSpec("ZhouMin", "企业微信 志愿者 周敏", "zh_CN", Role.VOLUNTEER, None, None, "wecom"),
    PersonaSpec("ChenGang", "企业微信 村网格员 陈刚", "zh_CN", Role.MANAGER, LAOHUTAN_VILLAGE,
                None, "wecom"),
)


async def seed_demo_personas(
    session: AsyncSession, specs: Sequence[PersonaSpec | tuple[object, ...]] = DEMO_PERSONAS
) -> list[Member]:
    """One member per spec, in order; a persona that exists already is left as it is.

    Volunteers simply register; every other role comes from an invite redeemed at once, so
    the sandbox shows "invites already used". The caller commits.
    """
    members: list[Member] = []
    for raw in specs:
        spec = PersonaSpec(*raw)
        existing = await find_member(session, spec.platform, spec.platform_user_id)
        if existing is not None:
            members.append(existing)
            continue
        person = Person(spec.platform, str(spec.platform_user_id), str(spec.platform_user_id),
                        spec.display_name, spec.language)
        if spec.role == Role.VOLUNTEER and spec.cell_code is None:
            member, _ = await register_member(session, person)
        else:
            invite = await create_invite(session, spec.role, spec.cell_code, spec.source_code)
            member = (await redeem_invite(session, invite.code, person)).member
        members.append(member)
    await session.flush()
    return members
