"""Buttons on case notices and cards, and the short conversations some actions need (the plan,
a reason, the after-photo), in the presser's private chat.

A button carries only 'c:<case id>:<action>:<version>'; every press reloads the case and checks
rights and state again in the workflow, so a forged or stale button changes nothing: it is told
where the case is, and the message is refreshed to the current card.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from handlers import pending
from handlers.card_edit import redraw
from handlers.cases import commands as case_commands
from handlers.cases import flow as case_flow
from handlers.cases import flow_buttons as case_flow_buttons
from handlers.cases import flow_views as case_flow_views
from handlers.common import load_member
from handlers.context import Ctx, GridApp
from handlers.notices.cards import parse_callback
from models import Member, utcnow
from services import cases, workflow
from services.cases import Action, RefusalReason, WorkflowRefused
from services.i18n import translator

COMMANDS = case_commands.COMMANDS
BUTTON_PATTERN = r"^c:"

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


async def refresh(
    ctx: Ctx, message: Message | None, member: Member, case_id: int, *, reporter: bool
) -> None:
    """Replace the pressed message's card and buttons with the case as it is now (the
    reporter's question only loses its buttons)."""
    if message is None:
        return
    if not reporter:
        await redraw(ctx.deps, message, member, case_id, ctx.deps.renderers)
        return
    markup = message.reply_markup
    if markup is not None and markup.inline_keyboard:
        try:
            await message.edit_reply_markup(reply_markup=None)
        except BadRequest as exc:  # "message is not modified": nothing to change
            if "not modified" not in str(exc).lower():
                raise


async def on_button(update: Update, ctx: Ctx) -> None:
    query = update.callback_query
    assert query is not None
    member = await load_member(update, ctx)
    if member is None:
        t = translator(ctx.deps.settings.locale.default)
        await query.answer(t("Please send /start first, so I know who you are."), show_alert=True)
        return
    t = translator(member.language)
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer(t("This button is no longer valid."), show_alert=True)
        return
    case_id, action, _version = parsed
    message = query.message if isinstance(query.message, Message) else None
    reporter = action in (Action.CONFIRM, Action.NOT_FIXED)
    if action in IMMEDIATE:
        try:
            async with ctx.deps.sessions() as session:
                outcome = await IMMEDIATE[action](
                    session, ctx.deps.settings, case_id, member.id, utcnow()
                )
        except WorkflowRefused as said_no:
            await query.answer(said_no.message(t)[:200], show_alert=True)
            if said_no.reason in (
                RefusalReason.MOVED_ON, RefusalReason.MERGED, RefusalReason.ANSWERED
            ):
                await refresh(ctx, message, member, case_id, reporter=reporter)
            return
        await query.answer(t("Done."))
        await refresh(ctx, message, member, case_id, reporter=reporter)
        await case_flow.after_immediate(update, ctx, member, action, outcome)
        return
    async with ctx.deps.sessions() as session:
        _case, refusal = await cases.refusal_of(session, case_id, member, action)
        refused: WorkflowRefused | None = None
        if refusal in (RefusalReason.MOVED_ON, RefusalReason.MERGED):
            refused = await workflow.moved_on(session, case_id)
        elif refusal is not None:
            number = _case.number if _case is not None else str(case_id)
            refused = WorkflowRefused(refusal, number=number)
    if refused is not None:
        await query.answer(refused.message(t)[:200], show_alert=True)
        if refused.reason in (RefusalReason.MOVED_ON, RefusalReason.MERGED):
            await refresh(ctx, message, member, case_id, reporter=False)
        return
    await query.answer()
    await case_flow.start(update, ctx, member, case_id, action)


class FlowHandler(BaseHandler[Update, Ctx, None]):
    """Claims private messages of a user in the middle of a case action's conversation."""

    def __init__(
        self,
        callback: Callable[[Update, Ctx], Coroutine[Any, Any, None]],
        bot_data: dict[Any, Any],
    ) -> None:
        super().__init__(callback)
        self.bot_data = bot_data

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or update.effective_user is None:
            return False
        message = update.message
        if message is None or message.chat.type != "private":
            return False
        if pending.kind_for(self.bot_data, update.effective_user.id) != case_flow.KIND:
            return False
        if message.text and message.text.startswith("/"):
            command = message.text.split(maxsplit=1)[0].split("@", 1)[0].lower()
            return command in ("/cancel", "/skip")
        return True


def register(app: GridApp) -> None:
    private = filters.ChatType.PRIVATE
    pending.ensure_warm(app)
    app.add_handler(FlowHandler(case_flow.on_message, app.bot_data))
    app.add_handler(CallbackQueryHandler(on_button, pattern=BUTTON_PATTERN))
    app.add_handler(CallbackQueryHandler(case_flow_buttons.on_press,
                                         pattern=f"^{case_flow_views.PREFIX}:"))
    app.add_handler(CommandHandler("case", case_commands.case_command, filters=private))
    app.add_handler(CommandHandler("open", case_commands.open_command, filters=private))
    app.add_handler(CommandHandler("mine", case_commands.mine_command, filters=private))
