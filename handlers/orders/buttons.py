"""The buttons of an order ("od:<action>:<id>[:...]"), in no chat's terms: issuing from the case
card (the demand, then the deadline), acknowledging, answering (then the text and photos, in
handlers.orders.talk) and submitting, accepting or sending back, and the Word file. Every press
reloads the order and re-checks rights in services.orders."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import pending
from handlers.card_edit import redraw
from handlers.chat import Answer, Attachment, Inbound, Reply
from handlers.deps import Deps
from handlers.orders import views
from handlers.orders.kinds import ANSWER_KIND, DEMAND_KIND, RETURN_KIND, TTL
from handlers.people import as_member, language_of, tr
from handlers.words import escape
from models import Case, Member, OrderState, SupervisionOrder, utcnow
from services.i18n import N_, Translator
from services.members import find_member
from services.notices.card_refresh import queue_card_refresh
from services.orders import (
    DEADLINE_DAYS,
    DEMANDS,
    OrderResult,
    acknowledge_order,
    answer_order,
    decide_order,
    issue_order_by,
    may_answer,
    may_answer_order,
    may_issue,
    order_docx,
    preset_demand,
)

NOT_ISSUER = N_("You may not issue a supervision order on this case.")


async def on_button(inbound: Inbound, deps: Deps) -> Answer:
    parts = (inbound.press or "").split(":")
    if len(parts) < 3 or not parts[2].isdigit():
        return Answer()
    action, target = parts[1], int(parts[2])
    if action == "doc":
        answer = await _document(inbound, deps, target)
    else:
        answer = await as_member(inbound, deps, lambda session, member: _pressed(
            session, inbound, deps, member, action, target, parts[3:]))
    if not inbound.who.private:  # a group's copy: the questions and the file go in private
        answer.direct, answer.replies = [*answer.direct, *answer.replies], []
    return answer


async def _pressed(session: AsyncSession, inbound: Inbound, deps: Deps, member: Member,
                   action: str, target: int, rest: list[str]) -> Answer:
    t = tr(inbound, deps, member)
    if action == "iss":
        return await _ask_demand(session, member, target, t)
    if action == "dm" and rest:
        return await _demand_chosen(session, deps, member, target, rest[0], t)
    if action == "dl" and len(rest) == 2 and rest[1].isdigit():
        return await _issue(session, inbound, deps, member, target, rest[0], int(rest[1]), t)
    if action == "ans":
        return await _start_answer(session, deps, member, target, t)
    if action == "sub":
        return await _submit(session, inbound, deps, member, target, t)
    if action == "ret":
        return await _ask_reason(session, deps, member, target, t)
    if action == "ack":
        return await done(session, inbound, deps, member, t, N_("Supervision order acknowledged."),
                          await acknowledge_order(session, target, member, utcnow()))
    if action == "acc":
        return await done(session, inbound, deps, member, t, N_("The answer was accepted."),
                          await decide_order(session, target, member, True, utcnow()))
    return Answer()


async def done(session: AsyncSession, inbound: Inbound, deps: Deps, member: Member,
               t: Translator, said: str, outcome: OrderResult) -> Answer:
    """Commit a step that went through (and redraw the pressed notice), or say why not."""
    if not outcome.ok:
        await session.rollback()
        return Answer(toast=t(outcome.reason), alert=True)
    if outcome.case is not None:
        await queue_card_refresh(session, outcome.case.id)
    await session.commit()
    answer = Answer()
    if inbound.pressed is not None and outcome.case is not None:
        answer = await redraw(session, deps, inbound, member, outcome.case.id, as_card=False)
    answer.toast = t(said)
    return answer


def _refused(t: Translator, reason: str) -> Answer:
    return Answer(toast=t(reason), alert=True)


async def _ask_demand(session: AsyncSession, member: Member, case_id: int,
                      t: Translator) -> Answer:
    case = await session.get(Case, case_id)
    if case is None or not case.is_open:
        return _refused(t, N_("This case is no longer open."))
    if not await may_issue(session, member, case):
        return _refused(t, NOT_ISSUER)
    return Answer([views.demand_choice(case.id, case.number, t)])


async def _demand_chosen(session: AsyncSession, deps: Deps, member: Member, case_id: int,
                         key: str, t: Translator) -> Answer:
    case = await session.get(Case, case_id)
    if case is None or not await may_issue(session, member, case):
        return _refused(t, NOT_ISSUER)
    if key == views.OWN:
        await pending.begin(session, deps, member, DEMAND_KIND, ttl=TTL, case_id=case_id,
                            step="demand", data={})
        await session.commit()
        return Answer([Reply(t("Write the demand in one message."))], strip_buttons=True)
    demand = preset_demand(deps.settings, key)
    if demand is None:
        return Answer()
    return Answer([views.deadline_choice(case_id, key, t(DEMANDS[key]), t)],
                  strip_buttons=True)


async def _issue(session: AsyncSession, inbound: Inbound, deps: Deps, member: Member,
                 case_id: int, key: str, days: int, t: Translator) -> Answer:
    if days and days not in DEADLINE_DAYS:
        return Answer()
    if key == views.OWN:
        row = await pending.load(session, member)
        if row is None or row.kind != DEMAND_KIND or row.case_id != case_id or not row.data.get(
                "demand"):
            return _refused(t, N_("This question has expired. Press the button again."))
        demand = str(row.data["demand"])
    else:
        found = preset_demand(deps.settings, key)
        if found is None:
            return Answer()
        demand = found
    outcome = await issue_order_by(session, deps.settings, case_id, member, utcnow(), demand,
                                   days=days)
    if not outcome.ok:
        await session.rollback()
        return _refused(t, outcome.reason)
    assert outcome.case is not None
    if key == views.OWN:
        await pending.end(session, deps, member)
    await queue_card_refresh(session, outcome.case.id)
    await session.commit()
    return Answer([Reply(t("Supervision order issued on case {number}; the cell it is "
                           "addressed to is told.", number=escape(outcome.case.number)))],
                  toast=t("Supervision order issued."), strip_buttons=True)


async def _start_answer(session: AsyncSession, deps: Deps, member: Member, order_id: int,
                        t: Translator) -> Answer:
    checked = await may_answer_order(session, order_id, member)
    if not checked.ok:
        return _refused(t, checked.reason)
    order = await session.get(SupervisionOrder, order_id)
    assert order is not None
    await pending.begin(session, deps, member, ANSWER_KIND, ttl=TTL, case_id=order.case_id,
                        step="text", data={"order_id": order_id, "text": "", "photo_ids": []})
    await session.commit()
    return Answer([Reply(t("Answer to supervision order {order}: write what was done (落实情况) "
                           "in one message; you may add photos after it. /cancel stops.",
                           order=escape(order.number)))])


async def _submit(session: AsyncSession, inbound: Inbound, deps: Deps, member: Member,
                  order_id: int, t: Translator) -> Answer:
    row = await pending.load(session, member)
    if row is None or row.kind != ANSWER_KIND or row.data.get("order_id") != order_id:
        return _refused(t, N_("There is no answer in progress: press Answer on the order "
                              "first."))
    outcome = await answer_order(session, order_id, member, str(row.data.get("text") or ""),
                                 [int(i) for i in row.data.get("photo_ids") or []], utcnow())
    if not outcome.ok:
        await session.rollback()
        return _refused(t, outcome.reason)
    await pending.end(session, deps, member)
    assert outcome.case is not None
    await queue_card_refresh(session, outcome.case.id)
    await session.commit()
    return Answer([Reply(t("Your answer was sent; the issuer of the order will accept it or "
                           "send it back."))], strip_buttons=True)


async def _ask_reason(session: AsyncSession, deps: Deps, member: Member, order_id: int,
                      t: Translator) -> Answer:
    order = await session.get(SupervisionOrder, order_id)
    case = await session.get(Case, order.case_id) if order is not None else None
    if order is None or case is None:
        return _refused(t, N_("This supervision order no longer exists."))
    if order.state != OrderState.ANSWERED:
        return _refused(t, N_("This supervision order has no answer to decide on.")
                        if order.state != OrderState.ACCEPTED
                        else N_("This supervision order was already accepted."))
    if not await may_issue(session, member, case):
        return _refused(t, N_("Only the issuer of the order can accept or send back its "
                              "answer."))
    await pending.begin(session, deps, member, RETURN_KIND, ttl=TTL, case_id=case.id,
                        step="reason", data={"order_id": order_id})
    await session.commit()
    return Answer([Reply(t("Why do you send the answer to {order} back? Send the reason in "
                           "one message.", order=escape(order.number)))])


async def _document(inbound: Inbound, deps: Deps, order_id: int) -> Answer:
    """The order as a Word file, for who may issue on its case or answer it."""
    async with deps.sessions() as session:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        t = tr(inbound, deps, member)
        order = await session.get(SupervisionOrder, order_id)
        case = await session.get(Case, order.case_id) if order is not None else None
        allowed = member is not None and order is not None and case is not None and (
            await may_issue(session, member, case)
            or await may_answer(session, member, case, order.target_cell_id))
        language = language_of(inbound, deps, member)
    if not allowed:
        return _refused(t, N_("Only the issuer and the cell the order is addressed to can "
                              "have its file."))
    made = await order_docx(deps.sessions, deps.settings, order_id, t, language)
    if made is None:
        return _refused(t, N_("This supervision order no longer exists."))
    name, data = made
    return Answer([Reply(t("The supervision order as a Word file."),
                         file=Attachment(data, name))])
