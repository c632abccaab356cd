"""Administration in the chat: /invite (a role in a cell, or a group chat: a link and a QR code
to print), /members (the subtree, page by page; deactivate), /poster (a water source's QR
poster), and the poster's deep link, which opens a report with that source chosen.

Every press reloads the presser and re-checks their rights (services.members.staff)."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from handlers import admin_views as views
from handlers.chat import Answer, Attachment, Inbound, Reply
from handlers.deps import Deps
from handlers.people import load_member, start_first, tr
from handlers.words import escape
from models import GridCell, Member, Role, WaterSource, utcnow
from services.i18n import N_, Translator
from services.members import StaffRefused, cases_held, staff
from services.notices.card import Buttons
from services.posters import Line, invite_card, source_poster

COMMANDS: tuple[tuple[str, str], ...] = (
    ("invite", N_("Invite someone to a role, or a group chat (managers)")),
    ("members", N_("The members of your part of the grid (managers)")),
    ("poster", N_("A QR poster for a water source's signs (managers)")),
)
COMMAND_ROLES = {c: frozenset({Role.MANAGER, Role.ADMIN}) for c, _ in COMMANDS}
STAFF_COMMANDS = tuple(c for c, _ in COMMANDS)


async def _staff(inbound: Inbound, deps: Deps) -> tuple[Member, Translator] | Answer:
    """The member if they administer, else the answer that tells them why not."""
    member = await load_member(inbound, deps)
    if member is None:
        return start_first(inbound, deps)
    t = tr(inbound, deps, member)
    if not staff.administers(member):
        if inbound.press is not None:
            return Answer(toast=t(views.NOT_STAFF), alert=True)
        return Answer([Reply(t(views.NOT_STAFF))])
    return member, t


def _say(inbound: Inbound, text: str, buttons: Buttons = ()) -> Answer:
    """Answer a press by redrawing its message (a text), a command with a new one."""
    pressed = inbound.pressed
    # A message Telegram no longer shows in full comes without its buttons: answer anew.
    if inbound.press is not None and pressed is not None and pressed.buttons \
            and not pressed.with_media:
        return Answer(edit=Reply(text, buttons))
    return Answer([Reply(text, buttons)])


async def on_invite(inbound: Inbound, deps: Deps) -> Answer:
    found = await _staff(inbound, deps)
    if isinstance(found, Answer):
        return found
    member, t = found
    return _say(inbound, *views.roles_view(staff.invitable_roles(member), t))


async def on_members(inbound: Inbound, deps: Deps) -> Answer:
    return await _members_page(inbound, deps, 0)


async def on_poster(inbound: Inbound, deps: Deps) -> Answer:
    found = await _staff(inbound, deps)
    if isinstance(found, Answer):
        return found
    member, t = found
    async with deps.sessions() as session:
        sources = await staff.sources_in(session, member)
    if not sources:
        return _say(inbound, t("There is no water source in your part of the grid."))
    return _say(inbound, *views.sources_view(sources, t))


async def on_press(inbound: Inbound, deps: Deps) -> Answer:
    """A press on an administration button: `ad:<what>:<ids>`."""
    parts = (inbound.press or "").removeprefix(views.PREFIX).split(":")
    found = await _staff(inbound, deps)
    if isinstance(found, Answer):
        return found
    member, t = found
    try:
        return await _pressed(inbound, deps, member, t, parts[0], parts[1:])
    except StaffRefused as refused:
        return Answer(toast=t(views.PROBLEMS[refused.problem]), alert=True)
    except (IndexError, ValueError):
        return Answer(toast=t(views.PROBLEMS[staff.StaffProblem.UNKNOWN]), alert=True)


async def _pressed(inbound: Inbound, deps: Deps, member: Member, t: Translator, op: str,
                   args: list[str]) -> Answer:
    if op == "r":
        what = args[0] if args[0] == views.GROUP else Role(args[0]).value
        async with deps.sessions() as session:
            tops = await staff.home_cells(session, member)
            view = await staff.cell_view(session, member, tops[0].id) if len(tops) == 1 else None
        if view is not None:
            return _say(inbound, *views.cell_view(what, view, 0, t))
        return _say(inbound, *views.tops_view(what, tops, t))
    if op == "c":
        async with deps.sessions() as session:
            view = await staff.cell_view(session, member, int(args[1]))
        return _say(inbound, *views.cell_view(args[0], view, int(args[2]), t))
    if op == "i" and args[0] == Role.LEADER.value:
        async with deps.sessions() as session:
            view = await staff.cell_view(session, member, int(args[1]))
            sources = await staff.sources_in(session, member, view.cell.id)
        return _say(inbound, *views.sources_for_leader(view.cell, sources, t))
    if op in ("i", "l"):
        what = views.GROUP if op == "i" and args[0] == views.GROUP else (
            args[0] if op == "i" else Role.LEADER.value)
        cell_id = int(args[1] if op == "i" else args[0])
        source_id = int(args[1]) if op == "l" and int(args[1]) else None
        return await _issue(inbound, deps, member, t, what, cell_id, source_id)
    if op == "m":
        return await _members_page(inbound, deps, int(args[0]))
    if op in ("p", "d"):
        return await _member_card(inbound, deps, member, t, int(args[0]), int(args[1]),
                                  confirm=op == "d")
    if op == "D":
        return await _deactivate(inbound, deps, member, t, int(args[0]))
    if op == "w":
        return await _poster(inbound, deps, member, t, int(args[0]))
    raise ValueError(op)


async def _issue(inbound: Inbound, deps: Deps, member: Member, t: Translator, what: str,
                 cell_id: int, source_id: int | None) -> Answer:
    group = what == views.GROUP
    async with deps.sessions() as session:
        invite = await staff.issue_invite(session, member, utcnow(), role=Role(
            Role.VOLUNTEER if group else what), cell_id=cell_id, source_id=source_id,
            for_group=group)
        await session.commit()
        cell = await session.get(GridCell, cell_id)
        source = await session.get(WaterSource, source_id) if source_id else None
    assert cell is not None
    link = views.invite_link(deps.links[inbound.who.channel], invite.code, group)
    caption = views.invite_caption(what, cell, source, link, invite.code, invite.expires_at,
                                   ZoneInfo(deps.settings.locale.timezone), t)
    title = f"{views.what_label(what, t)} · {cell.name}"
    png = await asyncio.to_thread(invite_card, link, [Line(title, cell.code, 40)])
    answer = _say(inbound, t("Here is the invite:"))
    answer.replies.append(Reply(caption, file=Attachment(png, "invite.png", image=True)))
    return answer


async def _members_page(inbound: Inbound, deps: Deps, page: int) -> Answer:
    found = await _staff(inbound, deps)
    if isinstance(found, Answer):
        return found
    member, t = found
    async with deps.sessions() as session:
        listed = await staff.subtree_members(session, member, page)
        top = await session.get(GridCell, member.cell_id) if member.role != Role.ADMIN and \
            member.cell_id is not None else None
    return _say(inbound, *views.members_view(listed, views.cell_label(top, t), t))


async def _member_card(inbound: Inbound, deps: Deps, actor: Member, t: Translator,
                       member_id: int, back: int, *, confirm: bool) -> Answer:
    async with deps.sessions() as session:
        member, cell = await staff.member_in_reach(session, actor, member_id)
        held = len(await cases_held(session, member))
    problem = staff.deactivation_problem(actor, member, cell)
    if confirm:
        if problem is not None:
            raise StaffRefused(problem)
        return _say(inbound, *views.confirm_view(member, held, back, t))
    return _say(inbound, *views.member_view(member, cell, held, problem is None, back, t))


async def _deactivate(inbound: Inbound, deps: Deps, actor: Member, t: Translator,
                      member_id: int) -> Answer:
    async with deps.sessions() as session:
        done = await staff.deactivate_member(session, actor, member_id, utcnow())
        await session.commit()
    lines = [t("🚫 {name} was deactivated.", name=escape(done.member.display_name))]
    for handed in done.handed:
        lines.append(t("• {number} now held by {holder}", number=handed.number,
                       holder=escape(handed.to.display_name) if handed.to else t("no one yet")))
    if not done.handed:
        lines.append(t("They held no open case."))
    return _say(inbound, "\n".join(lines))


async def _poster(inbound: Inbound, deps: Deps, member: Member, t: Translator,
                  source_id: int) -> Answer:
    async with deps.sessions() as session:
        source = await staff.source_for(session, member, source_id)
        cell = await session.get(GridCell, source.cell_id) if source.cell_id else None
    link = views.poster_link(deps.links[inbound.who.channel], source)
    png = await asyncio.to_thread(source_poster, link, source.name, source.code,
                                  cell.name if cell else "")
    answer = _say(inbound, t("Here is the poster:"))
    answer.replies.append(Reply(t(
        "🪧 Poster for {source} (扫码上报): print it for the signs. Scanning it opens a "
        "report with {source} chosen, so the reporter picks the village or shares the "
        "place at once.\n{link}", source=escape(source.name), link=link),
        file=Attachment(png, "poster.png", image=True)))
    return answer


async def on_staff_in_group(inbound: Inbound, deps: Deps) -> Answer:
    """Invites and member lists name people: only in a private chat."""
    t = tr(inbound, deps, await load_member(inbound, deps))
    return Answer([Reply(t("I do that only in a private chat with a grid manager: send me the "
                           "command there."))])
