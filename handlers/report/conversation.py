"""The report conversation: /report (or the keyboard button) -> category -> photos -> place ->
description -> severity -> summary -> a case.

Why not a conversation kept in memory (PTB's ConversationHandler): a reporter on a weak signal
must be able to continue after the bot restarts, so the state is `Draft.step` in our own table.
`claims` says which of a person's messages and presses belong to the conversation (a report
command, a report button press, a forward, or anything from someone with an open draft);
`converse` reads the draft and acts on its step, in one unit of work, and gives the answer for
the channel to send after the commit. The states are `services.reports.ReportStep`; the whole
map of which answer each step takes is `MESSAGE_STEPS` (inputs) and `BUTTON_ACTIONS` (here).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.chat import Answer, Inbound, Keyboard, Reply
from handlers.deps import Deps
from handlers.engine import Conversation
from handlers.report import drafts_known, views
from handlers.report import inputs as inp
from handlers.report.turn import Turn, open_turn
from handlers.words import DEACTIVATED, START_FIRST
from models import Draft, Severity
from services import patrols
from services.cases import make_display_copies
from services.i18n import N_, normalize, translator
from services.photos.stores import photo_store
from services.reports import DraftError, PlaceSource, ReportStep, drafts
from services.workflow import intake

COMMANDS = (("report", N_("report a problem at a water source")),)
REPORT_LABELS = views.labels(views.REPORT_BUTTON)
CANCEL_LABELS = views.labels(views.CANCEL_BUTTON)

# Which buttons each step takes ("b" back and "x" cancel work everywhere).
STEP_ACTIONS: dict[ReportStep, frozenset[str]] = {
    ReportStep.CATEGORY: frozenset({"c"}),
    ReportStep.PHOTOS: frozenset({"pd"}),
    ReportStep.PLACE: frozenset({"xy", "pp"}),
    ReportStep.PLACE_SOURCE: frozenset({"s", "xy"}),
    ReportStep.PLACE_VILLAGE: frozenset({"v"}),
    ReportStep.DESCRIPTION: frozenset({"ds"}),
    ReportStep.SEVERITY: frozenset({"sv"}),
    ReportStep.SUMMARY: frozenset({"ok", "ed", "an", "e"}),
    ReportStep.DUPLICATE: frozenset({"dup", "new", "ok"}),
}
ANY_STEP = frozenset({"b", "x", "rs", "rn"})


def _is_start(inbound: Inbound) -> bool:
    return inbound.command == "/report" or inbound.words in REPORT_LABELS


def claims(inbound: Inbound, has_draft: bool) -> bool:
    """Whether this belongs to the report conversation (`has_draft`: the person has an open
    draft; a channel's adapter keeps that at hand, as it cannot wait for the database here)."""
    if inbound.press is not None:
        return inbound.press.startswith(views.PREFIX + "|")
    if not inbound.who.private:
        return False
    if _is_start(inbound) or inbound.forwarded:
        return True
    if inbound.command:
        # other commands pass through mid-report; /cancel is ours unless a handler
        # registered earlier (another conversation) took it first
        return inbound.command == "/cancel"
    return has_draft


def finish(turn: Turn) -> Answer:
    """The turn's answer, with the display copies of a filed case made after it is given."""
    answer = turn.answer_out
    case_id, deps = turn.filed_case_id, turn.deps
    if case_id is not None:
        async def copies() -> None:
            await make_display_copies(deps.sessions, deps.settings, case_id)
        answer.then = copies
    return answer


def stranger_answer(inbound: Inbound, deps: Deps) -> Answer:
    """Someone the bot does not know yet: /start first (in the chat, even for a press)."""
    t = translator(normalize(inbound.who.language_code, deps.settings.locale.default))
    return Answer(replies=[Reply(t(START_FIRST))])


def told(inbound: Inbound, text: str) -> Answer:
    if inbound.press is not None:
        return Answer(toast=text, alert=True)
    return Answer(replies=[Reply(text)])


async def converse(inbound: Inbound, deps: Deps) -> tuple[Answer, bool]:
    """One message or press of the conversation: one unit of work, committed once, and the
    answer to give after it; with whether the person has an open draft afterwards."""
    who = inbound.who
    async with deps.sessions() as session:
        member, draft = await drafts.member_and_draft(session, who.channel, who.user_id)
        if member is None:
            return stranger_answer(inbound, deps), False
        if member.deactivated_at is not None:  # a deactivated member files nothing more
            return told(inbound, translator(member.language)(DEACTIVATED)), False
        turn = open_turn(inbound, deps, session, member, draft)
        if inbound.press is not None:
            await on_button(turn)
        else:
            await on_message(turn)
        await session.commit()
    return finish(turn), turn.has_draft


async def on_message(turn: Turn) -> None:
    inbound = turn.inbound
    if _is_start(inbound):
        await start(turn)
    elif inbound.command == "/cancel" or (turn.draft is not None
                                          and inbound.words in CANCEL_LABELS):
        await cancel(turn)
    elif turn.draft is None and inbound.forwarded:
        await inp.start_from_forward(turn)
    elif turn.draft is None:
        turn.say(turn.t("That report is no longer open (sent, cancelled or expired). "
                        "Send /report to start a new one."), keys(turn))
    else:
        await inp.answer_message(turn)


async def start(turn: Turn) -> None:
    """/report: a new draft, or the choice to continue the open one."""
    if turn.draft is not None:
        photos = await drafts.photo_count(turn.session, turn.draft.id)
        turn.show(views.resume_view(turn.draft, photos, turn.t))
        return
    try:
        started = await drafts.start_draft(turn.session, turn.member, turn.chat_id, turn.now,
                                           turn.settings.cases)
    except DraftError as refused:
        turn.say(views.refusal(refused, turn.t))
        return
    turn.draft = started.draft
    await turn.ask()


def keys(turn: Turn) -> Keyboard:
    return views.main_keyboard(turn.t, turn.member)


async def cancel(turn: Turn) -> None:
    if turn.draft is None:
        turn.say(turn.t("There is no report in progress."), keys(turn))
        return
    await drafts.discard_draft(turn.session, turn.draft,
                               photo_store(turn.settings, turn.session))
    turn.draft_closed = True
    turn.say(turn.t("Report cancelled. Nothing was sent."), keys(turn))


async def on_button(turn: Turn) -> None:
    """A press on one of our buttons: check it belongs to the open draft and its step."""
    parsed = views.parse(turn.inbound.press or "")
    draft = turn.draft
    if parsed is None or draft is None or parsed[0] != drafts.draft_token(draft):
        turn.answer(turn.t("That button belongs to a report that is already sent or "
                           "cancelled. Send /report to start a new one."), alert=True)
        return
    _token, action, arg = parsed
    step = ReportStep(draft.step)
    if action not in ANY_STEP and action not in STEP_ACTIONS.get(step, frozenset()):
        turn.answer(turn.t("That button is from an earlier question. Please use the latest "
                           "message."), alert=True)
        await turn.ask()  # the latest question again: its message may never have arrived
        return
    turn.answer(None)
    if action not in {"an"}:
        turn.clear_buttons()
    handler = BUTTON_ACTIONS[action]
    await handler(turn, draft, arg)


async def _back(turn: Turn, draft: Draft, _arg: str) -> None:
    previous = drafts.previous_step(ReportStep(draft.step))
    if previous is None:
        await turn.ask()
        return
    await drafts.go_to(turn.session, draft, previous, turn.now)
    await turn.ask()


async def _cancel(turn: Turn, _draft: Draft, _arg: str) -> None:
    await cancel(turn)


async def _resume(turn: Turn, _draft: Draft, _arg: str) -> None:
    await turn.ask()


async def _restart(turn: Turn, _draft: Draft, _arg: str) -> None:
    try:
        started = await drafts.start_draft(turn.session, turn.member, turn.chat_id, turn.now,
                                           turn.settings.cases, restart=True,
                                           photos=photo_store(turn.settings, turn.session))
    except DraftError as refused:
        turn.say(views.refusal(refused, turn.t))
        return
    turn.draft = started.draft
    await turn.ask()


async def _category(turn: Turn, draft: Draft, arg: str) -> None:
    category = turn.settings.category(arg)
    if category is None:
        turn.answer(turn.t("That category no longer exists; please choose again."), alert=True)
        await turn.ask()
        return
    await drafts.set_category(turn.session, draft, category, turn.now)
    turn.say(turn.t("Category: {name}", name=views.escape(
        views.category_label(category, turn.t.language))))
    await turn.advance(ReportStep.CATEGORY)


async def _photos_done(turn: Turn, draft: Draft, _arg: str) -> None:
    if await drafts.photo_count(turn.session, draft.id) == 0:
        turn.say(turn.t("Please send at least one photo first."))
        await turn.ask()
        return
    await turn.advance(ReportStep.PHOTOS)


async def _use_exif(turn: Turn, draft: Draft, _arg: str) -> None:
    place = await drafts.exif_place(turn.session, draft.id)
    if place is None:
        await turn.ask()
        return
    await inp.take_place(turn, draft, place[0], place[1], PlaceSource.EXIF)


async def _use_patrol(turn: Turn, draft: Draft, _arg: str) -> None:
    """The place from the last point of the reporter's patrol, when they agree."""
    point = await patrols.last_point(turn.session, draft.member_id)
    if point is None:
        await turn.ask()
        return
    await inp.take_place(turn, draft, point[0], point[1], PlaceSource.LOCATION)


async def _source(turn: Turn, draft: Draft, arg: str) -> None:
    await drafts.go_to(turn.session, draft, ReportStep.PLACE_VILLAGE, turn.now, source_id=int(arg))
    await turn.ask()


async def _village(turn: Turn, draft: Draft, arg: str) -> None:
    await inp.take_village(turn, draft, int(arg))


async def _skip_description(turn: Turn, draft: Draft, _arg: str) -> None:
    await turn.advance(ReportStep.DESCRIPTION)


async def _severity(turn: Turn, draft: Draft, arg: str) -> None:
    await drafts.set_severity(turn.session, draft, Severity(arg), turn.now)
    await turn.advance(ReportStep.SEVERITY)


async def _anonymous(turn: Turn, draft: Draft, _arg: str) -> None:
    await drafts.toggle_anonymous(turn.session, draft, turn.now)
    turn.replace(await views.summary(turn.session, draft, turn.settings, turn.locator, turn.t))


async def _edit_menu(turn: Turn, draft: Draft, _arg: str) -> None:
    turn.show(views.edit_menu(draft, turn.t))


async def _edit(turn: Turn, draft: Draft, arg: str) -> None:
    step = ReportStep(arg)
    await drafts.go_to(turn.session, draft, step, turn.now,
                       editing=True if step != ReportStep.SUMMARY else None)
    await turn.ask()


async def _confirm(turn: Turn, draft: Draft, _arg: str) -> None:
    missing = drafts.missing_answers(draft, await drafts.photo_count(turn.session, draft.id))
    if missing:
        await drafts.go_to(turn.session, draft, missing[0], turn.now, editing=True)
        turn.say(turn.t("The report is not complete yet."))
        await turn.ask()
        return
    found = await intake.duplicates_of(turn.session, draft, turn.locator, turn.now,
                                       turn.settings.cases)
    if found:
        await drafts.go_to(turn.session, draft, ReportStep.DUPLICATE, turn.now)
        turn.show(views.duplicates_view(draft, found, turn.t))
        return
    await inp.submit(turn, draft)


async def _file_new(turn: Turn, draft: Draft, _arg: str) -> None:
    await inp.submit(turn, draft)


async def _attach(turn: Turn, draft: Draft, arg: str) -> None:
    await inp.attach(turn, draft, int(arg))


BUTTON_ACTIONS: dict[str, Callable[[Turn, Draft, str], Awaitable[None]]] = {
    "b": _back,
    "x": _cancel,
    "rs": _resume,
    "rn": _restart,
    "c": _category,
    "pd": _photos_done,
    "xy": _use_exif,
    "pp": _use_patrol,
    "s": _source,
    "v": _village,
    "ds": _skip_description,
    "sv": _severity,
    "an": _anonymous,
    "ed": _edit_menu,
    "e": _edit,
    "ok": _confirm,
    "new": _file_new,
    "dup": _attach,
}



async def _converse(inbound: Inbound, deps: Deps) -> Answer:
    answer, open_draft = await converse(inbound, deps)
    drafts_known.note_draft(deps, inbound.who, open_draft)
    return answer


CONVERSATION = Conversation(
    "report",
    claims=lambda inbound, deps: claims(inbound, drafts_known.has_draft(deps, inbound.who)),
    converse=_converse,
    warm=drafts_known.warm,
)
