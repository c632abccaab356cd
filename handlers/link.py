"""/link: a one-time code that adds another chat's account (WeCom or Telegram) to this
membership; typed there as /start CODE (services.members.identities)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.people import as_member, tr
from handlers.route import Route
from models import Member
from services.i18n import N_
from services.members import create_link

COMMANDS: tuple[tuple[str, str], ...] = (
    ("link", N_("Use your membership from another chat too (WeCom or Telegram)")),
)
HOW = N_("To use your membership from another chat as well (WeCom or Telegram), send this "
         "there within 15 minutes (in WeCom, type it to the app):\n\n/start {code}\n\nIt works "
         "once. Your role and rights are the same everywhere; notices come to the chat you "
         "wrote from last.")


async def on_link(inbound: Inbound, deps: Deps) -> Answer:
    async def work(session: AsyncSession, member: Member) -> Answer:
        invite = await create_link(session, member)
        return Answer([Reply(tr(inbound, deps, member)(HOW, code=invite.code))])

    return await as_member(inbound, deps, work)


ROUTES = (Route(on_link, command="link"),)
