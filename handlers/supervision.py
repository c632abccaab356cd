"""Buttons of the deadline notices (acknowledge an order, more time, take over, hand down,
issue an order) and /bulletin. Every button reloads the case and re-checks rights in a service.

Callback data: "sv:<action>:<id>[:<hours>]"; the case card may add
`deadline_notices.order_button(case_id)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import order, pending
from handlers.card_edit import redraw
from handlers.common import load_member, reply, require_member, tr
from handlers.context import Ctx, GridApp
from handlers.notices import deadlines as deadline_notices
from handlers.words import escape
from models import Case, GridCell, Member, Role, utcnow
from services.deadlines import (
    ActionResult,
    Bulletin,
    acknowledge_order,
    bulletin,
    decide_extension,
    hand_down,
    issue_order_by,
    request_extension,
    take_over,
)
from services.digests import split_message
from services.grid import cell_names
from services.i18n import N_, Translator
from services.notices.card_refresh import queue_card_refresh
from services.settings import Settings

PREFIX = deadline_notices.PREFIX
COMMANDS: tuple[tuple[str, str], ...] = (
    ("bulletin", N_("Supervision bulletin: overdue cases and orders")),
)
EXTENSION_CHOICES_HOURS = (24, 72, 168)
PENDING_KIND = "extension"  # a PendingAction row: the reason is asked for next
PENDING_TTL = timedelta(minutes=15)
BULLETIN_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.MANAGER})
COMMAND_ROLES = {"bulletin": BULLETIN_ROLES}

Action = Callable[[AsyncSession, Settings, int, Member, Any], Awaitable[ActionResult]]


async def _ack(s: AsyncSession, _: Settings, oid: int, m: Member, now: Any) -> ActionResult:
    return await acknowledge_order(s, oid, m, now)


async def _approve(s: AsyncSession, cfg: Settings, rid: int, m: Member, now: Any) -> ActionResult:
    return await decide_extension(s, cfg, rid, m, True, now)


async def _refuse(s: AsyncSession, cfg: Settings, rid: int, m: Member, now: Any) -> ActionResult:
    return await decide_extension(s, cfg, rid, m, False, now)


ACTIONS: dict[str, tuple[Action, str]] = {
    "ack": (_ack, N_("Supervision order acknowledged.")),
    "iss": (issue_order_by, N_("Supervision order issued.")),
    "tko": (take_over, N_("The case is now yours.")),
    "hdn": (hand_down, N_("The case was handed back down with a new deadline.")),
    "exy": (_approve, N_("More time approved.")),
    "exn": (_refuse, N_("More time refused.")),
}


async def on_button(update: Update, ctx: Ctx) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    member = await load_member(update, ctx)
    t = tr(update, ctx, member)
    if member is None:
        await query.answer(t("Please send /start first, so I know who you are."), show_alert=True)
        return
    parts = query.data.split(":")
    try:
        action, target = parts[1], int(parts[2])
        hours = int(parts[3]) if len(parts) > 3 else 0
    except (IndexError, ValueError):
        await query.answer()
        return
    if action == "ext":
        await query.answer()
        await _ask_how_long(update, ctx, target, t)
    elif action == "exl" and hours in EXTENSION_CHOICES_HOURS:
        await pending.begin(ctx, member, PENDING_KIND, ttl=PENDING_TTL, case_id=target,
                            step="reason", data={"hours": hours})
        await query.answer()
        await reply(update, t("Why do you need more time? Send the reason in one message."))
    elif action in ACTIONS:
        work, done = ACTIONS[action]
        async with ctx.deps.sessions() as session:
            actor = await session.get(Member, member.id)
            assert actor is not None
            outcome = await work(session, ctx.deps.settings, target, actor, utcnow())
            if outcome.ok:
                if outcome.case is not None:  # every copy of its cards follows
                    await queue_card_refresh(session, outcome.case.id)
                await session.commit()
        await query.answer(t(done) if outcome.ok else t(outcome.reason), show_alert=not outcome.ok)
        if outcome.ok and isinstance(query.message, Message):
            if outcome.case is not None:  # the pressed card shows the case as it is now
                await redraw(ctx.deps, query.message, member, outcome.case.id, ctx.deps.renderers,
                             as_card=_is_case_card(query.message))
            else:
                await query.edit_message_reply_markup(None)
    else:
        await query.answer()


def _is_case_card(message: Message) -> bool:
    """A case card (handlers.notices.cards) rather than a deadline notice: it has the
    workflow's buttons."""
    markup = message.reply_markup
    data = [str(b.callback_data or "") for row in (markup.inline_keyboard if markup else ())
            for b in row]
    return any(d.startswith("c:") for d in data) or (
        f"{PREFIX}iss:" in " ".join(data) and not any(d.startswith(f"{PREFIX}tko:") for d in data)
    )


async def _ask_how_long(update: Update, ctx: Ctx, case_id: int, t: Translator) -> None:
    async with ctx.deps.sessions() as session:
        case = await session.get(Case, case_id)
    if case is None:
        await reply(update, t("This case no longer exists."))
        return
    labels = {24: t("1 more day"), 72: t("3 more days"), 168: t("7 more days")}
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(labels[h], callback_data=f"{PREFIX}exl:{case_id}:{h}")
        for h in EXTENSION_CHOICES_HOURS
    ]])
    await reply(update, t("How much more time do you need for case {number}?",
                          number=escape(case.number)), keyboard)


async def on_reason(update: Update, ctx: Ctx) -> None:
    """The reason for an extension asked for just before; other text passes on untouched."""
    message, user = update.effective_message, update.effective_user
    if message is None or not message.text or user is None:
        return
    if pending.kind_for(ctx.bot_data, user.id) != PENDING_KIND:
        return
    asker = await load_member(update, ctx)
    row = await pending.load(ctx, asker) if asker is not None else None
    if asker is None or row is None or row.kind != PENDING_KIND or row.case_id is None:
        return
    await pending.end(ctx, asker)
    case_id, hours, member = row.case_id, int(row.data.get("hours", 0)), asker
    t = tr(update, ctx, member)
    async with ctx.deps.sessions() as session:
        case = await session.get(Case, case_id)
        actor = await session.get(Member, member.id)
        outcome = ActionResult(False, N_("This case has no deadline to extend."))
        if case is not None and case.due_at is not None and actor is not None:
            outcome = await request_extension(
                session, ctx.deps.settings, case_id, actor, message.text,
                case.due_at + timedelta(hours=hours), utcnow())
            if outcome.ok:
                await session.commit()
    await reply(update, t("Your request was sent to the level above.") if outcome.ok
                else t(outcome.reason))
    raise ApplicationHandlerStop


async def on_bulletin(update: Update, ctx: Ctx) -> None:
    """/bulletin [days]: overdue cases and the orders of the last days (15 by default)."""
    member = await require_member(update, ctx)
    if member is None:
        return
    t = tr(update, ctx, member)
    if member.role_enum not in BULLETIN_ROLES:
        await reply(update, t("Only managers, leaders and supervisors can see the bulletin."))
        return
    days = 15
    if ctx.args and ctx.args[0].isdigit():
        days = max(1, min(int(ctx.args[0]), 366))
    now = utcnow()
    async with ctx.deps.sessions() as session:
        scope = await session.get(GridCell, member.cell_id) if member.cell_id else None
        found, names = None, dict[int, str]()
        if scope is not None or member.role_enum == Role.ADMIN:
            found = await bulletin(session, now - timedelta(days=days), now, scope)
            names = await cell_names(
                session, [x.cell_id for x in found.overdue] + [x.cell_id for x in found.orders])
    if found is None:
        await reply(update, t("You have no grid cell, so there is no bulletin for you."))
        return
    for part in split_message(bulletin_text(found, names, t, ctx.deps.settings)):
        await reply(update, part)


def bulletin_text(b: Bulletin, names: dict[int, str], t: Translator, settings: Settings) -> str:
    when = deadline_notices.when
    lines = ["<b>" + t("Supervision bulletin, {start} to {end}", start=when(b.start, settings),
                       end=when(b.end, settings)) + "</b>",
             "", "<b>" + t("Overdue cases: {count}", count=len(b.overdue)) + "</b>"]
    for line in b.overdue:
        lines.append(t.n("{number} · {cell} · owner: {owner} · {count} day late",
                         "{number} · {cell} · owner: {owner} · {count} days late",
                         line.days_late, number=escape(line.case_number),
                         cell=escape(names.get(line.cell_id, "?")),
                         owner=escape(line.owner) if line.owner else t("no one assigned")))
    lines += ["", "<b>" + t("Supervision orders issued: {count}", count=len(b.orders)) + "</b>"]
    for line in b.orders:
        lines.append(t("{order} · case {number} · {cell} · {state}",
                       order=escape(line.order_number or ""), number=escape(line.case_number),
                       cell=escape(names.get(line.cell_id, "?")),
                       state=t(ORDER_STATES.get(line.order_state or "", "?"))))
    return "\n".join(lines)


ORDER_STATES = {
    "issued": N_("not yet acknowledged"),
    "acknowledged": N_("acknowledged"),
    "resolved": N_("resolved"),
}


def register(app: GridApp) -> None:
    pending.ensure_warm(app)
    app.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}"))
    app.add_handler(CommandHandler("bulletin", on_bulletin))
    app.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, on_reason),
        group=order.REASON,
    )
