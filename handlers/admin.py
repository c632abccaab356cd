"""Administration in the chat: /invite (a role in a cell, or a group chat: a link and a QR code
to print), /members (the subtree, page by page; deactivate), /poster (a water source's QR
poster), and the poster's deep link, which opens a report with that source chosen.

Every press reloads the presser and re-checks their rights (services.members.staff)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import admin_views as views
from handlers.chat import Answer, Attachment, Inbound, Reply
from handlers.deps import Deps
from handlers.people import load_member, start_first, tr
from handlers.route import Route
from handlers.words import escape
from models import GridCell, Member, Role, SupervisionKind, WaterSource, utcnow
from services.i18n import N_, Translator
from services.members import StaffRefused, cases_held, find_member, set_kind, staff
from services.notices.card import Buttons
from services.posters import Line, invite_card, source_poster

COMMANDS: tuple[tuple[str, str], ...] = (
    ("invite", N_("Invite someone to a role, or a group chat (managers)")),
    ("members", N_("The members of your part of the grid (managers)")),
    ("poster", N_("A QR poster for a water source's signs (managers)")),
)
COMMAND_ROLES = {c: frozenset({Role.MANAGER, Role.ADMIN}) for c, _ in COMMANDS}
STAFF_COMMANDS = tuple(c for c, _ in COMMANDS)
T = TypeVar("T")


async def _staff(session: AsyncSession, inbound: Inbound,
                 deps: Deps) -> tuple[Member, Translator] | Answer:
    """The member if they administer, else the answer that tells them why not."""
    member = await find_member(session, inbound.who.channel, inbound.who.user_id)
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


async def _as_staff(inbound: Inbound, deps: Deps,
                    work: Callable[[AsyncSession, Member, Translator], Awaitable[T]]
                    ) -> T | Answer:
    """One unit of work for a member who administers: `work` run and committed; anyone else
    is told why not."""
    async with deps.sessions() as session:
        found = await _staff(session, inbound, deps)
        if isinstance(found, Answer):
            return found
        done = await work(session, *found)
        await session.commit()
    return done


async def on_invite(inbound: Inbound, deps: Deps) -> Answer:
    async def roles(_session: AsyncSession, member: Member, t: Translator) -> Answer:
        return _say(inbound, *views.roles_view(staff.invitable_roles(member), t))

    return await _as_staff(inbound, deps, roles)


async def on_members(inbound: Inbound, deps: Deps) -> Answer:
    return await _as_staff(inbound, deps, lambda session, member, t: _members_page(
        session, inbound, member, t, 0))


async def on_poster(inbound: Inbound, deps: Deps) -> Answer:
    async def sources(session: AsyncSession, member: Member, t: Translator) -> Answer:
        found = await staff.sources_in(session, member)
        if not found:
            return _say(inbound, t("There is no water source in your part of the grid."))
        return _say(inbound, *views.sources_view(found, t))

    return await _as_staff(inbound, deps, sources)


async def on_press(inbound: Inbound, deps: Deps) -> Answer:
    """A press on an administration button: `ad:<what>:<ids>`."""
    parts = (inbound.press or "").removeprefix(views.PREFIX).split(":")

    async def pressed(session: AsyncSession, member: Member, t: Translator
                      ) -> Answer | _Picture:
        try:
            return await _pressed(session, inbound, deps, member, t, parts[0], parts[1:])
        except StaffRefused as refused:
            await session.rollback()  # nothing of a refused press is kept
            return Answer(toast=t(views.PROBLEMS[refused.problem]), alert=True)
        except (IndexError, ValueError):
            await session.rollback()
            return Answer(toast=t(views.PROBLEMS[staff.StaffProblem.UNKNOWN]), alert=True)

    drawn = await _as_staff(inbound, deps, pressed)
    return await drawn.answer() if isinstance(drawn, _Picture) else drawn


@dataclass(frozen=True)
class _Picture:
    """An answer with a QR picture, drawn once the unit of work is committed (Pillow runs with
    no transaction open)."""

    said: Answer
    caption: str
    draw: Callable[[], bytes]
    name: str

    async def answer(self) -> Answer:
        png = await asyncio.to_thread(self.draw)
        self.said.replies.append(Reply(self.caption, file=Attachment(png, self.name, image=True)))
        return self.said


async def _pressed(session: AsyncSession, inbound: Inbound, deps: Deps, member: Member,
                   t: Translator, op: str, args: list[str]) -> Answer | _Picture:
    if op == "r":
        what = args[0] if args[0] == views.GROUP else Role(args[0]).value
        tops = await staff.home_cells(session, member)
        view = await staff.cell_view(session, member, tops[0].id) if len(tops) == 1 else None
        if view is not None:
            return _say(inbound, *views.cell_view(what, view, 0, t))
        return _say(inbound, *views.tops_view(what, tops, t))
    if op == "c":
        view = await staff.cell_view(session, member, int(args[1]))
        return _say(inbound, *views.cell_view(args[0], view, int(args[2]), t))
    if op == "i" and args[0] == Role.LEADER.value:
        view = await staff.cell_view(session, member, int(args[1]))
        sources = await staff.sources_in(session, member, view.cell.id)
        return _say(inbound, *views.sources_for_leader(view.cell, sources, t))
    if op in ("i", "l"):
        what = views.GROUP if op == "i" and args[0] == views.GROUP else (
            args[0] if op == "i" else Role.LEADER.value)
        cell_id = int(args[1] if op == "i" else args[0])
        source_id = int(args[1]) if op == "l" and int(args[1]) else None
        return await _issue(session, inbound, deps, member, t, what, cell_id, source_id)
    if op == "m":
        return await _members_page(session, inbound, member, t, int(args[0]))
    if op in ("p", "d"):
        return await _member_card(session, inbound, member, t, int(args[0]), int(args[1]),
                                  confirm=op == "d")
    if op == "k":
        await set_kind(session, member, int(args[0]), SupervisionKind(args[1]))
        return await _member_card(session, inbound, member, t, int(args[0]), int(args[2]),
                                  confirm=False)
    if op == "D":
        return await _deactivate(session, inbound, member, t, int(args[0]))
    if op == "w":
        return await _poster(session, inbound, deps, member, t, int(args[0]))
    raise ValueError(op)


async def _issue(session: AsyncSession, inbound: Inbound, deps: Deps, member: Member,
                 t: Translator, what: str, cell_id: int, source_id: int | None) -> _Picture:
    group = what == views.GROUP
    invite = await staff.issue_invite(session, member, utcnow(), role=Role(
        Role.VOLUNTEER if group else what), cell_id=cell_id, source_id=source_id,
        for_group=group)
    cell = await session.get(GridCell, cell_id)
    source = await session.get(WaterSource, source_id) if source_id else None
    assert cell is not None
    link = views.invite_link(deps.links[inbound.who.channel], invite.code, group)
    caption = views.invite_caption(what, cell, source, link, invite.code, invite.expires_at,
                                   ZoneInfo(deps.settings.locale.timezone), t)
    lines = [Line(f"{views.what_label(what, t)} · {cell.name}", cell.code, 40)]
    return _Picture(_say(inbound, t("Here is the invite:")), caption,
                    partial(invite_card, link, lines), "invite.png")


async def _members_page(session: AsyncSession, inbound: Inbound, member: Member,
                        t: Translator, page: int) -> Answer:
    listed = await staff.subtree_members(session, member, page)
    top = await session.get(GridCell, member.cell_id) if member.role != Role.ADMIN and \
        member.cell_id is not None else None
    return _say(inbound, *views.members_view(listed, views.cell_label(top, t), t))


async def _member_card(session: AsyncSession, inbound: Inbound, actor: Member, t: Translator,
                       member_id: int, back: int, *, confirm: bool) -> Answer:
    member, cell = await staff.member_in_reach(session, actor, member_id)
    held = len(await cases_held(session, member))
    problem = staff.deactivation_problem(actor, member, cell)
    if confirm:
        if problem is not None:
            raise StaffRefused(problem)
        return _say(inbound, *views.confirm_view(member, held, back, t))
    return _say(inbound, *views.member_view(member, cell, held, problem is None, back, t))


async def _deactivate(session: AsyncSession, inbound: Inbound, actor: Member, t: Translator,
                      member_id: int) -> Answer:
    done = await staff.deactivate_member(session, actor, member_id, utcnow())
    lines = [t("🚫 {name} was deactivated.", name=escape(done.member.display_name))]
    for handed in done.handed:
        lines.append(t("• {number} now held by {holder}", number=handed.number,
                       holder=escape(handed.to.display_name) if handed.to else t("no one yet")))
    if not done.handed:
        lines.append(t("They held no open case."))
    return _say(inbound, "\n".join(lines))


async def _poster(session: AsyncSession, inbound: Inbound, deps: Deps, member: Member,
                  t: Translator, source_id: int) -> _Picture:
    source = await staff.source_for(session, member, source_id)
    cell = await session.get(GridCell, source.cell_id) if source.cell_id else None
    link = views.poster_link(deps.links[inbound.who.channel], source)
    caption = t(
        "🪧 Poster for {source} (扫码上报): print it for the signs. Scanning it opens a "
        "report with {source} chosen, so the reporter picks the village or shares the "
        "place at once.\n{link}", source=escape(source.name), link=link)
    return _Picture(_say(inbound, t("Here is the poster:")), caption,
                    partial(source_poster, link, source.name, source.code,
                            cell.name if cell else ""), "poster.png")


async def on_staff_in_group(inbound: Inbound, deps: Deps) -> Answer:
    """Invites and member lists name people: only in a private chat."""
    t = tr(inbound, deps, await load_member(inbound, deps))
    return Answer([Reply(t("I do that only in a private chat with a grid manager: send me the "
                           "command there."))])


ROUTES = (
    Route(on_invite, command="invite"),
    Route(on_members, command="members"),
    Route(on_poster, command="poster"),
    Route(on_press, prefix=views.PREFIX),
)
