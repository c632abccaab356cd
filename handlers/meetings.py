"""`/meeting`: the fortnightly meeting's pack (每半月例会) for the member's part of the grid, as a
Word file and a workbook, in any channel (built in a thread after the session closed)."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from handlers.chat import Answer, Attachment, Inbound, Reply
from handlers.deps import Deps
from handlers.keepers import keeper
from handlers.route import Route
from handlers.words import escape
from models import utcnow
from services.i18n import N_
from services.ledger import LEDGER_ROLES
from services.meetings import (
    build_meeting_docx,
    build_meeting_xlsx,
    figures_line,
    load_meeting,
    pack_name,
    title_of,
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("meeting", N_("The fortnightly meeting's pack: red and overdue cases, campaigns, open "
                   "orders")),
)
COMMAND_ROLES = {"meeting": LEDGER_ROLES}
NOT_STAFF = N_("The meeting's pack is for grid managers, leaders and supervisors. Send /mine "
               "to follow the cases you reported.")
NO_CELL = N_("You have no grid cell, so there is no meeting pack for you.")


async def on_meeting(inbound: Inbound, deps: Deps) -> Answer:
    tz = ZoneInfo(deps.settings.locale.timezone)
    async with deps.sessions() as session:
        found = await keeper(session, inbound, deps, not_staff=NOT_STAFF, no_cell=NO_CELL)
        if isinstance(found, Answer):
            return found
        t = found.t
        pack = await load_meeting(session, found.scope, utcnow(), tz, found.sources)
    word = await asyncio.to_thread(build_meeting_docx, pack, t, deps.settings)
    book = await asyncio.to_thread(build_meeting_xlsx, pack, t, deps.settings)
    said = "\n".join([
        escape(title_of(pack, t)), escape(figures_line(pack, t)),
        t.n("{count} red or overdue case, ", "{count} red or overdue cases, ", len(pack.late))
        + t.n("{count} campaign, ", "{count} campaigns, ", len(pack.campaigns))
        + t.n("{count} supervision order still open.", "{count} supervision orders still open.",
              len(pack.orders)),
    ])
    return Answer([Reply(said, file=Attachment(word, pack_name(pack, t, "docx"))),
                   Reply(t("The same lists as a workbook."),
                         file=Attachment(book, pack_name(pack, t, "xlsx")))])


ROUTES = (Route(on_meeting, command="meeting"),)
