"""`/ledger [open|all]`: the ledger (台账) of the member's part of the grid as an .xlsx file.

The rows are loaded and the session closed before the workbook is built (in a thread) and sent.
"""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CommandHandler, filters

from handlers.common import load_member, reply, require_member, tr
from handlers.context import Ctx, GridApp
from models import Role, utcnow
from services.i18n import N_
from services.ledger import (
    LEDGER_ROLES,
    LedgerMode,
    build_workbook,
    file_name,
    load_ledger,
    may_export,
    scope_of,
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("ledger", N_("The ledger (台账) of your part of the grid as a spreadsheet")),
)
COMMAND_ROLES = {"ledger": LEDGER_ROLES}
MODES = {"open": LedgerMode.OPEN, "all": LedgerMode.ALL, "未办结": LedgerMode.OPEN,
         "全部": LedgerMode.ALL}


async def on_ledger(update: Update, ctx: Ctx) -> None:
    member = await require_member(update, ctx)
    if member is None:
        return
    t = tr(update, ctx, member)
    if not may_export(member):
        await reply(update, t("The ledger is kept by grid managers, leaders and supervisors. "
                              "Send /mine to follow the cases you reported."))
        return
    word = (ctx.args[0].lower() if ctx.args else "open")
    mode = MODES.get(word)
    if mode is None:
        await reply(update, t("Send /ledger for the open cases, or /ledger all for every case."))
        return
    settings = ctx.deps.settings
    tz = ZoneInfo(settings.locale.timezone)
    async with ctx.deps.sessions() as session:
        scope = await scope_of(session, member)
        if scope is None and member.role != Role.ADMIN:
            ledger = None
        else:
            ledger = await load_ledger(session, scope, utcnow(), tz, mode)
    if ledger is None:
        await reply(update, t("You have no grid cell, so there is no ledger for you."))
        return
    data = await asyncio.to_thread(build_workbook, ledger, t, settings)
    caption = t.n("Ledger of {scope}: {count} case listed, {overdue} of them overdue. The "
                  "figures by part of the grid and by category are on the second sheet.",
                  "Ledger of {scope}: {count} cases listed, {overdue} of them overdue. The "
                  "figures by part of the grid and by category are on the second sheet.",
                  len(ledger.rows), scope=ledger.scope_name or t("the whole grid"),
                  overdue=ledger.totals.overdue)
    if ledger.truncated:
        caption += "\n" + t.n("Only the oldest {count} case is listed; the command line "
                              "exports the whole ledger.",
                              "Only the oldest {count} cases are listed; the command line "
                              "exports the whole ledger.", len(ledger.rows))
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(data, filename=file_name(ledger, t, tz), caption=caption)


async def on_ledger_in_group(update: Update, ctx: Ctx) -> None:
    """The ledger names people and places: it is sent only in a private chat."""
    t = tr(update, ctx, await load_member(update, ctx))
    await reply(update, t("The ledger names people and places, so I send it only in a private "
                          "chat: send me /ledger there."))


def register(app: GridApp) -> None:
    app.add_handler(CommandHandler("ledger", on_ledger, filters=filters.ChatType.PRIVATE))
    app.add_handler(CommandHandler("ledger", on_ledger_in_group, filters=~filters.ChatType.PRIVATE))
