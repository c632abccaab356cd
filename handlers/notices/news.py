"""Renderers of what a stakeholder hears when a case moves (services/notices/stakeholders.py):
the owner that the check passed or that it was struck off, a former holder where the case went,
and the reporter, in plain words, that it was dispatched or escalated. Names are staff's; a
reporter is never named."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.deadlines import stage_name
from handlers.notices.render import notice_translator
from handlers.words import escape
from models import Case, GridCell, Member, Outbox
from services.i18n import N_, Translator
from services.notices.card import Card
from services.notices.kinds import CaseNews, ReportNews, Stakeholder
from services.settings import Settings

NEWS = {
    "checked": N_("✅ Case {number}: the fix was checked and accepted by {who}. It can now be "
                  "struck off (销号)."),
    "closed": N_("🏁 Case {number} was struck off (销号) by {who}. Thank you for the work."),
    "rejected": N_("Case {number} was rejected by {who}: {reason}. Nothing more is needed from "
                   "you."),
    "taken_over": N_("↪️ Case {number} was taken over by {who} of {cell}. It is no longer "
                     "yours to handle."),
    "rerouted": N_("↪️ Case {number} was rerouted by {who} to {cell}: {reason}. It is no "
                   "longer yours to handle."),
    "merged": N_("🔗 Case {number} repeats case {target}: {who} merged it there, and the work "
                 "carries on in {target}."),
    "escalated": N_("🚨 Case {number} missed its {stage} deadline and went up to {cell}, which "
                    "holds it now."),
    "raised": N_("🔁 Case {number} was reopened: the reporter says it is not fixed. It went up "
                 "to {cell}."),
}
REPORT = {
    "dispatched": N_("📌 Your report {number} was handed to {cell} to deal with. You will hear "
                     "when it is fixed."),
    "escalated": N_("⏫ Your report {number} was not dealt with in time, so it went up to "
                    "{cell}, which now follows it."),
}


async def _values(session: AsyncSession, notice: Stakeholder, case: Case, t: Translator,
                  settings: Settings) -> dict[str, str]:
    by = await session.get(Member, notice.by) if notice.by else None
    cell = await session.get(GridCell, notice.cell_id) if notice.cell_id else None
    target = await session.get(Case, notice.into_id) if notice.into_id else None
    return {
        "number": escape(case.number),
        "who": escape(by.display_name) if by is not None else t("system"),
        "cell": escape(cell.name) if cell is not None else "?",
        "target": escape(target.number) if target is not None else "?",
        "reason": escape(notice.reason or ""),
        "stage": stage_name(notice.stage, t),
    }


async def _render(session: AsyncSession, notice: Stakeholder, member: Member | None,
                  settings: Settings, texts: dict[str, str]) -> Card | None:
    case = await session.get(Case, notice.case_id)
    text = texts.get(notice.event)
    if case is None or text is None:
        return None
    t = notice_translator(member, settings)
    values = await _values(session, notice, case, t, settings)
    return Card(t(text, **{k: v for k, v in values.items() if "{" + k + "}" in text}))


async def render_news(
    session: AsyncSession, notice: CaseNews, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    """What became of a case the reader owns or held."""
    return await _render(session, notice, member, settings, NEWS)


async def render_report_news(
    session: AsyncSession, notice: ReportNews, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    """The reporter hears, in plain words, who deals with their report now."""
    return await _render(session, notice, member, settings, REPORT)
