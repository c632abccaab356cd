"""One turn of the report conversation: what the person did, the session it works in, and the
answer it collects for the channel to give after the commit (never while a transaction is
open)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Answer, Inbound, Keyboard, Later, Reply
from handlers.deps import Deps
from handlers.report.views import prompt
from models import Draft, Member, utcnow
from services.i18n import Translator, translator
from services.reports import Locator, ReportStep, drafts
from services.settings import Settings


@dataclass
class Turn:
    inbound: Inbound
    deps: Deps
    session: AsyncSession
    member: Member
    t: Translator
    now: datetime
    draft: Draft | None
    draft_closed: bool = False
    answer_out: Answer = field(default_factory=Answer)
    filed_case_id: int | None = None  # a case got photos: its display copies follow the commit

    @property
    def settings(self) -> Settings:
        return self.deps.settings

    @property
    def locator(self) -> Locator:
        grid: Locator = self.deps.grid
        return grid

    @property
    def chat_id(self) -> str:
        return self.inbound.who.chat_id

    @property
    def has_draft(self) -> bool:
        return self.draft is not None and not self.draft_closed

    # ----- collecting the answer -----
    def say(self, text: str, keyboard: Keyboard | None = None) -> None:
        self.answer_out.replies.append(Reply(text, keyboard=keyboard))

    def show(self, reply: Reply) -> None:
        self.answer_out.replies.append(reply)

    def answer(self, text: str | None, *, alert: bool = False) -> None:
        """The press's answer (a toast, or an alert the person must close)."""
        self.answer_out.toast, self.answer_out.alert = text, alert

    def clear_buttons(self) -> None:
        """Take the buttons off the pressed message, so it cannot be pressed again."""
        self.answer_out.strip_buttons = True

    def replace(self, reply: Reply) -> None:
        """Redraw the pressed message in place (the summary after a toggle)."""
        self.answer_out.edit = reply

    def later(self, later: Later) -> None:
        self.answer_out.later = later

    # ----- moving through the steps -----
    async def ask(self) -> None:
        """Show the question of the draft's current step."""
        if self.draft is None:
            return
        self.answer_out.replies.extend(
            await prompt(self.session, self.draft, self.settings, self.locator, self.t))

    async def again(self, why: str) -> None:
        """An answer the step cannot take: why, then the step's question with its buttons once
        more (its own message may have died with a process that stopped after the commit)."""
        self.say(why)
        await self.ask()

    async def advance(self, done: ReportStep) -> None:
        """`done` is answered: go to the next question (the summary while editing)."""
        assert self.draft is not None
        following = drafts.following_step(self.draft, done)
        extra = {"editing": None} if following == ReportStep.SUMMARY else {}
        await drafts.go_to(self.session, self.draft, following, self.now, **extra)
        await self.ask()


def open_turn(inbound: Inbound, deps: Deps, session: AsyncSession, member: Member,
              draft: Draft | None) -> Turn:
    return Turn(inbound, deps, session, member, translator(member.language), utcnow(), draft)
