"""Chat basics in any channel: /start (with or without an invite), /help per role, /lang and
its buttons, /whoami, a private chat the person blocked, and the answer to a stray message.
The Telegram side (which handler takes what) is bot/telegram/start.py."""

from __future__ import annotations

from handlers import report
from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.help_book import Entry, for_role
from handlers.notices.cards import local_time
from handlers.people import language_of, load_member, person_of, start_first
from handlers.report import main_keyboard
from handlers.route import Route
from handlers.words import escape, level_name, role_name
from models import GridCell, Member, Role
from services.i18n import N_, SUPPORTED, Translator, translator
from services.members import (
    KICKED,
    Absence,
    InviteError,
    InviteProblem,
    come_back,
    find_member,
    is_link,
    led_sources,
    mark_unreachable,
    member_cell,
    redeem_invite,
    redeem_link,
    register_member,
    set_language,
    welcome,
)
from services.notices.card import Button, Buttons
from services.settings import Settings

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Register or use an invite")),
    ("help", N_("What I can do for you")),
    ("lang", N_("Change the language")),
    ("whoami", N_("Your role and grid cell")),
)

LANG_CALLBACK = "lang:"
LANGUAGE_BUTTONS = (("zh_CN", "中文"), ("en", "English"))

INVITE_PROBLEMS: dict[InviteProblem, str] = {
    InviteProblem.UNKNOWN: N_(
        "This invite link is not valid. Check that you opened the whole link, or ask for a new one."
    ),
    InviteProblem.EXPIRED: N_(
        "This invite link has expired. Ask the person who sent it for a new one."
    ),
    InviteProblem.USED: N_(
        "This invite link has already been used. Each link works once; ask for a new one."
    ),
    InviteProblem.WRONG_CHAT: N_(
        "This invite is for a group chat. Add me to the group and send the link there."
    ),
    InviteProblem.LINK_TAKEN: N_(
        "This account is already a member of its own, with a role or reports, so it cannot "
        "join another membership. Ask an administrator."
    ),
}
LINKED = N_("Welcome back, {name}! This chat is now yours too: you are {role} for {cell} here "
            "as everywhere, and notices come to the chat you wrote from last.")

HELP_INTRO: dict[str, str] = {
    Role.VOLUNTEER: N_("As a volunteer you can:"),
    Role.PATROLLER: N_("As a patroller you can:"),
    Role.MANAGER: N_("As a grid manager you can:"),
    Role.LEADER: N_("As a linked leader you can:"),
    Role.SUPERVISOR: N_("As a supervisor you can:"),
    Role.ADMIN: N_("As an administrator you can:"),
}
HELP_NOTE: dict[str, str] = {
    Role.VOLUNTEER: N_("You will hear when your report is accepted, fixed and closed."),
    Role.PATROLLER: N_("When a case of your cell asks for it, check the fix on site with the "
                       "buttons on its card."),
    Role.MANAGER: N_("The reports routed to your cell come with photo, place and buttons: "
                     "accept, dispatch, plan, report the fix, reject or reroute from the card."),
    Role.LEADER: N_("You see every case at your water source and receive its escalations; on "
                    "a slow case's card you can issue a supervision order."),
    Role.SUPERVISOR: N_("Issue supervision orders on slow cases from their cards and follow "
                        "them up."),
    Role.ADMIN: N_("You see every case and run the whole grid from here (/invite, /members, "
                   "/poster); the grid itself is loaded with the command line (gridpatrol grid "
                   "import)."),
}
MENU_HINT = N_("I did not understand that message. This is what I can do for you:")


def cell_label(cell: GridCell | None, t: Translator) -> str:
    """'妙西镇 (乡镇)' / '妙西镇 (township)'; the whole grid when no cell is set."""
    if cell is None:
        return t("the whole grid")
    return t("{name} ({level})", name=escape(cell.name), level=level_name(cell.level, t))


HELP_FIRST = ("report", "mine", "open", "case", "ledger", "bulletin")  # then any other


def _help_order(entry: Entry) -> tuple[int, int]:
    """What a member does most comes first; /start, /help, /lang, /whoami last."""
    if entry.command in HELP_FIRST:
        return 0, HELP_FIRST.index(entry.command)
    return (2 if entry.command in {c for c, _ in COMMANDS} else 1), 0


def help_text(member: Member, t: Translator, book: list[Entry]) -> str:
    """The commands this member's role may use, as the channel registered them (`Deps.book`),
    with what the role does beyond commands."""
    role = member.role if member.role in HELP_INTRO else Role.VOLUNTEER
    entries = sorted(for_role(book, role), key=_help_order)
    lines = [t(HELP_INTRO[role])]
    lines += [f"/{e.command} — {t(e.description)}" if e.description else f"/{e.command}"
              for e in entries]
    return "\n".join(lines) + "\n\n" + t(HELP_NOTE[role])


def language_buttons() -> Buttons:
    return tuple((Button(label, LANG_CALLBACK + code),) for code, label in LANGUAGE_BUTTONS)


def _welcome(text: str, t: Translator, member: Member | None = None) -> Reply:
    """The welcome, with the persistent report button (and the patrol key for those who
    patrol) under the text field from now on."""
    return Reply(text, keyboard=main_keyboard(t, member))


async def start(inbound: Inbound, deps: Deps) -> Answer:
    """`/start`: register a volunteer, or take the report's way in (a group's link, a
    poster), or redeem the invite in the payload."""
    if report.is_report_link(inbound):
        return await report.from_report_link(inbound, deps)
    if report.is_poster(inbound):
        at_source = await report.from_poster(inbound, deps)
        if at_source is not None:
            return at_source  # else no such source: the payload is an invite code after all
    if inbound.args:
        return await _start_with_invite(inbound, deps, inbound.args[0])
    who = inbound.who
    async with deps.sessions() as session:
        known = await find_member(session, who.channel, who.user_id)
        away = await come_back(session, known) if known is not None else None
        member, _ = await register_member(session, person_of(inbound),
                                          deps.settings.locale.default)
        first = welcome(member)
        cell = await member_cell(session, member)
        await session.commit()
    t = translator(member.language)
    name = escape(member.display_name)
    if first and member.role != Role.VOLUNTEER:  # a role given before they ever wrote
        text = t("Welcome, {name}! You are now {role} for {cell}.", name=name,
                 role=role_name(member.role, t), cell=cell_label(cell, t))
        text += "\n\n" + help_text(member, t, deps.book)
    elif first:
        text = t(
            "Welcome, {name}! I am the water-source patrol bot.\n\n"
            "Seen a problem at a drinking-water source: sewage, garbage, farming, "
            "abnormal water? Send /report with a photo and the place. The report goes to the "
            "grid cell that owns the place, and you will hear what became of it.\n\n"
            "/help shows what you can do, /lang changes the language.",
            name=name,
        )
    else:
        text = t(
            "Welcome back, {name}. You are {role} for {cell}. /help shows what you can do.",
            name=name,
            role=role_name(member.role, t),
            cell=cell_label(cell, t),
        )
    if away is not None:
        text = absence_text(away, t, deps.settings) + "\n\n" + text
    return Answer([_welcome(text, t, member)])


def absence_text(away: Absence, t: Translator, settings: Settings) -> str:
    """What did not reach a member while the bot could not reach them, and where their cases
    went (they stay there: nothing is given back behind anyone's back)."""
    since = local_time(away.since, settings)
    lines = [t.n("While I could not reach you (since {since}), {count} notice did not reach "
                 "you.", "While I could not reach you (since {since}), {count} notices did "
                 "not reach you.", away.missed, since=since) if away.missed
             else t("I could not reach you from {since} until now.", since=since)]
    if away.cases:
        held = "、".join(t("{number} (now with {name})", number=escape(number),
                          name=escape(name) if name else t("nobody yet"))
                        for number, name in away.cases)
        lines.append(t.n("The case you held went to another member: {cases}.",
                         "The {count} cases you held went to others: {cases}.",
                         len(away.cases), cases=held))
        lines.append(t("They stay with them; ask them if you should take one back."))
    return "\n".join(lines)


async def blocked(deps: Deps, channel: str, user_id: str) -> None:
    """A member blocked the bot in their private chat: unreachable at once, their open cases
    handed over, without waiting for a send to fail. Unblocking comes with a /start, which
    brings them back."""
    async with deps.sessions() as session:
        member = await find_member(session, channel, user_id)
        if member is not None:
            await mark_unreachable(session, member, KICKED)
            await session.commit()


async def _start_with_invite(inbound: Inbound, deps: Deps, code: str) -> Answer:
    who = inbound.who
    async with deps.sessions() as session:
        known = await find_member(session, who.channel, who.user_id)
        away = await come_back(session, known) if known is not None else None
        try:
            if await is_link(session, code):
                redeemed = await redeem_link(session, code, person_of(inbound))
            else:
                redeemed = await redeem_invite(session, code, person_of(inbound),
                                               default_language=deps.settings.locale.default)
            welcome(redeemed.member)
            await session.commit()
        except InviteError as refused:
            await session.rollback()
            known = await find_member(session, who.channel, who.user_id)
            problem = refused.problem
            redeemed = None
    if redeemed is None:  # told after the session is closed
        t = translator(language_of(inbound, deps, known))
        return Answer([Reply(t(INVITE_PROBLEMS[problem]))])
    member = redeemed.member
    t = translator(member.language)
    if redeemed.linked:
        text = t(LINKED, name=escape(member.display_name), role=role_name(member.role, t),
                 cell=cell_label(redeemed.cell, t))
        return Answer([_welcome(text + "\n\n" + help_text(member, t, deps.book), t, member)])
    text = t(
        "Welcome, {name}! You are now {role} for {cell}.",
        name=escape(member.display_name),
        role=role_name(member.role, t),
        cell=cell_label(redeemed.cell, t),
    )
    if redeemed.source is not None and member.role == Role.LEADER:
        text += "\n" + t(
            "You are the linked leader of {source}.", source=escape(redeemed.source.name)
        )
    if away is not None:
        text = absence_text(away, t, deps.settings) + "\n\n" + text
    return Answer([_welcome(text + "\n\n" + help_text(member, t, deps.book), t, member)])


async def help_command(inbound: Inbound, deps: Deps) -> Answer:
    member = await load_member(inbound, deps)
    if member is None:
        return start_first(inbound, deps)
    return Answer([Reply(help_text(member, translator(member.language), deps.book))])


async def whoami(inbound: Inbound, deps: Deps) -> Answer:
    async with deps.sessions() as session:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        if member is None:
            return start_first(inbound, deps)
        cell = await member_cell(session, member)
        sources = await led_sources(session, member)
    t = translator(member.language)
    lines = [
        t("Name: {name}", name=escape(member.display_name)),
        t("Role: {role}", role=role_name(member.role, t)),
        t("Grid cell: {cell}", cell=cell_label(cell, t)),
        t("Language: {language}", language=dict(LANGUAGE_BUTTONS)[member.language]),
    ]
    if sources:
        names = "、".join(escape(s.name) for s in sources)
        lines.append(t("Linked leader of: {sources}", sources=names))
    return Answer([Reply("\n".join(lines))])


async def lang(inbound: Inbound, deps: Deps) -> Answer:
    member = await load_member(inbound, deps)
    if member is None:
        return start_first(inbound, deps)
    t = translator(member.language)
    return Answer([Reply(t("Choose your language:"), language_buttons())])


async def lang_chosen(inbound: Inbound, deps: Deps) -> Answer:
    """A language button: save it and answer in the new language."""
    language = (inbound.press or "").removeprefix(LANG_CALLBACK)
    if language not in SUPPORTED:
        return Answer()
    async with deps.sessions() as session:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        if member is not None:
            await set_language(session, member, language)
            await session.commit()
    t = translator(language)
    if member is None:
        return Answer(toast=t("Please send /start first, so I know who you are."), alert=True)
    # An edit cannot carry a keyboard under the text field: the help, sent anew, brings the
    # report button in the new language at once.
    return Answer([_welcome(help_text(member, t, deps.book), t, member)],
                  edit=Reply(t("Language set: English.")))


async def on_other_message(inbound: Inbound, deps: Deps) -> Answer:
    """A private message nothing else took ("你好", a stray photo, an unknown command): the
    menu of what this person can do, with the report button, instead of silence."""
    member = await load_member(inbound, deps)
    if member is None:
        return start_first(inbound, deps)
    t = translator(member.language)
    return Answer([_welcome(t(MENU_HINT) + "\n\n" + help_text(member, t, deps.book), t, member)])


ROUTES = (
    Route(start, command="start"),
    Route(help_command, command="help"),
    Route(lang, command="lang"),
    Route(whoami, command="whoami"),
    Route(lang_chosen, prefix=LANG_CALLBACK),
)
