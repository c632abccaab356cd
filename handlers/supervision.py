"""Buttons of the deadline notices (more time, take over, hand down; and an order's buttons
posted before the orders had their own, "sv:ack" and "sv:iss"), in no chat's terms
(bot/telegram/supervision.py is their Telegram side). Every button reloads the case and
re-checks rights in a service. The orders' own buttons are handlers.orders ("od:..."); /bulletin
is handlers.bulletins.

Button data: "sv:<action>:<id>[:<hours>]".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import orders, pending
from handlers.card_edit import redraw
from handlers.chat import Answer, Inbound, Pressed, Reply
from handlers.deps import Deps
from handlers.engine import Conversation
from handlers.notices import deadlines as deadline_notices
from handlers.people import as_member, tr
from handlers.route import Route
from handlers.words import escape
from models import Case, Member, utcnow
from services.deadlines import (
    ActionResult,
    decide_extension,
    hand_down,
    request_extension,
    take_over,
)
from services.i18n import N_, Translator
from services.members import find_member
from services.notices.card import Button
from services.notices.card_refresh import queue_card_refresh
from services.settings import Settings

PREFIX = deadline_notices.PREFIX
EXTENSION_CHOICES_HOURS = (24, 72, 168)
PENDING_KIND = "extension"  # a PendingAction row: the reason is asked for next
PENDING_TTL = timedelta(minutes=15)

Action = Callable[[AsyncSession, Settings, int, Member, Any], Awaitable[ActionResult]]


async def _approve(s: AsyncSession, cfg: Settings, rid: int, m: Member, now: Any) -> ActionResult:
    return await decide_extension(s, cfg, rid, m, True, now)


async def _refuse(s: AsyncSession, cfg: Settings, rid: int, m: Member, now: Any) -> ActionResult:
    return await decide_extension(s, cfg, rid, m, False, now)


ACTIONS: dict[str, tuple[Action, str]] = {
    "tko": (take_over, N_("The case is now yours.")),
    "hdn": (hand_down, N_("The case was handed back down with a new deadline.")),
    "exy": (_approve, N_("More time approved.")),
    "exn": (_refuse, N_("More time refused.")),
}


async def on_button(inbound: Inbound, deps: Deps) -> Answer:
    """A press on a deadline notice's button, in one unit of work."""
    parts = (inbound.press or "").split(":")
    if len(parts) > 2 and parts[1] in ("ack", "iss"):  # an order's, posted before od:
        return await orders.on_button(replace(inbound, press=orders.PREFIX + ":".join(parts[1:])),
                                      deps)
    return await as_member(inbound, deps,
                           lambda session, member: _pressed(session, inbound, deps, member))


async def _pressed(session: AsyncSession, inbound: Inbound, deps: Deps,
                   member: Member) -> Answer:
    t = tr(inbound, deps, member)
    parts = (inbound.press or "").split(":")
    try:
        action, target = parts[1], int(parts[2])
        hours = int(parts[3]) if len(parts) > 3 else 0
    except (IndexError, ValueError):
        return Answer()
    if action == "ext":
        return Answer([await _ask_how_long(session, target, t)])
    if action == "exl" and hours in EXTENSION_CHOICES_HOURS:
        await pending.begin(session, deps, member, PENDING_KIND, ttl=PENDING_TTL,
                            case_id=target, step="reason", data={"hours": hours})
        await session.commit()
        return Answer([Reply(t("Why do you need more time? Send the reason in one message."))])
    if action not in ACTIONS:
        return Answer()
    work, done = ACTIONS[action]
    outcome = await work(session, deps.settings, target, member, utcnow())
    if not outcome.ok:
        await session.rollback()
        return Answer(toast=t(outcome.reason), alert=True)
    if outcome.case is not None:  # every copy of its cards follows
        await queue_card_refresh(session, outcome.case.id)
    await session.commit()
    answer = Answer()
    if inbound.pressed is not None:
        if outcome.case is not None:  # the pressed card shows the case as it is now
            answer = await redraw(session, deps, inbound, member, outcome.case.id,
                                  as_card=_is_case_card(inbound.pressed))
        else:
            answer.strip_buttons = True
    answer.toast = t(done)
    return answer


def _is_case_card(pressed: Pressed) -> bool:
    """A case card (handlers.notices.cards) rather than a deadline notice: it has the
    workflow's buttons."""
    data = pressed.buttons
    return any(d.startswith("c:") for d in data) or (
        f"{orders.PREFIX}iss:" in " ".join(data)
        and not any(d.startswith(f"{PREFIX}tko:") for d in data)
    )


async def _ask_how_long(session: AsyncSession, case_id: int, t: Translator) -> Reply:
    case = await session.get(Case, case_id)
    if case is None:
        return Reply(t("This case no longer exists."))
    labels = {24: t("1 more day"), 72: t("3 more days"), 168: t("7 more days")}
    return Reply(t("How much more time do you need for case {number}?",
                   number=escape(case.number)),
                 ((*(Button(labels[h], f"{PREFIX}exl:{case_id}:{h}")
                     for h in EXTENSION_CHOICES_HOURS),),))


def claims(inbound: Inbound, deps: Deps) -> bool:
    """Whether this private text is the reason for an extension asked for just before."""
    return (inbound.who.private and inbound.press is None and bool(inbound.words)
            and not inbound.command and pending.kind_for(deps, inbound.who) == PENDING_KIND)


async def on_reason(inbound: Inbound, deps: Deps) -> Answer | None:
    """The reason for an extension (None when the question has gone: the text passes on). The
    question is ended first, so a refused request does not ask again."""
    who = inbound.who
    async with deps.sessions() as session:
        member = await find_member(session, who.channel, who.user_id)
        row = await pending.load(session, member) if member is not None else None
        if member is None or row is None or row.kind != PENDING_KIND or row.case_id is None:
            return None
        case_id, hours = row.case_id, int(row.data.get("hours", 0))
        await pending.end(session, deps, member)
        await session.commit()
        t = tr(inbound, deps, member)
        case = await session.get(Case, case_id)
        outcome = ActionResult(False, N_("This case has no deadline to extend."))
        if case is not None and case.due_at is not None:
            outcome = await request_extension(
                session, deps.settings, case_id, member, inbound.text,
                case.due_at + timedelta(hours=hours), utcnow())
        if outcome.ok:
            await session.commit()
        else:
            await session.rollback()
    return Answer([Reply(t("Your request was sent to the level above.") if outcome.ok
                         else t(outcome.reason))])


REASON = Conversation("extension reason", claims=claims, converse=on_reason, warm=pending.warm)


ROUTES = (
    Route(on_button, prefix=PREFIX),
)
