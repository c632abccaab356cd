"""The report conversation: /report (or the keyboard button) -> category -> photos -> place ->
description -> severity -> summary -> a case.

Why not PTB's ConversationHandler: its state lives in memory (or in a persistence file loaded
once at start) and its timeout jobs are lost on restart, while a reporter on a weak signal must
be able to continue after the bot restarts. So the state is `Draft.step` in our own table, and
one handler (`ReportHandler`) claims a private update when it is a report command, a report
button press, a forward, or comes from someone with an open draft; it then acts on the step it
reads from the database. Which users have a draft is cached per process in `bot_data` and
filled from the database by a cheap pre-handler (`_warm`), because `check_update` cannot await.
The states are `services.reports.ReportStep`; the whole map of which answer each step takes is
`MESSAGE_STEPS` (inputs) and `BUTTON_ACTIONS` (here).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.ext import BaseHandler, TypeHandler

from handlers import order
from handlers.common import PLATFORM, tell_deactivated, tell_to_start
from handlers.context import Ctx, GridApp
from handlers.report import inputs as inp
from handlers.report import views
from handlers.report.turn import Turn, open_turn
from models import Draft, Severity
from services.cases import make_display_copies
from services.i18n import N_
from services.reports import DraftError, PlaceSource, ReportStep, drafts
from services.workflow import intake

COMMANDS = (("report", N_("report a problem at a water source")),)
CACHE_KEY = "report_open_drafts"
REPORT_LABELS = views.labels(views.REPORT_BUTTON)
CANCEL_LABELS = views.labels(views.CANCEL_BUTTON)

# Which buttons each step takes ("b" back and "x" cancel work everywhere).
STEP_ACTIONS: dict[ReportStep, frozenset[str]] = {
    ReportStep.CATEGORY: frozenset({"c"}),
    ReportStep.PHOTOS: frozenset({"pd"}),
    ReportStep.PLACE: frozenset({"xy"}),
    ReportStep.PLACE_SOURCE: frozenset({"s", "xy"}),
    ReportStep.PLACE_VILLAGE: frozenset({"v"}),
    ReportStep.DESCRIPTION: frozenset({"ds"}),
    ReportStep.SEVERITY: frozenset({"sv"}),
    ReportStep.SUMMARY: frozenset({"ok", "ed", "an", "e"}),
    ReportStep.DUPLICATE: frozenset({"dup", "new", "ok"}),
}
ANY_STEP = frozenset({"b", "x", "rs", "rn"})


def _cache(bot_data: dict[Any, Any]) -> dict[int, bool]:
    cache: dict[int, bool] = bot_data.setdefault(CACHE_KEY, {})
    return cache


def _is_start(message: Message) -> bool:
    text = (message.text or "").strip()
    first = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text else ""
    return first == "/report" or text in REPORT_LABELS


class ReportHandler(BaseHandler[Update, Ctx, None]):
    """Claims the updates that belong to the report conversation (see the module docstring)."""

    def __init__(self, callback: Callable[[Update, Ctx], Coroutine[Any, Any, None]],
                 bot_data: dict[Any, Any]) -> None:
        super().__init__(callback)
        self.bot_data = bot_data

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or update.effective_user is None:
            return False
        query = update.callback_query
        if query is not None:
            return (query.data or "").startswith(views.PREFIX + "|")
        message = update.message
        if message is None or message.chat.type != "private":
            return False
        if _is_start(message) or message.forward_origin is not None:
            return True
        if message.text and message.text.startswith("/"):
            # other commands pass through mid-report; /cancel is ours unless a handler
            # registered earlier (another conversation) took it first
            return message.text.split(maxsplit=1)[0].split("@", 1)[0].lower() == "/cancel"
        return _cache(self.bot_data).get(update.effective_user.id, False)


async def _warm(update: Update, ctx: Ctx) -> None:
    """Learn once per process whether this user has an open draft (so a restart loses nothing)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return
    cache = _cache(ctx.bot_data)
    if user.id in cache:
        return
    async with ctx.deps.sessions() as session:
        _, draft = await drafts.member_and_draft(session, PLATFORM, user.id)
    cache[user.id] = draft is not None


async def on_update(update: Update, ctx: Ctx) -> None:
    """One update of the conversation: one session, one commit, then the replies."""
    user = update.effective_user
    assert user is not None
    async with ctx.deps.sessions() as session:
        member, draft = await drafts.member_and_draft(session, PLATFORM, user.id)
        if member is None:
            await session.close()
            await tell_to_start(update, ctx)
            return
        if member.deactivated_at is not None:  # a deactivated member files nothing more
            await session.close()
            await tell_deactivated(update, ctx, member)
            return
        turn = open_turn(update, ctx, session, member, draft)
        if update.callback_query is not None:
            await on_button(turn)
        elif update.message is not None:
            await on_message(turn, update.message)
        await session.commit()
        has_draft = turn.draft is not None and not turn.draft_closed
    _cache(ctx.bot_data)[user.id] = has_draft
    await turn.flush()
    if turn.filed_case_id is not None:  # after the commit and the reply, off the event loop
        await make_display_copies(ctx.deps.sessions, ctx.deps.settings, turn.filed_case_id)


async def on_message(turn: Turn, message: Message) -> None:
    text = (message.text or "").strip()
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text else ""
    if _is_start(message):
        await start(turn)
    elif command == "/cancel" or (turn.draft is not None and text in CANCEL_LABELS):
        await cancel(turn)
    elif turn.draft is None and message.forward_origin is not None:
        await inp.start_from_forward(turn, message)
    elif turn.draft is None:
        turn.say(turn.t("That report is no longer open (sent, cancelled or expired). "
                        "Send /report to start a new one."), views.main_keyboard(turn.t))
    else:
        await inp.answer_message(turn, message)


async def start(turn: Turn) -> None:
    """/report: a new draft, or the choice to continue the open one."""
    if turn.draft is not None:
        photos = await drafts.photo_count(turn.session, turn.draft.id)
        turn.show(views.resume_view(turn.draft, photos, turn.t))
        return
    try:
        started = await drafts.start_draft(turn.session, turn.member, str(turn.chat_id), turn.now,
                                           turn.settings.cases)
    except DraftError as refused:
        turn.say(views.refusal(refused, turn.t))
        return
    turn.draft = started.draft
    await turn.ask()


async def cancel(turn: Turn) -> None:
    if turn.draft is None:
        turn.say(turn.t("There is no report in progress."), views.main_keyboard(turn.t))
        return
    await drafts.discard_draft(turn.session, turn.draft, turn.settings.photos_dir)
    turn.draft_closed = True
    turn.say(turn.t("Report cancelled. Nothing was sent."), views.main_keyboard(turn.t))


async def on_button(turn: Turn) -> None:
    """A press on one of our buttons: check it belongs to the open draft and its step."""
    query = turn.update.callback_query
    assert query is not None
    parsed = views.parse(query.data or "")
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
        started = await drafts.start_draft(turn.session, turn.member, str(turn.chat_id), turn.now,
                                           turn.settings.cases, restart=True,
                                           photos_dir=turn.settings.photos_dir)
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


def register(app: GridApp) -> None:
    """One pre-handler that learns who has a draft, and the one handler of the conversation."""
    app.add_handler(TypeHandler(Update, _warm), group=order.REPORT_WARM)
    app.add_handler(ReportHandler(on_update, app.bot_data))
