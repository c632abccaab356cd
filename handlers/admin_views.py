"""What administration in the chat looks like: the role and cell pickers of /invite, the pages
of /members, a member's card with its deactivate button, the source list of /poster, and the
deep links the QR codes carry. Buttons carry short ids only (`ad:<what>:<ids>`)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.chat import DeepLink
from handlers.words import escape, level_name, role_name
from models import GridCell, Member, Role, SupervisionKind, WaterSource
from services.i18n import N_, Translator
from services.members import KIND_LABELS, CellView, MemberPage, StaffProblem, kind_of
from services.notices.card import Button, Buttons

PREFIX = "ad:"
GROUP = "group"  # the "role" of a group invite in the buttons
PER_PAGE = 10  # cells below, per page of the picker
_CODE_FITS = re.compile(r"^[A-Za-z0-9_-]{1,61}$")

NOT_STAFF = N_("Only grid managers and administrators can do this. Send /help to see what you "
               "can do.")
PROBLEMS: dict[StaffProblem, str] = {
    StaffProblem.NOT_STAFF: NOT_STAFF,
    StaffProblem.ROLE: N_("Only an administrator can invite an administrator."),
    StaffProblem.OUTSIDE: N_("That is outside your part of the grid."),
    StaffProblem.UNKNOWN: N_("That no longer exists. Please start again."),
    StaffProblem.SELF: N_("You cannot deactivate yourself."),
    StaffProblem.PEER: N_("A grid manager of your own cell (or an administrator) can only be "
                          "deactivated by the level above, or by an administrator."),
    StaffProblem.ALREADY: N_("This member is already deactivated."),
}


def data(*parts: object) -> str:
    return PREFIX + ":".join(str(p) for p in parts)


def button(text: str, *parts: object) -> Button:
    return Button(text, data(*parts))


def _keys(rows: list[list[Button]]) -> Buttons:
    return tuple(tuple(row) for row in rows)


def cell_label(cell: GridCell | None, t: Translator) -> str:
    if cell is None:
        return t("the whole grid")
    return t("{name} ({level})", name=escape(cell.name), level=level_name(cell.level, t))


def invite_link(link: DeepLink, code: str, for_group: bool) -> str:
    return link(code, for_group)


def poster_payload(source: WaterSource) -> str:
    """`ws-<code>` (a printed poster survives a database rebuilt from the same grid file), or
    `wsid-<id>` for a code that a /start payload cannot carry."""
    return f"ws-{source.code}" if _CODE_FITS.match(source.code) else f"wsid-{source.id}"


def poster_link(link: DeepLink, source: WaterSource) -> str:
    return link(poster_payload(source), False)


def what_label(what: str, t: Translator) -> str:
    return t("a group chat") if what == GROUP else role_name(what, t)


def roles_view(roles: list[Role], t: Translator) -> tuple[str, Buttons]:
    rows = [[button(role_name(r, t), "r", r.value)] for r in roles]
    rows.append([button(t("👥 Group chat"), "r", GROUP)])
    return (t("Whom is the invite for? Each invite works once, for 7 days."),
              _keys(rows))


def tops_view(what: str, tops: list[GridCell], t: Translator) -> tuple[str, Buttons]:
    rows = [[button(c.name, "c", what, c.id, 0)] for c in tops]
    text = t("Invite {what}: choose the cell.", what=what_label(what, t))
    return text, _keys(rows)


def cell_view(what: str, view: CellView, page: int, t: Translator
              ) -> tuple[str, Buttons]:
    """The cell picker at one cell: invite here, or go to a cell below (or back up)."""
    cell = view.cell
    rows = [[button(t("✅ For {cell}", cell=cell.name), "i", what, cell.id)]]
    pages = max(1, -(-len(view.below) // PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = view.below[page * PER_PAGE:(page + 1) * PER_PAGE]
    for index in range(0, len(shown), 2):
        rows.append([button(f"{c.name} ›", "c", what, c.id, 0) for c in shown[index:index + 2]])
    nav = []
    if page > 0:
        nav.append(button("◀", "c", what, cell.id, page - 1))
    if page + 1 < pages:
        nav.append(button("▶", "c", what, cell.id, page + 1))
    if nav:
        rows.append(nav)
    if view.above is not None:
        rows.append([button(t("⬆ Up to {cell}", cell=view.above.name), "c", what,
                            view.above.id, 0)])
    if view.below:
        text = t("Invite {what}: for {cell}, or for a cell below it?", what=what_label(what, t),
                 cell=cell_label(cell, t))
    else:
        text = t("Invite {what} for {cell}?", what=what_label(what, t), cell=cell_label(cell, t))
    return text, _keys(rows)


def sources_for_leader(cell: GridCell, sources: list[WaterSource], t: Translator
                       ) -> tuple[str, Buttons]:
    rows = [[button(s.name, "l", cell.id, s.id)] for s in sources[:90]]
    rows.append([button(t("No water source"), "l", cell.id, 0)])
    return (t("Is the leader the linked leader of a water source (一名领导联系一个水源地)?"),
            _keys(rows))


def invite_caption(what: str, cell: GridCell, source: WaterSource | None, link: str, code: str,
                   expires: datetime, tz: ZoneInfo, t: Translator) -> str:
    until = expires.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if what == GROUP:
        text = t("👥 Group invite for {cell}, single use, until {until}. Add me to the group "
                 "chat, then a grid manager of the cell sends there:\n<code>/bind {code}</code>\n"
                 "Or open the link and pick the group: {link}",
                 cell=cell_label(cell, t), until=until, code=code, link=link)
    else:
        text = t("🎫 Invite: {role} for {cell}, single use, until {until}. Print the QR code "
                 "(扫码加入) or forward this message; whoever opens it first becomes {role} of "
                 "{cell}.\n{link}", role=role_name(what, t), cell=cell_label(cell, t),
                 until=until, link=link)
    if source is not None:
        text += "\n" + t("Linked leader of {source}.", source=escape(source.name))
    return text


def state_label(member: Member, t: Translator) -> str:
    if member.deactivated_at is not None:
        return t("deactivated")
    return t("active") if member.active else t("unreachable (blocked the bot)")


def members_view(page: MemberPage, top: str, t: Translator) -> tuple[str, Buttons]:
    lines = [t("👥 Members of {scope}: {count} (page {page} of {pages})", scope=top,
               count=page.total, page=page.page + 1, pages=page.pages)]
    rows = []
    for member, cell in page.rows:
        lines.append(t("• {name}: {role}, {cell}, {state}", name=escape(member.display_name),
                       role=role_name(member.role, t), cell=cell_label(cell, t),
                       state=state_label(member, t)))
        rows.append([button(member.display_name[:40], "p", member.id, page.page)])
    nav = []
    if page.page > 0:
        nav.append(button("◀", "m", page.page - 1))
    if page.page + 1 < page.pages:
        nav.append(button("▶", "m", page.page + 1))
    if nav:
        rows.append(nav)
    return "\n".join(lines), _keys(rows)


def member_view(member: Member, cell: GridCell | None, held: int, may_deactivate: bool,
                back_page: int, t: Translator) -> tuple[str, Buttons]:
    lines = [
        escape(member.display_name),
        t("Role: {role}", role=role_name(member.role, t)),
        t("Grid cell: {cell}", cell=cell_label(cell, t)),
        t("State: {state}", state=state_label(member, t)),
        t("Open cases they hold: {count}", count=held),
    ]
    rows = []
    if member.role == Role.SUPERVISOR:
        kind = kind_of(member)
        lines.insert(2, t("Kind of supervision: {kind}",
                          kind=t(KIND_LABELS[kind]) if kind else t("not set")))
        if may_deactivate:
            choices = [button(("✓ " if k is kind else "") + t(KIND_LABELS[k]), "k", member.id,
                              k.value, back_page) for k in SupervisionKind]
            rows += [choices[i:i + 2] for i in range(0, len(choices), 2)]
    text = "\n".join(lines)
    if may_deactivate:
        rows.append([button(t("🚫 Deactivate"), "d", member.id, back_page)])
    rows.append([button(t("⬅ Back to the list"), "m", back_page)])
    return text, _keys(rows)


def confirm_view(member: Member, held: int, back_page: int, t: Translator
                 ) -> tuple[str, Buttons]:
    text = t("Deactivate {name}? They can no longer use the bot until they get a new invite; "
             "the open cases they hold ({count}) go to the other grid managers of the cell, "
             "or the level above; they are told.", name=escape(member.display_name), count=held)
    return text, ((button(t("🚫 Yes, deactivate"), "D", member.id, back_page),),
                  (button(t("Cancel"), "p", member.id, back_page),))


def sources_view(sources: list[WaterSource], t: Translator) -> tuple[str, Buttons]:
    rows = [[button(s.name, "w", s.id)] for s in sources[:90]]
    return (t("Which water source is the poster for? Scanning it opens a report with that "
              "source chosen."), _keys(rows))
