"""`/case N` (the card with its history), `/open` (open cases in my part of the grid, oldest
first) and `/mine` (what I reported or was given)."""

from __future__ import annotations

from datetime import datetime

from handlers.card_edit import remember_reply
from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.notices.cards import local_time, render_card
from handlers.people import start_first
from handlers.words import escape
from models import OPEN_STATES, utcnow
from services import cases
from services.cases import CaseLine, RefusalReason, WorkflowRefused, state_label
from services.i18n import N_, Translator, translator
from services.members import find_member
from services.settings import Settings

COMMANDS: tuple[tuple[str, str], ...] = (
    ("case", N_("Show a case and its history: /case number")),
    ("open", N_("Open cases in your part of the grid")),
    ("mine", N_("Cases you reported or were given")),
)
OPEN = frozenset(s.value for s in OPEN_STATES)


def age(since: datetime, now: datetime, t: Translator) -> str:
    """How long an open case has waited: under an hour, in hours for two days, then days."""
    hours = max(0, int((now - since).total_seconds() // 3600))
    if hours < 1:
        return t("under an hour")
    if hours < 48:
        return t.n("{count} hour", "{count} hours", hours)
    return t.n("{count} day", "{count} days", hours // 24)


def _when(line: CaseLine, now: datetime, t: Translator, settings: Settings) -> str:
    """An open case's age and deadline; a finished one says when it ended, not an age."""
    if line.state not in OPEN:
        ended = line.closed_at
        return t("ended {time}", time=local_time(ended, settings)) if ended else ""
    due = t(", due {time}", time=local_time(line.due_at, settings)) if line.due_at else ""
    return age(line.created_at, now, t) + due


def case_lines(lines: list[CaseLine], t: Translator, settings: Settings) -> str:
    now = utcnow()
    out = []
    for line in lines:
        category = settings.category(line.category)
        mark = "🚨 " if line.emergency else ""
        out.append(
            f"{mark}<b>{escape(line.number)}</b> · {state_label(line.state, t)} · "
            f"{escape(category.name(t.language) if category else line.category)} · "
            f"{escape(line.cell_name)} · {_when(line, now, t, settings)}"
        )
    return "\n".join(out)


async def case_command(inbound: Inbound, deps: Deps) -> Answer:
    card = None
    async with deps.sessions() as session:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        if member is None:
            return start_first(inbound, deps)
        t = translator(member.language)
        ref = " ".join(inbound.args)
        if not ref:
            return Answer([Reply(t(
                "Send /case and the case number, for example /case HZ-2026-000012."))])
        case_id = await cases.find_case_id(session, ref)
        case = await cases.get_case(session, case_id) if case_id is not None else None
        if case is None:
            refused = WorkflowRefused(RefusalReason.NOT_FOUND, number=ref[:64])
        elif not cases.can_see(member, case, await cases.load_scope(session, case, member)):
            refused = WorkflowRefused(RefusalReason.NOT_YOUR_GRID, number=case.number)
        else:
            refused = None
            card = await render_card(session, case.id, member, deps.settings)
    if refused is not None:
        return Answer([Reply(escape(refused.message(t)))])
    if card is None or case is None:
        return Answer()
    shown_id = case.id

    async def kept(message_id: str) -> None:  # later moves of the case edit this card too
        await remember_reply(deps.sessions, member, shown_id, message_id, with_media=False)

    return Answer([Reply(card.text, card.buttons, preview=False, sent=kept)])


async def _list(inbound: Inbound, deps: Deps, *, mine: bool) -> Answer:
    async with deps.sessions() as session:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        if member is None:
            return start_first(inbound, deps)
        t = translator(member.language)
        if mine:
            lines = await cases.my_cases(session, member)
        else:
            lines = await cases.open_cases(session, member)
    if not lines:
        empty = (
            t("You have not reported or been given any case yet.")
            if mine
            else t("No open cases in your part of the grid.")
        )
        return Answer([Reply(empty)])
    title = t("<b>Your cases</b>") if mine else t("<b>Open cases</b>, oldest first")
    body = case_lines(lines, t, deps.settings)
    hint = t("Send /case and a number to see one.")
    return Answer([Reply(f"{title}\n{body}\n\n{hint}")])


async def open_command(inbound: Inbound, deps: Deps) -> Answer:
    return await _list(inbound, deps, mine=False)


async def mine_command(inbound: Inbound, deps: Deps) -> Answer:
    return await _list(inbound, deps, mine=True)
