"""Which renderer draws which kind of notice: the one table, built here from the renderer
functions (nothing registers itself on import), handed to the sender by the wiring in
bot/telegram/app.py. Every kind of services/notices/kinds.py has its renderer (a test holds
it), but a reply card, which the outbox never sends."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.notices import bulletins as bulletin_notices
from handlers.notices import cases as case_notices
from handlers.notices import deadlines as deadline_notices
from handlers.notices import groups as group_notices
from handlers.notices import members as admin_notices
from handlers.notices import news as case_news
from handlers.notices import orders as order_notices
from handlers.notices.campaigns import render_campaign_due
from handlers.notices.drafts import render_draft_expired
from handlers.notices.patrols import render_patrol_due, render_patrol_ended
from handlers.notices.refresh import refresher
from services.notices import kinds as k
from services.notices.card import Render, Renderers

DRAWN: dict[type[k.Notice], Render] = {
    k.CaseNew: case_notices.render_case_new,
    k.CaseDispatched: case_notices.render_dispatched,
    k.CaseCheck: case_notices.render_check,
    k.CaseRectified: case_notices.render_rectified,
    k.CaseSentBack: case_notices.render_sent_back,
    k.CaseReopened: case_notices.render_reopened,
    k.CaseAccepted: case_notices.render_accepted,
    k.CaseClosed: case_notices.render_closed,
    k.CaseRejected: case_notices.render_rejected,
    k.CaseMerged: case_notices.render_merged,
    k.CaseNews: case_news.render_news,
    k.ReportNews: case_news.render_report_news,
    k.GroupCase: group_notices.render_group_case,
    k.GroupUnbound: group_notices.render_unbound,
    k.Reminder: deadline_notices.render_reminder,
    k.Escalated: deadline_notices.render_escalated,
    k.HandedDown: deadline_notices.render_handed_down,
    k.OrderNotice: order_notices.render_order,
    k.BulletinNotice: bulletin_notices.render_bulletin,
    k.ExtensionRequested: deadline_notices.render_extension_requested,
    k.ExtensionDecided: deadline_notices.render_extension_decided,
    k.DigestNotice: deadline_notices.render_digest,
    k.SummaryNotice: deadline_notices.render_digest,
    k.CaseHandedOver: admin_notices.render_handed_over,
    k.MemberDeactivated: admin_notices.render_deactivated,
    k.DraftExpired: render_draft_expired,
    k.CampaignDue: render_campaign_due,
    k.PatrolEnded: render_patrol_ended,
    k.PatrolDue: render_patrol_due,
}
UNSENT = frozenset({k.ReplyCard})  # recorded as sent by the handler that sent it


def with_edits(drawn: Mapping[type[k.Notice], Render]) -> Renderers:
    """`drawn` and the edits of posted cards, which redraw a card with the same table (a test
    adds its own kinds to `drawn` this way)."""
    table: dict[type[k.Notice], Render] = dict(drawn)
    table[k.CardRefresh] = table[k.GroupCard] = refresher(table)
    return table


RENDERERS: Renderers = with_edits(DRAWN)
