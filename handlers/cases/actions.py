"""Buttons on case notices and cards, and the short conversations some actions need (the plan,
a reason, the after-photo), in the presser's private chat.

A button carries only 'c:<case id>:<action>:<version>'; every press reloads the case and checks
rights and state again in the workflow, so a forged or stale button changes nothing: it is told
where the case is, and the message is refreshed to the current card.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.card_edit import redraw
from handlers.cases import commands as case_commands
from handlers.cases import flow as case_flow
from handlers.chat import Answer, Inbound
from handlers.deps import Deps
from handlers.notices.cards import parse_callback
from handlers.people import as_member
from models import Member, utcnow
from services import cases, workflow
from services.cases import Action, RefusalReason, WorkflowRefused
from services.i18n import translator

COMMANDS = case_commands.COMMANDS
BUTTON_PREFIX = "c:"

Immediate = Callable[..., Awaitable[workflow.Outcome]]


async def _answer_yes(*args: Any) -> workflow.Outcome:
    return await workflow.answer_fixed(*args, fixed=True)


async def _answer_no(*args: Any) -> workflow.Outcome:
    return await workflow.answer_fixed(*args, fixed=False)


IMMEDIATE: dict[Action, Immediate] = {
    Action.ACCEPT: workflow.accept,
    Action.CHECK: workflow.check,
    Action.CLOSE: workflow.close,
    Action.CONFIRM: _answer_yes,
    Action.NOT_FIXED: _answer_no,
}


async def refresh(session: AsyncSession, deps: Deps, inbound: Inbound, member: Member,
                  case_id: int, *, reporter: bool) -> Answer:
    """The pressed message's card and buttons replaced with the case as it is now (the
    reporter's question only loses its buttons)."""
    pressed = inbound.pressed
    if pressed is None:
        return Answer()
    if not reporter:
        return await redraw(session, deps, inbound, member, case_id)
    return Answer(strip_buttons=bool(pressed.buttons))


async def on_button(inbound: Inbound, deps: Deps) -> Answer:
    """A press on a case's button, in one unit of work."""
    return await as_member(inbound, deps,
                           lambda session, member: _pressed(session, inbound, deps, member))


async def _pressed(session: AsyncSession, inbound: Inbound, deps: Deps,
                   member: Member) -> Answer:
    t = translator(member.language)
    parsed = parse_callback(inbound.press)
    if parsed is None:
        return Answer(toast=t("This button is no longer valid."), alert=True)
    case_id, action, _version = parsed
    reporter = action in (Action.CONFIRM, Action.NOT_FIXED)
    if action in IMMEDIATE:
        try:
            outcome = await IMMEDIATE[action](session, deps.settings, case_id, member.id,
                                              utcnow())
        except WorkflowRefused as said_no:
            answer = Answer()
            if said_no.reason in (
                RefusalReason.MOVED_ON, RefusalReason.MERGED, RefusalReason.ANSWERED
            ):
                answer = await refresh(session, deps, inbound, member, case_id,
                                       reporter=reporter)
            answer.toast, answer.alert = said_no.message(t)[:200], True
            return answer
        answer = await refresh(session, deps, inbound, member, case_id, reporter=reporter)
        answer.toast = t("Done.")
        answer.direct = await case_flow.after_immediate(session, deps, member, action, outcome)
        return answer
    _case, refusal = await cases.refusal_of(session, case_id, member, action)
    refused: WorkflowRefused | None = None
    if refusal in (RefusalReason.MOVED_ON, RefusalReason.MERGED):
        refused = await workflow.moved_on(session, case_id)
    elif refusal is not None:
        number = _case.number if _case is not None else str(case_id)
        refused = WorkflowRefused(refusal, number=number)
    if refused is not None:
        answer = Answer()
        if refused.reason in (RefusalReason.MOVED_ON, RefusalReason.MERGED):
            answer = await refresh(session, deps, inbound, member, case_id, reporter=False)
        answer.toast, answer.alert = refused.message(t)[:200], True
        return answer
    return Answer(direct=await case_flow.start(session, deps, member, case_id, action))
