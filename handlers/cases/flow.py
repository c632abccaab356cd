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
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from handlers import pending
from handlers.card_edit import remember_reply
from handlers.cases import flow_views as views
from handlers.common import NO_PREVIEW, load_member, markup
from handlers.context import Ctx
from handlers.notices.cards import render_card
from handlers.words import escape
from models import Member, PendingAction, utcnow
from services import cases, workflow
from services.cases import Action, RefusalReason, WorkflowRefused, parse_deadline
from services.i18n import Translator, translator
from services.photos import PhotoRejected, ingest
from services.photos.files import keep_file_at_commit

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


async def load(ctx: Ctx, member: Member) -> Flow | None:
    row = await pending.load(ctx, member)
    return Flow.of(row) if row is not None else None


async def _begin(ctx: Ctx, member: Member, flow: Flow) -> None:
    await pending.begin(ctx, member, KIND, ttl=FLOW_TTL, case_id=flow.case_id, step=flow.step,
                        data=flow.data())


async def _save(ctx: Ctx, member: Member, flow: Flow) -> None:
    await pending.save(ctx, member, flow.step, flow.data())


async def _end(ctx: Ctx, member: Member) -> None:
    await pending.end(ctx, member)


async def _send(ctx: Ctx, member: Member, text: str,
                keyboard: InlineKeyboardMarkup | None = None) -> None:
    await ctx.bot.send_message(member.chat_id, text, parse_mode=ParseMode.HTML,
                               reply_markup=keyboard)


async def _prompt(ctx: Ctx, member: Member, flow: Flow, t: Translator) -> None:
    step = flow.step
    if step is None:
        return
    async with ctx.deps.sessions() as session:
        view = await views.prompt_view(session, flow.case_id, flow.number, flow.action, step,
                                       flow.answers, t, ctx.deps.settings, utcnow())
    await _send(ctx, member, view.text, view.keyboard)


async def answer(ctx: Ctx, member: Member, flow: Flow, t: Translator) -> None:
    """After an answer: ask the next question, or carry the action out when none is left."""
    if flow.step is not None:
        await _save(ctx, member, flow)
        await _prompt(ctx, member, flow, t)
        return
    await _finish(ctx, member, flow, t)


async def stop(ctx: Ctx, member: Member, flow: Flow, t: Translator) -> None:
    await _end(ctx, member)
    await _send(ctx, member, t("Stopped. Case {number} is unchanged.",
                               number=escape(flow.number)))


async def start(update: Update, ctx: Ctx, member: Member, case_id: int, action: Action) -> None:
    """Begin the conversation of a multi-step action in the presser's private chat."""
    async with ctx.deps.sessions() as session:
        case = await cases.get_case(session, case_id)
    if case is None:
        return
    flow = Flow(case_id, case.number, action)
    await _begin(ctx, member, flow)
    await _prompt(ctx, member, flow, translator(member.language))


async def after_immediate(
    update: Update, ctx: Ctx, member: Member, action: Action, outcome: workflow.Outcome
) -> None:
    """What a one-tap action says next: thanks to the reporter, and an offer of a photo on "no"."""
    t = translator(member.language)
    if action is Action.CONFIRM:
        await _send(ctx, member, t("Thank you for confirming that case {number} is fixed.",
                                   number=escape(outcome.number)))
    elif action is Action.NOT_FIXED:
        await _send(ctx, member, t(
            "Case {number} is reopened and handed up one level of the grid.",
            number=escape(outcome.number)))
        flow = Flow(outcome.case_id, outcome.number, Action.NOT_FIXED)
        await _begin(ctx, member, flow)
        await _prompt(ctx, member, flow, t)


async def _download(message: Message, ctx: Ctx) -> tuple[bytes, str | None, str] | None:
    """The picture of a message (largest photo size, or an image file): its bytes, the file id
    it may be sent on by (none for a file: it keeps its EXIF), and the unique id."""
    if message.photo:
        size = message.photo[-1]
        file_id, unique = size.file_id, size.file_unique_id
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        file_id, unique = message.document.file_id, message.document.file_unique_id
    else:
        return None
    file = await ctx.bot.get_file(file_id)
    sendable = file_id if message.photo else None
    return bytes(await file.download_as_bytearray()), sendable, unique


async def _take_photo(
    message: Message, ctx: Ctx, member: Member, flow: Flow, t: Translator
) -> bool:
    """Store the picture of this message for the flow; False (after saying why) if none."""
    got = await _download(message, ctx)
    if got is None:
        await _send(ctx, member, t("Please send a photo."))
        return False
    data, file_id, unique = got
    settings = ctx.deps.settings
    try:
        facts, path = await ingest(
            data, settings.photos, settings.photos_dir, settings.locale.timezone
        )
    except PhotoRejected as rejected:
        await _send(ctx, member, escape(rejected.render(t)))
        return False
    async with ctx.deps.sessions() as session:
        await keep_file_at_commit(session, settings.photos_dir, data, facts.sha256)
        if flow.action is Action.NOT_FIXED:
            await workflow.add_evidence(
                session, flow.case_id, member.id, facts, path, utcnow(),
                file_id=file_id, file_unique_id=unique,
            )
        else:
            flow.photo_id = await workflow.record_after_photo(
                session, member.id, facts, path, utcnow(), file_id=file_id, file_unique_id=unique
            )
    return True


async def on_message(update: Update, ctx: Ctx) -> None:
    """One answer in a case conversation; the last one carries out the action."""
    message = update.message
    member = await load_member(update, ctx)
    if message is None or member is None:
        return
    flow = await load(ctx, member)
    if flow is None or flow.step is None:
        await _end(ctx, member)
        return
    t = translator(member.language)
    text = (message.text or "").strip()
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text.startswith("/") else ""
    if command == "/cancel":
        await stop(ctx, member, flow, t)
        return
    step = flow.step
    if step in ("photo", "evidence"):
        if command == "/skip" and step == "evidence":
            await _end(ctx, member)
            await _send(ctx, member, t("Thank you."))
            return
        if not await _take_photo(message, ctx, member, flow, t):
            return
        flow.answers[step] = "ok"
        if step == "evidence":
            await _end(ctx, member)
            await _send(ctx, member, t("Thank you, the photo was added to case {number}.",
                                       number=escape(flow.number)))
            return
    elif step == "location":
        if message.location is not None:
            flow.location = (message.location.latitude, message.location.longitude)
        elif command != "/skip":
            await _prompt(ctx, member, flow, t)
            return
        flow.answers[step] = "ok"
    elif step in PICKED and text and not command:
        async with ctx.deps.sessions() as session:
            found = await views.search_view(session, flow.case_id, flow.action, text, t)
        await _send(ctx, member, found.text, found.keyboard)
        return
    else:
        if not text or command or step in PRESSED | PICKED:
            await _prompt(ctx, member, flow, t)
            return
        if step == "due" and parse_deadline(
            text, utcnow(), ctx.deps.settings.locale.timezone
        ) is None:
            await _send(ctx, member, t(
                "I could not read that deadline. Send a date like 2026-12-31, or days like 14d."))
            return
        flow.answers[step] = text
    await answer(ctx, member, flow, t)


async def _finish(ctx: Ctx, member: Member, flow: Flow, t: Translator) -> None:
    settings = ctx.deps.settings
    now = utcnow()
    a = flow.answers
    try:
        async with ctx.deps.sessions() as session:
            args = (session, settings, flow.case_id, member.id, now)
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
            card = await render_card(session, flow.case_id, member, settings)
    except WorkflowRefused as refused:
        await _send(ctx, member, escape(refused.message(t)))
        if refused.reason in RETRY:
            key = {RefusalReason.REASON_REQUIRED: "reason", RefusalReason.DEADLINE_PAST: "due"}.get(
                refused.reason, STEPS[flow.action][0]
            )
            flow.answers.pop(key, None)
            for asked_after in ("confirm", "review"):  # asked again after the new answer
                flow.answers.pop(asked_after, None)
            await _save(ctx, member, flow)
            await _prompt(ctx, member, flow, t)
        else:
            await _end(ctx, member)
        return
    await _end(ctx, member)
    if card is not None:
        sent = await ctx.bot.send_message(
            member.chat_id,
            card.text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup(card.buttons),
            link_preview_options=NO_PREVIEW,
        )
        await remember_reply(ctx.deps.sessions, member, flow.case_id, sent)  # kept true
