"""`/bulletin`: the supervision bulletin (督查通报) as a numbered document, in no chat's terms
(bot/telegram/bulletins.py is its Telegram side).

`/bulletin [days]` makes (or resumes) the member's draft for their scope and the last days (15
by default; a number draws the draft again for that period), shown with buttons to edit the
opening and the demands (the text is asked for next, a PendingAction row), drop a case, issue or
discard it. Issuing numbers it, answers with its .docx and sends it to the cells it names;
their managers acknowledge it from the notice. `/bulletin list [year]` counts the issued ones.

Button data: "bl:<action>:<id>" (handlers.notices.bulletins draws the notice's buttons).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import pending
from handlers.chat import Answer, Attachment, Inbound, Reply
from handlers.deps import Deps
from handlers.engine import Conversation
from handlers.notices.bulletins import PREFIX
from handlers.notices.deadlines import when
from handlers.people import start_first, tr
from handlers.route import Route
from handlers.words import escape
from models import (
    Bulletin,
    BulletinLine,
    BulletinRecipient,
    BulletinSection,
    GridCell,
    Member,
    Role,
    utcnow,
)
from services.bulletins import (
    acknowledge,
    build_docx,
    discard,
    document_of,
    draft_for,
    drop_line,
    file_name,
    issue,
    issued_in,
    lines_of,
    own_draft,
    set_text,
)
from services.digests import split_message
from services.grid import cell_names, led_sources
from services.i18n import N_, Translator
from services.members import find_member
from services.notices.card import Button, Buttons
from services.orders import ORDER_STATE_LABELS
from services.settings import Settings

COMMANDS: tuple[tuple[str, str], ...] = (
    ("bulletin", N_("Supervision bulletin: draft it from the slow cases, issue it, count them")),
)
BULLETIN_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.MANAGER})
COMMAND_ROLES = {"bulletin": BULLETIN_ROLES}
DOCUMENT_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})  # any issued one
DEFAULT_DAYS = 15
PENDING_KIND = "bulletin_text"  # a PendingAction row: the opening or the demands come next
PENDING_TTL = timedelta(minutes=30)
LIST_WORDS = frozenset({"list", "列表"})
ASK = {
    "opening": N_("Send the opening of the bulletin in one message."),
    "demands": N_("Send the demands (整改要求) of the bulletin in one message."),
}


def _number(word: str) -> bool:
    """A count of days or a year as people type it (not "²", which Python calls a digit)."""
    return word.isascii() and word.isdigit() and len(word) <= 4


def draft_buttons(bulletin_id: int, t: Translator) -> Buttons:
    return ((Button(t("Edit the opening"), f"{PREFIX}op:{bulletin_id}"),
             Button(t("Edit the demands"), f"{PREFIX}dm:{bulletin_id}")),
            (Button(t("Drop a case"), f"{PREFIX}drp:{bulletin_id}"),),
            (Button(t("Issue"), f"{PREFIX}iss:{bulletin_id}"),
             Button(t("Discard"), f"{PREFIX}del:{bulletin_id}")))


def _case_line(line: BulletinLine, names: dict[int, str], t: Translator) -> str:
    owner = escape(line.owner) if line.owner else t("no one assigned")
    cell = escape(names.get(line.cell_id, "?"))
    if line.section == BulletinSection.OVERDUE:
        return t.n("{number} · {cell} · owner: {owner} · {count} day late",
                   "{number} · {cell} · owner: {owner} · {count} days late",
                   line.days_late, number=escape(line.case_number), cell=cell, owner=owner)
    return t("{number} · {cell} · owner: {owner}", number=escape(line.case_number), cell=cell,
             owner=owner)


def draft_text(row: Bulletin, lines: list[BulletinLine], names: dict[int, str], t: Translator,
               settings: Settings) -> str:
    """The bulletin as the chat shows it: its texts, then its lines by section."""
    title = t("Supervision bulletin, {start} to {end}", start=when(row.period_start, settings),
              end=when(row.period_end, settings))
    out = ["<b>" + title + "</b>",
           t("Number: {number}", number=escape(row.number)) if row.number
           else t("Draft: numbered when it is issued."), "",
           t("Opening: {text}", text=escape(row.opening) if row.opening else t("(none yet)"))]
    by = {s: [x for x in lines if x.section == s] for s in BulletinSection}
    heads = {part: t(words, count=len(by[part])) for part, words in (
        (BulletinSection.OVERDUE, N_("Overdue cases: {count}")),
        (BulletinSection.SLOW, N_("Slow cases: {count}")),
        (BulletinSection.REOPENED, N_("Reopened cases: {count}")))}
    for section, head in heads.items():
        out += ["", "<b>" + head + "</b>"]
        out += [_case_line(x, names, t) for x in by[section]]
    out += ["", "<b>" + t("Supervision orders issued: {count}",
                          count=len(by[BulletinSection.ORDER])) + "</b>"]
    out += [t("{order} · case {number} · {cell} · {state}", order=escape(x.order_number or ""),
              number=escape(x.case_number), cell=escape(names.get(x.cell_id, "?")),
              state=t(ORDER_STATE_LABELS.get(x.order_state or "", "?")))
            for x in by[BulletinSection.ORDER]]
    out += ["", t("Demands: {text}", text=escape(row.demands) if row.demands
                  else t("(none yet)"))]
    return "\n".join(out)


async def view(session: AsyncSession, row: Bulletin, t: Translator,
               settings: Settings) -> list[Reply]:
    lines = await lines_of(session, row.id)
    names = await cell_names(session, [x.cell_id for x in lines])
    parts = split_message(draft_text(row, lines, names, t, settings))
    return [Reply(p, draft_buttons(row.id, t) if i == len(parts) - 1 else ())
            for i, p in enumerate(parts)]


async def on_bulletin(inbound: Inbound, deps: Deps) -> Answer:
    """/bulletin [days] | /bulletin list [year]."""
    args = [a.lower() for a in inbound.args]
    days, again = DEFAULT_DAYS, False
    if args and _number(args[0]):
        days, again = max(1, min(int(args[0]), 366)), True
    now = utcnow()
    async with deps.sessions() as session:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        if member is None:
            return start_first(inbound, deps)
        t = tr(inbound, deps, member)
        if member.role_enum not in BULLETIN_ROLES:
            return Answer([Reply(t(
                "Only managers, leaders and supervisors can see the bulletin."))])
        if args and args[0] in LIST_WORDS:
            return Answer(await _list(session, deps.settings, t, args[1:], member))
        if not inbound.who.private:
            return Answer([Reply(t("A bulletin is drafted in a private chat: send me /bulletin "
                                   "there."))])
        scope = await session.get(GridCell, member.cell_id) if member.cell_id else None
        if scope is None and not member.sees_whole_grid:
            return Answer([Reply(t("You have no grid cell, so there is no bulletin for you."))])
        row = await draft_for(session, member, scope, await led_sources(session, member),
                              now - timedelta(days=days), now, again=again)
        await session.commit()
        return Answer(await view(session, row, t, deps.settings))


async def _list(session: AsyncSession, settings: Settings, t: Translator,
                args: list[str], reader: Member) -> list[Reply]:
    tz = ZoneInfo(settings.locale.timezone)
    year = int(args[0]) if args and _number(args[0]) else utcnow().astimezone(tz).year
    issued = await issued_in(session, year, reader=reader)
    names = await cell_names(session, [x.scope_cell_id for x in issued if x.scope_cell_id])
    acked = sum(x.acknowledged for x in issued)
    total = sum(x.recipients for x in issued)
    out = ["<b>" + t.n("{count} bulletin issued in {year}", "{count} bulletins issued in {year}",
                       len(issued), year=year) + "</b>",
           t.n("Acknowledged by {done} of {count} recipient",
               "Acknowledged by {done} of {count} recipients", total, done=acked)]
    for x in issued:
        out.append(t("{number} · {date} · {scope} · acknowledged {done} of {total}",
                     number=escape(x.number), date=x.issued_at.astimezone(tz).strftime("%m-%d"),
                     scope=escape(names.get(x.scope_cell_id or 0, t("the whole grid"))),
                     done=x.acknowledged, total=x.recipients))
    return [Reply(p) for p in split_message("\n".join(out))]


async def on_button(inbound: Inbound, deps: Deps) -> Answer:
    """A press on a draft's buttons or on a bulletin notice's, each in one unit of work."""
    parts = (inbound.press or "").split(":")
    try:
        action, target = parts[1], int(parts[2])
    except (IndexError, ValueError):
        return Answer()
    async with deps.sessions() as session:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        if member is None:
            return start_first(inbound, deps)
        t = tr(inbound, deps, member)
        if action == "doc":
            return await _document(session, deps, inbound, member, target, t)
        if action == "iss":
            return await _issue(session, deps, member, target, t)
        if action == "ack":
            outcome = await acknowledge(session, target, member, utcnow())
            if not outcome.ok:
                return Answer(toast=t(outcome.reason), alert=True)
            await session.commit()
            return Answer(toast=t("Bulletin acknowledged. Thank you."))
        return await _edit(session, deps, member, action, target, t)


async def _edit(session: AsyncSession, deps: Deps, member: Member, action: str, target: int,
                t: Translator) -> Answer:
    if action == "dl":
        outcome = await drop_line(session, target, member)
    elif action == "del":
        outcome = await discard(session, target, member)
    else:
        outcome = await own_draft(session, target, member)
    if not outcome.ok or outcome.bulletin is None:
        return Answer(toast=t(outcome.reason), alert=True)
    row = outcome.bulletin
    if action == "del":
        await session.commit()
        return Answer(toast=t("The draft was discarded."), strip_buttons=True)
    if action in {"op", "dm"}:
        name = "opening" if action == "op" else "demands"
        await pending.begin(session, deps, member, PENDING_KIND, ttl=PENDING_TTL,
                            step=name, data={"bulletin_id": row.id})
        await session.commit()
        return Answer([Reply(t(ASK[name]))])
    if action == "drp":
        lines = [x for x in await lines_of(session, row.id) if x.section != BulletinSection.ORDER]
        if not lines:
            return Answer(toast=t("This draft names no case."), alert=True)
        rows = tuple((Button(x.case_number, f"{PREFIX}dl:{x.id}"),) for x in lines[:40])
        return Answer([Reply(t("Which case should the bulletin not name?"), rows)])
    if action == "dl":
        await session.commit()
        return Answer(await view(session, row, t, deps.settings), toast=t("Dropped."))
    return Answer()


async def _issue(session: AsyncSession, deps: Deps, member: Member, target: int,
                 t: Translator) -> Answer:
    outcome = await issue(session, deps.settings, target, member, utcnow())
    if not outcome.ok or outcome.bulletin is None:
        await session.rollback()
        return Answer(toast=t(outcome.reason), alert=True)
    await session.commit()
    row = outcome.bulletin
    data = await document_of(session, row, deps.settings, t)
    number, recipients = row.number or "", outcome.told
    await session.close()  # the document is built with no session open
    docx = await asyncio.to_thread(build_docx, data)
    text = t.n("Bulletin {number} issued; it went to {count} manager of the cells it names and "
               "to their groups.",
               "Bulletin {number} issued; it went to {count} managers of the cells it names "
               "and to their groups.", recipients, number=escape(number))
    return Answer([Reply(text, file=Attachment(docx, file_name(data)))], strip_buttons=True,
                  toast=t("Bulletin {number} issued.", number=number))


async def _document(session: AsyncSession, deps: Deps, inbound: Inbound, member: Member,
                    target: int, t: Translator) -> Answer:
    row = await session.get(Bulletin, target)
    if row is None or row.number is None:
        return Answer(toast=t("This bulletin no longer exists."), alert=True)
    allowed = (row.issuer_id == member.id or member.role_enum in DOCUMENT_ROLES
               or await session.get(BulletinRecipient, (row.id, member.id)) is not None)
    if not allowed:
        return Answer(toast=t("This bulletin is not addressed to you."), alert=True)
    data = await document_of(session, row, deps.settings, t)
    await session.close()
    docx = await asyncio.to_thread(build_docx, data)
    reply = Reply(t("Supervision bulletin {number}", number=escape(data.number)),
                  file=Attachment(docx, file_name(data)))
    if inbound.who.private:
        return Answer([reply])
    return Answer(direct=[reply], toast=t("I sent you the document in a private chat."))


def claims(inbound: Inbound, deps: Deps) -> bool:
    """Whether this private text is the opening or the demands asked for just before."""
    return (inbound.who.private and inbound.press is None and bool(inbound.words)
            and not inbound.command and pending.kind_for(deps, inbound.who) == PENDING_KIND)


async def on_text(inbound: Inbound, deps: Deps) -> Answer | None:
    """The opening or the demands (None when the question has gone: the text passes on)."""
    who = inbound.who
    async with deps.sessions() as session:
        member = await find_member(session, who.channel, who.user_id)
        row = await pending.load(session, member) if member is not None else None
        if member is None or row is None or row.kind != PENDING_KIND:
            return None
        name, bulletin_id = row.step or "", int(row.data.get("bulletin_id", 0))
        await pending.end(session, deps, member)
        t = tr(inbound, deps, member)
        outcome = await set_text(session, bulletin_id, member, name, inbound.text)
        await session.commit()
        if not outcome.ok or outcome.bulletin is None:
            return Answer([Reply(t(outcome.reason))])
        return Answer(await view(session, outcome.bulletin, t, deps.settings))


TEXT = Conversation("bulletin text", claims=claims, converse=on_text, warm=pending.warm)

ROUTES = (
    Route(on_button, prefix=PREFIX),
    Route(on_bulletin, command="bulletin", anywhere=True),
)
