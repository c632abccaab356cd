"""`/ledger [open|all]`: the ledger (台账) of the member's part of the grid as an .xlsx file,
in any channel (bot/telegram/ledger.py registers it on Telegram).

The rows are loaded and the session closed before the workbook is built (in a thread) and sent.
"""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from handlers.chat import Answer, Attachment, Inbound, Reply
from handlers.deps import Deps
from handlers.keepers import keeper
from handlers.people import load_member, tr
from handlers.route import Route
from handlers.words import escape
from models import utcnow
from services.i18n import N_
from services.ledger import (
    LEDGER_ROLES,
    LedgerMode,
    build_workbook,
    file_name,
    load_ledger,
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("ledger", N_("The ledger (台账) of your part of the grid as a spreadsheet")),
)
COMMAND_ROLES = {"ledger": LEDGER_ROLES}
NOT_STAFF = N_("The ledger is kept by grid managers, leaders and supervisors. Send /mine to "
               "follow the cases you reported.")
NO_CELL = N_("You have no grid cell, so there is no ledger for you.")
MODES = {"open": LedgerMode.OPEN, "all": LedgerMode.ALL, "未办结": LedgerMode.OPEN,
         "全部": LedgerMode.ALL}


async def on_ledger(inbound: Inbound, deps: Deps) -> Answer:
    settings = deps.settings
    tz = ZoneInfo(settings.locale.timezone)
    async with deps.sessions() as session:
        found = await keeper(session, inbound, deps, not_staff=NOT_STAFF, no_cell=NO_CELL)
        if isinstance(found, Answer):
            return found
        t = found.t
        word = (inbound.args[0].lower() if inbound.args else "open")
        mode = MODES.get(word)
        if mode is None:
            return Answer([Reply(t("Send /ledger for the open cases, or /ledger all for every "
                                   "case."))])
        ledger = await load_ledger(session, found.scope, utcnow(), tz, mode,
                                   sources=found.sources)
    data = await asyncio.to_thread(build_workbook, ledger, t, settings)
    scope_name = escape(ledger.scope_name) if ledger.scope_name else t("the whole grid")
    caption = t.n("Ledger of {scope}: {count} case listed, {overdue} of them overdue. The "
                  "figures by part of the grid and by category are on the second sheet.",
                  "Ledger of {scope}: {count} cases listed, {overdue} of them overdue. The "
                  "figures by part of the grid and by category are on the second sheet.",
                  len(ledger.rows), scope=scope_name, overdue=ledger.totals.overdue)
    if ledger.truncated:
        caption += "\n" + t.n("Only the oldest {count} case is listed; the command line "
                              "exports the whole ledger.",
                              "Only the oldest {count} cases are listed; the command line "
                              "exports the whole ledger.", len(ledger.rows))
    return Answer([Reply(caption, file=Attachment(data, file_name(ledger, t, tz)))])


async def on_ledger_in_group(inbound: Inbound, deps: Deps) -> Answer:
    """The ledger names people and places: it is sent only in a private chat."""
    t = tr(inbound, deps, await load_member(inbound, deps))
    return Answer([Reply(t("The ledger names people and places, so I send it only in a private "
                           "chat: send me /ledger there."))])


ROUTES = (Route(on_ledger, command="ledger"),)
