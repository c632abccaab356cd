"""Renderers of the administration notices: a deactivated member is told by whom and what
became of their cases; the new holder of a handed-over case gets its card."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.cards import render_card
from handlers.notices.render import notice_translator
from handlers.words import escape, role_name
from models import Case, Member, Outbox
from services.i18n import N_
from services.notices.card import Card
from services.notices.kinds import CaseHandedOver, MemberDeactivated
from services.settings import Settings

REASONS = {
    "deactivated": N_("{name} was deactivated by {actor}"),
    "blocked": N_("{name} can no longer be reached (they blocked the bot)"),
    "unreachable": N_("{name} could not be reached (they blocked the bot or their chat is "
                      "gone)"),
}


async def render_deactivated(
    session: AsyncSession, notice: MemberDeactivated, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    """Queued by chat (the member is inactive by now): the member is loaded from the notice."""
    who = await session.get(Member, notice.member_id)
    actor = await session.get(Member, notice.actor_id) if notice.actor_id else None
    if who is None:
        return None
    t = notice_translator(who, settings)
    text = t("🚫 {actor} ({role}) has ended your access to the bot. You will get no more "
             "alerts and can no longer act on cases. If that is a mistake, ask a grid manager "
             "for a new invite.", actor=escape(actor.display_name) if actor else "?",
             role=role_name(actor.role, t) if actor else "?")
    numbers = [str(n) for n in notice.cases]
    if numbers:
        text += "\n" + t.n("Your open case went to another grid manager: {numbers}",
                           "Your {count} open cases went to other grid managers: {numbers}",
                           len(numbers), numbers=escape("、".join(numbers)))
    return Card(text=text)


async def render_handed_over(
    session: AsyncSession, notice: CaseHandedOver, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    """The case's card, for its new holder, with why it came to them."""
    case = await session.get(Case, notice.case_id)
    if case is None or not case.is_open:
        return None
    t = notice_translator(member, settings)
    before = await session.get(Member, notice.from_member_id)
    actor = await session.get(Member, notice.actor_id) if notice.actor_id else None
    reason = REASONS.get(str(notice.reason))
    name = escape(before.display_name) if before else "?"
    why = t(reason, name=name, actor=escape(actor.display_name) if actor else t("system")) \
        if reason else name
    banner = t("📥 Handed over to you: {why}. You hold this case now.", why=why)
    return await render_card(session, case.id, member, settings, banner=banner, history=False)
