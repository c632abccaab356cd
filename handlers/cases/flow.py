"""The short conversations behind some buttons: a plan (four answers, then a review), a reason
(for a rejection a preset one, then a confirmation), a cell or member picked from buttons, a
case number, the after-photo (then an optional location), and a photo after "not fixed".

The conversation is a PendingAction row (handlers.pending), saved after every answer, so a
restart between two answers loses nothing; the workflow re-checks rights and state when the
last answer arrives. What each step shows is `handlers.cases.flow_views`; its buttons are
answered in `handlers.cases.flow_buttons`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import pending
from handlers.card_edit import remember_reply
from handlers.cases import flow_views as views
from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.engine import Conversation
from handlers.notices.cards import render_card
from handlers.people import kept_changing
from handlers.words import escape
from models import Member, PendingAction, utcnow
from services import cases, workflow
from services.cases import Action, RefusalReason, WorkflowRefused, parse_deadline
from services.i18n import Translator, translator
from services.members import find_member
from services.photos import PhotoFacts, PhotoRejected, RejectReason, ingest
from services.photos.stores import photo_store

KIND = "case_flow"
FLOW_TTL = timedelta(hours=1)

STEPS: dict[Action, tuple[str, ...]] = {
    Action.PLAN: ("task", "steps", "owner", "due", "review"),
    Action.DISPATCH: ("target",),
    Action.CLAIM_FIX: ("photo", "location"),
    Action.SEND_BACK: ("reason",),
    Action.REJECT: ("reason", "confirm"),
    Action.REOPEN: ("reason",),
    Action.REROUTE: ("cell", "reason"),
    Action.MERGE: ("into",),
    Action.NOT_FIXED: ("evidence",),
}
PICKED = frozenset({"cell", "target"})  # answered by a button; typed text searches by name
PRESSED = frozenset({"confirm", "review"})  # answered by a button only

# Refusals about what was typed: ask the same question again instead of ending.
RETRY = frozenset(
    {
        RefusalReason.UNKNOWN_CELL,
        RefusalReason.CELL_NOT_BELOW,
        RefusalReason.UNKNOWN_MEMBER,
        RefusalReason.SAME_CELL,
        RefusalReason.UNKNOWN_TARGET,
        RefusalReason.MERGE_SELF,
        RefusalReason.TARGET_CLOSED,
        RefusalReason.DEADLINE_PAST,
        RefusalReason.REASON_REQUIRED,
    }
)


@dataclass
class Flow:
    case_id: int
    number: str
    action: Action
    answers: dict[str, str] = field(default_factory=dict)
    photo_id: int | None = None
    location: tuple[float, float] | None = None

    @property
    def step(self) -> str | None:
        return next((s for s in STEPS[self.action] if s not in self.answers), None)

    def data(self) -> dict[str, Any]:
        """What the database keeps of the flow (JSON)."""
        return {
            "number": self.number,
            "action": self.action.value,
            "answers": dict(self.answers),
            "photo_id": self.photo_id,
            "location": list(self.location) if self.location else None,
        }

    @classmethod
    def of(cls, row: PendingAction) -> Flow | None:
        """The flow a PendingAction row holds, or None if the row is another conversation."""
        data = row.data
        if row.kind != KIND or row.case_id is None:
            return None
        try:
            action = Action(data["action"])
        except (KeyError, ValueError):
            return None
        where = data.get("location")
        return cls(
            row.case_id,
            str(data.get("number", "")),
            action,
            {str(k): str(v) for k, v in dict(data.get("answers") or {}).items()},
            data.get("photo_id"),
            (float(where[0]), float(where[1])) if where else None,
        )


async def load(session: AsyncSession, member: Member) -> Flow | None:
    row = await pending.load(session, member)
    return Flow.of(row) if row is not None else None


async def _begin(session: AsyncSession, deps: Deps, member: Member, flow: Flow) -> None:
    await pending.begin(session, deps, member, KIND, ttl=FLOW_TTL, case_id=flow.case_id,
                        step=flow.step, data=flow.data())


def claims(inbound: Inbound, deps: Deps) -> bool:
    """Whether this private message answers the person's open case conversation (of the
    commands, only /cancel and /skip do)."""
    if inbound.press is not None or not inbound.who.private:
        return False
    if pending.kind_for(deps, inbound.who) != KIND:
        return False
    return not inbound.command or inbound.command in ("/cancel", "/skip")


async def _prompt(session: AsyncSession, deps: Deps, flow: Flow, t: Translator) -> list[Reply]:
    step = flow.step
    if step is None:
        return []
    view = await views.prompt_view(session, flow.case_id, flow.number, flow.action, step,
                                   flow.answers, t, deps.settings, utcnow())
    return [Reply(view.text, view.buttons)]


async def answer(session: AsyncSession, deps: Deps, member: Member, flow: Flow,
                 t: Translator) -> list[Reply]:
    """After an answer: ask the next question, or carry the action out when none is left."""
    if flow.step is not None:
        await pending.save(session, member, flow.step, flow.data())
        return await _prompt(session, deps, flow, t)
    return await _finish(session, deps, member, flow, t)


async def stop(session: AsyncSession, deps: Deps, member: Member, flow: Flow,
               t: Translator) -> list[Reply]:
    await pending.end(session, deps, member)
    return [Reply(t("Stopped. Case {number} is unchanged.", number=escape(flow.number)))]


async def start(session: AsyncSession, deps: Deps, member: Member, case_id: int,
                action: Action) -> list[Reply]:
    """Begin the conversation of a multi-step action (asked in the presser's private chat)."""
    case = await cases.get_case(session, case_id)
    if case is None:
        return []
    flow = Flow(case_id, case.number, action)
    await _begin(session, deps, member, flow)
    return await _prompt(session, deps, flow, translator(member.language))


async def after_immediate(session: AsyncSession, deps: Deps, member: Member, action: Action,
                          outcome: workflow.Outcome) -> list[Reply]:
    """What a one-tap action says next: thanks to the reporter, and an offer of a photo on "no"."""
    t = translator(member.language)
    if action is Action.CONFIRM:
        return [Reply(t("Thank you for confirming that case {number} is fixed.",
                        number=escape(outcome.number)))]
    if action is Action.NOT_FIXED:
        said = Reply(t("Case {number} is reopened and handed up one level of the grid.",
                       number=escape(outcome.number)))
        flow = Flow(outcome.case_id, outcome.number, Action.NOT_FIXED)
        await _begin(session, deps, member, flow)
        return [said, *await _prompt(session, deps, flow, t)]
    return []


@dataclass(frozen=True)
class _Photo:
    """A picture received and checked (before it is kept): its bytes and what Pillow found."""

    data: bytes
    facts: PhotoFacts
    path: str


async def _check_photo(inbound: Inbound, deps: Deps, t: Translator) -> _Photo | str:
    """The message's picture fetched and checked (no transaction is open meanwhile), or why
    it cannot be taken."""
    picture = inbound.picture
    if picture is None:
        return t("Please send a photo.")
    settings = deps.settings
    limits = settings.photos
    if picture.size is not None and picture.size > limits.max_file_bytes:
        return PhotoRejected(RejectReason.TOO_LARGE,
                             limit_mb=limits.max_file_bytes // 1_000_000).render(t)
    data = await inbound.fetch(picture.ref)
    try:
        facts, path = await ingest(data, limits, photo_store(settings, deps.sessions),
                                   settings.locale.timezone)
    except PhotoRejected as rejected:
        return escape(rejected.render(t))
    return _Photo(data, facts, path)


async def _keep_photo(session: AsyncSession, inbound: Inbound, deps: Deps, member: Member,
                      flow: Flow, photo: _Photo) -> None:
    picture = inbound.picture
    assert picture is not None
    settings = deps.settings
    await photo_store(settings, session).keep_at_commit(session, photo.path, photo.data)
    if flow.action is Action.NOT_FIXED:
        await workflow.add_evidence(
            session, flow.case_id, member.id, photo.facts, photo.path, utcnow(),
            file_id=picture.resend, file_unique_id=picture.unique)
    else:
        flow.photo_id = await workflow.record_after_photo(
            session, member.id, photo.facts, photo.path, utcnow(), file_id=picture.resend,
            file_unique_id=picture.unique)


def _takes_photo(flow: Flow, inbound: Inbound) -> bool:
    step = flow.step
    return step in ("photo", "evidence") and inbound.command != "/cancel" and not (
        inbound.command == "/skip" and step == "evidence")


async def on_message(inbound: Inbound, deps: Deps) -> Answer:
    """One answer in a case conversation, in one unit of work (`workflow.attempt`); the last
    one carries out the action. A photo is fetched and checked between two units, with no
    transaction open across the download and Pillow."""
    photo: _Photo | None = None
    while True:
        try:
            said = await workflow.attempt(deps.sessions, partial(_answer, inbound=inbound,
                                                                 deps=deps, photo=photo))
        except workflow.LostRace as lost:
            return await kept_changing(inbound, deps, lost)
        if not isinstance(said, _Wanted):
            return said
        checked = await _check_photo(inbound, deps, said.t)
        if isinstance(checked, str):
            return Answer([Reply(checked)])
        photo = checked


@dataclass(frozen=True)
class _Wanted:
    """The answer is a photo, which is fetched and checked before its unit of work."""

    t: Translator


async def _answer(session: AsyncSession, inbound: Inbound, deps: Deps,
                  photo: _Photo | None) -> Answer | _Wanted:
    who = inbound.who
    member = await find_member(session, who.channel, who.user_id)
    if member is None:
        return Answer()
    flow = await load(session, member)
    if flow is None or flow.step is None:
        await pending.end(session, deps, member)
        return Answer()
    t = translator(member.language)
    if photo is None and _takes_photo(flow, inbound):
        return _Wanted(t)
    return Answer(await _on_message(session, inbound, deps, member, flow, t, photo))


async def _on_message(session: AsyncSession, inbound: Inbound, deps: Deps, member: Member,
                      flow: Flow, t: Translator, photo: _Photo | None) -> list[Reply]:
    text, command = inbound.words, inbound.command
    if command == "/cancel":
        return await stop(session, deps, member, flow, t)
    step = flow.step
    assert step is not None  # on_message ended a finished conversation
    if step in ("photo", "evidence"):
        if photo is None:  # /skip at the evidence step
            await pending.end(session, deps, member)
            return [Reply(t("Thank you."))]
        try:
            await _keep_photo(session, inbound, deps, member, flow, photo)
        except WorkflowRefused as refused:  # no longer its reporter (the case was merged)
            await pending.end(session, deps, member)
            return [Reply(escape(refused.message(t)))]
        flow.answers[step] = "ok"
        if step == "evidence":
            await pending.end(session, deps, member)
            return [Reply(t("Thank you, the photo was added to case {number}.",
                            number=escape(flow.number)))]
    elif step == "location":
        if inbound.location is not None:
            flow.location = inbound.location
        elif command != "/skip":
            return await _prompt(session, deps, flow, t)
        flow.answers[step] = "ok"
    elif step in PICKED and text and not command:
        found = await views.search_view(session, flow.case_id, flow.action, text, t)
        return [Reply(found.text, found.buttons)]
    else:
        if not text or command or step in PRESSED | PICKED:
            return await _prompt(session, deps, flow, t)
        if step == "due" and parse_deadline(text, utcnow(), deps.settings.locale.timezone) is None:
            return [Reply(t(
                "I could not read that deadline. Send a date like 2026-12-31, or days like 14d."))]
        flow.answers[step] = text
    return await answer(session, deps, member, flow, t)


async def _finish(session: AsyncSession, deps: Deps, member: Member, flow: Flow,
                  t: Translator) -> list[Reply]:
    """The action carried out (or refused, having written nothing), then the conversation
    ended or asked again, all in the caller's unit of work."""
    settings = deps.settings
    now = utcnow()
    a = flow.answers
    args = (session, settings, flow.case_id, member.id, now)
    try:
        match flow.action:
            case Action.PLAN:
                due = parse_deadline(a["due"], now, settings.locale.timezone)
                assert due is not None
                plan = workflow.Plan(a["task"], a["steps"], a["owner"], due)
                await workflow.plan(*args, plan)
            case Action.DISPATCH:
                kind, _, target = a["target"].partition(":")
                if kind == "member":
                    await workflow.dispatch(*args, member_id=int(target))
                else:
                    await workflow.dispatch(*args, cell_code=target)
            case Action.CLAIM_FIX:
                photos = [flow.photo_id] if flow.photo_id else []
                await workflow.claim_fix(*args, photo_ids=photos, location=flow.location)
            case Action.SEND_BACK:
                await workflow.send_back(*args, a["reason"])
            case Action.REJECT:
                await workflow.reject(*args, a["reason"])
            case Action.REOPEN:
                await workflow.reopen(*args, a["reason"])
            case Action.REROUTE:
                await workflow.reroute(*args, cell_code=a["cell"], reason=a["reason"])
            case Action.MERGE:
                await workflow.merge(*args, into=a["into"])
            case _:
                raise AssertionError(flow.action)
    except WorkflowRefused as refused:
        said = Reply(escape(refused.message(t)))
        if refused.reason not in RETRY:
            await pending.end(session, deps, member)
            return [said]
        key = {RefusalReason.REASON_REQUIRED: "reason", RefusalReason.DEADLINE_PAST: "due"}.get(
            refused.reason, STEPS[flow.action][0]
        )
        flow.answers.pop(key, None)
        for asked_after in ("confirm", "review"):  # asked again after the new answer
            flow.answers.pop(asked_after, None)
        await pending.save(session, member, flow.step, flow.data())
        return [said, *await _prompt(session, deps, flow, t)]
    await pending.end(session, deps, member)
    card = await render_card(session, flow.case_id, member, settings)
    if card is None:
        return []
    case_id = flow.case_id

    async def kept(message_id: str) -> None:  # later moves of the case edit this card too
        await remember_reply(deps.sessions, member, case_id, message_id, with_media=False)

    return [Reply(card.text, card.buttons, preview=False, sent=kept)]


FLOW = Conversation("case action", claims=claims, converse=on_message, warm=pending.warm)
