"""/robot in a private chat, on any channel: a manager binds their cell to a WeCom group's robot
(its webhook address), sees which robot it is (masked), or stops it. The alerts go out through
the WeCom robot sender (bot/wecom/robot.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.groups import BIND_PROBLEMS, cell_name
from handlers.people import as_member, tr
from handlers.route import Route
from handlers.words import escape
from models import GridCell, Member, Role, utcnow
from services.i18n import N_
from services.members import (
    BindError,
    UnbindReason,
    bind_robot,
    cell_robot,
    end_binding,
    masked,
    robot_key,
    unseal,
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("robot", N_("Post your cell's alerts to a WeCom group's robot (managers)")),
)
COMMAND_ROLES = {"robot": frozenset({Role.MANAGER, Role.ADMIN})}
HOW = N_("To have the alerts of {cell} posted to a WeCom group as well: in the group, add a group "
         "robot (群机器人), copy its webhook address and send it to me here as /robot ADDRESS. "
         "/robot off stops it.")
SET = N_("From now on the alerts of {cell} are also posted to the WeCom group of robot {key}. "
         "Managers still get their own cards to act on.")
NOW = N_("{cell} posts its alerts to the WeCom group of robot {key}. /robot ADDRESS replaces "
         "it, /robot off stops it.")
OFF = N_("The alerts of {cell} are no longer posted to a WeCom group.")
BAD = N_("That is not a robot's webhook address. It looks like "
         "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
NO_WECOM = N_("WeCom is not set up for this bot, so no group robot can post.")
NO_CELL = N_("Only a grid manager can choose a WeCom group robot for their cell.")


async def on_robot(inbound: Inbound, deps: Deps) -> Answer:
    secret = deps.settings.wecom.encoding_aes_key

    async def work(session: AsyncSession, member: Member) -> Answer:
        t = tr(inbound, deps, member)
        if not secret:
            return Answer([Reply(t(NO_WECOM))])
        cell = await session.get(GridCell, member.cell_id) if member.cell_id else None
        if cell is None or member.role not in (Role.MANAGER, Role.ADMIN):
            return Answer([Reply(t(NO_CELL))])
        where = cell_name(cell, t)
        current = await cell_robot(session, cell.id)
        if not inbound.args:
            key = unseal(current.secret, secret) if current and current.secret else None
            if current is None:
                return Answer([Reply(t(HOW, cell=where))])
            return Answer([Reply(t(NOW, cell=where, key=escape(masked(key or ""))))])
        if inbound.args[0].lower() in ("off", "stop", "关闭"):
            if current is None:
                return Answer([Reply(t(HOW, cell=where))])
            await end_binding(session, current, UnbindReason.COMMAND, utcnow(), by=member)
            return Answer([Reply(t(OFF, cell=where))])
        key = robot_key(" ".join(inbound.args))
        if key is None:
            return Answer([Reply(t(BAD))])
        try:
            await bind_robot(session, member, key, secret)
        except BindError as refused:
            return Answer([Reply(t(BIND_PROBLEMS[refused.problem],
                                   cell=cell_name(refused.cell, t)))])
        return Answer([Reply(t(SET, cell=where, key=escape(masked(key))))])

    return await as_member(inbound, deps, work)


ROUTES = (Route(on_robot, command="robot"),)
