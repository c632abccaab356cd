"""One turn of the report conversation: what the update asked, the session it works in, and the
replies it collects to send after the commit (never while a transaction is open)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from handlers.context import Ctx
from handlers.report.views import Markup, Out, prompt
from models import Draft, Member, utcnow
from services.i18n import Translator, translator
from services.reports import Locator, ReportStep, drafts
from services.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Turn:
    update: Update
    ctx: Ctx
    session: AsyncSession
    member: Member
    t: Translator
    now: datetime
    draft: Draft | None
    draft_closed: bool = False
    outs: list[Out] = field(default_factory=list)
    answer_text: str | None = None
    answer_alert: bool = False
    strip_buttons: bool = False
    replacement: Out | None = None
    filed_case_id: int | None = None  # a case got photos: its display copies follow the commit

    @property
    def settings(self) -> Settings:
        return self.ctx.deps.settings

    @property
    def locator(self) -> Locator:
        grid: Locator = self.ctx.deps.grid
        return grid

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        assert chat is not None
        return chat.id

    # ----- collecting replies -----
    def say(self, text: str, markup: Markup | None = None) -> None:
        self.outs.append(Out(text, markup))

    def show(self, out: Out) -> None:
        self.outs.append(out)

    def answer(self, text: str | None, *, alert: bool = False) -> None:
        """The callback query's answer (a toast, or an alert the user must close)."""
        self.answer_text, self.answer_alert = text, alert

    def clear_buttons(self) -> None:
        """Take the buttons off the pressed message, so it cannot be pressed again."""
        self.strip_buttons = True

    def replace(self, out: Out) -> None:
        """Edit the pressed message in place (the summary after a toggle)."""
        self.replacement = out

    # ----- moving through the steps -----
    async def ask(self) -> None:
        """Show the question of the draft's current step."""
        if self.draft is None:
            return
        self.outs.extend(await prompt(self.session, self.draft, self.settings, self.locator,
                                      self.t))

    async def advance(self, done: ReportStep) -> None:
        """`done` is answered: go to the next question (the summary while editing)."""
        assert self.draft is not None
        following = drafts.following_step(self.draft, done)
        extra = {"editing": None} if following == ReportStep.SUMMARY else {}
        await drafts.go_to(self.session, self.draft, following, self.now, **extra)
        await self.ask()

    # ----- after the commit -----
    async def flush(self) -> None:
        query = self.update.callback_query
        if query is not None:
            try:
                await query.answer(self.answer_text, show_alert=self.answer_alert)
            except TelegramError as exc:
                # The work is committed; a lost answer only stops the spinner, and an apology
                # here would make the reporter file the same report again.
                log.warning("report: answering the button failed: %s", exc)
            try:
                if self.replacement is not None:
                    markup = self.replacement.markup
                    await query.edit_message_text(
                        self.replacement.text, parse_mode=ParseMode.HTML,
                        reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None)
                elif self.strip_buttons:
                    await query.edit_message_reply_markup(None)
            except BadRequest:
                pass  # the message is too old to edit, or already shows this: nothing to do
        chat = self.update.effective_chat
        if chat is None:
            return
        for out in self.outs:
            await chat.send_message(out.text, parse_mode=ParseMode.HTML, reply_markup=out.markup)


def open_turn(
    update: Update, ctx: Ctx, session: AsyncSession, member: Member, draft: Draft | None
) -> Turn:
    return Turn(update, ctx, session, member, translator(member.language), utcnow(), draft)
