"""Administration in the chat: /invite (a role in a cell, or a group chat: a link and a QR code
to print), /members (the subtree, page by page; deactivate), /poster (a water source's QR
poster), and the poster's deep link, which opens a report with that source chosen.

Every press reloads the presser and re-checks their rights (services.members.staff)."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers import admin_views as views
from handlers.common import (
    load_member,
    reply,
    require_member,
    tr,
)
from handlers.context import Ctx, GridApp
from handlers.words import escape
from models import GridCell, Member, Role, WaterSource, utcnow
from services.i18n import N_, Translator
from services.members import StaffRefused, cases_held, staff
from services.posters import Line, invite_card, source_poster

COMMANDS: tuple[tuple[str, str], ...] = (
    ("invite", N_("Invite someone to a role, or a group chat (managers)")),
    ("members", N_("The members of your part of the grid (managers)")),
    ("poster", N_("A QR poster for a water source's signs (managers)")),
)
COMMAND_ROLES = {c: frozenset({Role.MANAGER, Role.ADMIN}) for c, _ in COMMANDS}


async def _staff(update: Update, ctx: Ctx) -> tuple[Member, Translator] | None:
    """The member if they administer, else None after telling them."""
    member = await require_member(update, ctx)
    if member is None:
        return None
    t = tr(update, ctx, member)
    if not staff.administers(member):
        if update.callback_query is not None:
            await update.callback_query.answer(t(views.NOT_STAFF), show_alert=True)
        else:
            await reply(update, t(views.NOT_STAFF))
        return None
    return member, t


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer a press by editing its message (a text), a command with a new one."""
    query = update.callback_query
    pressed = query.message if query is not None else None
    if query is not None:
        await query.answer()
    if query is None or not isinstance(pressed, Message) or not pressed.text:
        await reply(update, text, markup)
        return
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def on_invite(update: Update, ctx: Ctx) -> None:
    found = await _staff(update, ctx)
    if found is not None:
        member, t = found
        await _say(update, *views.roles_view(staff.invitable_roles(member), t))


async def on_members(update: Update, ctx: Ctx) -> None:
    await _members_page(update, ctx, 0)


async def on_poster(update: Update, ctx: Ctx) -> None:
    found = await _staff(update, ctx)
    if found is None:
        return
    member, t = found
    async with ctx.deps.sessions() as session:
        sources = await staff.sources_in(session, member)
    if not sources:
        await _say(update, t("There is no water source in your part of the grid."))
        return
    await _say(update, *views.sources_view(sources, t))


async def on_press(update: Update, ctx: Ctx) -> None:
    """A press on an administration button: `ad:<what>:<ids>`."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").removeprefix(views.PREFIX).split(":")
    found = await _staff(update, ctx)
    if found is None:
        return
    member, t = found
    try:
        await _pressed(update, ctx, member, t, parts[0], parts[1:])
    except StaffRefused as refused:
        await query.answer(t(views.PROBLEMS[refused.problem]), show_alert=True)
    except (IndexError, ValueError):
        await query.answer(t(views.PROBLEMS[staff.StaffProblem.UNKNOWN]), show_alert=True)


async def _pressed(update: Update, ctx: Ctx, member: Member, t: Translator, op: str,
                   args: list[str]) -> None:
    if op == "r":
        what = args[0] if args[0] == views.GROUP else Role(args[0]).value
        async with ctx.deps.sessions() as session:
            tops = await staff.home_cells(session, member)
            view = await staff.cell_view(session, member, tops[0].id) if len(tops) == 1 else None
        if view is not None:
            await _say(update, *views.cell_view(what, view, 0, t))
        else:
            await _say(update, *views.tops_view(what, tops, t))
    elif op == "c":
        async with ctx.deps.sessions() as session:
            view = await staff.cell_view(session, member, int(args[1]))
        await _say(update, *views.cell_view(args[0], view, int(args[2]), t))
    elif op == "i" and args[0] == Role.LEADER.value:
        async with ctx.deps.sessions() as session:
            view = await staff.cell_view(session, member, int(args[1]))
            sources = await staff.sources_in(session, member, view.cell.id)
        await _say(update, *views.sources_for_leader(view.cell, sources, t))
    elif op in ("i", "l"):
        what = views.GROUP if op == "i" and args[0] == views.GROUP else (
            args[0] if op == "i" else Role.LEADER.value)
        cell_id = int(args[1] if op == "i" else args[0])
        source_id = int(args[1]) if op == "l" and int(args[1]) else None
        await _issue(update, ctx, member, t, what, cell_id, source_id)
    elif op == "m":
        await _members_page(update, ctx, int(args[0]))
    elif op in ("p", "d"):
        await _member_card(update, ctx, member, t, int(args[0]), int(args[1]), confirm=op == "d")
    elif op == "D":
        await _deactivate(update, ctx, member, t, int(args[0]))
    elif op == "w":
        await _poster(update, ctx, member, t, int(args[0]))
    else:
        raise ValueError(op)


async def _issue(update: Update, ctx: Ctx, member: Member, t: Translator, what: str,
                 cell_id: int, source_id: int | None) -> None:
    group = what == views.GROUP
    async with ctx.deps.sessions() as session:
        invite = await staff.issue_invite(session, member, utcnow(), role=Role(
            Role.VOLUNTEER if group else what), cell_id=cell_id, source_id=source_id,
            for_group=group)
        await session.commit()
        cell = await session.get(GridCell, cell_id)
        source = await session.get(WaterSource, source_id) if source_id else None
    assert cell is not None
    link = views.invite_link(ctx.bot.username, invite.code, group)
    caption = views.invite_caption(what, cell, source, link, invite.code, invite.expires_at,
                                   ZoneInfo(ctx.deps.settings.locale.timezone), t)
    title = f"{views.what_label(what, t)} · {cell.name}"
    png = await asyncio.to_thread(invite_card, link, [Line(title, cell.code, 40)])
    await _say(update, t("Here is the invite:"))
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(png, caption=caption, parse_mode=ParseMode.HTML)


async def _members_page(update: Update, ctx: Ctx, page: int) -> None:
    found = await _staff(update, ctx)
    if found is None:
        return
    member, t = found
    async with ctx.deps.sessions() as session:
        listed = await staff.subtree_members(session, member, page)
        top = await session.get(GridCell, member.cell_id) if member.role != Role.ADMIN and \
            member.cell_id is not None else None
    await _say(update, *views.members_view(listed, views.cell_label(top, t), t))


async def _member_card(update: Update, ctx: Ctx, actor: Member, t: Translator, member_id: int,
                       back: int, *, confirm: bool) -> None:
    async with ctx.deps.sessions() as session:
        member, cell = await staff.member_in_reach(session, actor, member_id)
        held = len(await cases_held(session, member))
    problem = staff.deactivation_problem(actor, member, cell)
    if confirm:
        if problem is not None:
            raise StaffRefused(problem)
        await _say(update, *views.confirm_view(member, held, back, t))
    else:
        await _say(update, *views.member_view(member, cell, held, problem is None, back, t))


async def _deactivate(update: Update, ctx: Ctx, actor: Member, t: Translator,
                      member_id: int) -> None:
    async with ctx.deps.sessions() as session:
        done = await staff.deactivate_member(session, actor, member_id, utcnow())
        await session.commit()
    lines = [t("🚫 {name} was deactivated.", name=escape(done.member.display_name))]
    for handed in done.handed:
        lines.append(t("• {number} now held by {holder}", number=handed.number,
                       holder=escape(handed.to.display_name) if handed.to else t("no one yet")))
    if not done.handed:
        lines.append(t("They held no open case."))
    await _say(update, "\n".join(lines))


async def _poster(update: Update, ctx: Ctx, member: Member, t: Translator,
                  source_id: int) -> None:
    async with ctx.deps.sessions() as session:
        source = await staff.source_for(session, member, source_id)
        cell = await session.get(GridCell, source.cell_id) if source.cell_id else None
    link = views.poster_link(ctx.bot.username, source)
    png = await asyncio.to_thread(source_poster, link, source.name, source.code,
                                  cell.name if cell else "")
    await _say(update, t("Here is the poster:"))
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(png, parse_mode=ParseMode.HTML, caption=t(
            "🪧 Poster for {source} (扫码上报): print it for the signs. Scanning it opens a "
            "report with {source} chosen, so the reporter picks the village or shares the "
            "place at once.\n{link}", source=escape(source.name), link=link))


async def on_staff_in_group(update: Update, ctx: Ctx) -> None:
    """Invites and member lists name people: only in a private chat."""
    t = tr(update, ctx, await load_member(update, ctx))
    await reply(update, t("I do that only in a private chat with a grid manager: send me the "
                          "command there."))


def register(app: GridApp) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("invite", on_invite, filters=private))
    app.add_handler(CommandHandler("members", on_members, filters=private))
    app.add_handler(CommandHandler("poster", on_poster, filters=private))
    app.add_handler(CommandHandler(("invite", "members", "poster"), on_staff_in_group,
                                   filters=filters.ChatType.GROUPS))
    app.add_handler(CallbackQueryHandler(on_press, pattern=f"^{views.PREFIX}"))

