"""`/campaign [NAME]`: the campaigns (专项行动) and their progress in the member's part of the
grid, in any channel; with a name, the progress sheet as an .xlsx as well (built in a thread
after the session closed)."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from handlers.chat import Answer, Attachment, Inbound, Reply
from handlers.deps import Deps
from handlers.keepers import keeper
from handlers.route import Route
from handlers.words import escape
from models import utcnow
from services.campaigns import (
    all_campaigns,
    build_progress_sheet,
    campaign_by_name,
    load_progress,
    progress_lines,
    sheet_name,
)
from services.i18n import N_
from services.ledger import LEDGER_ROLES

COMMANDS: tuple[tuple[str, str], ...] = (
    ("campaign", N_("Campaigns (专项行动) and their progress; with a name, the progress sheet")),
)
COMMAND_ROLES = {"campaign": LEDGER_ROLES}
NOT_STAFF = N_("Campaigns are followed by grid managers, leaders and supervisors. Send /mine to "
               "follow the cases you reported.")
NO_CELL = N_("You have no grid cell, so there are no campaigns to show you.")


async def on_campaign(inbound: Inbound, deps: Deps) -> Answer:
    tz = ZoneInfo(deps.settings.locale.timezone)
    now = utcnow()
    name = " ".join(inbound.args).strip()
    async with deps.sessions() as session:
        asker = await keeper(session, inbound, deps, not_staff=NOT_STAFF, no_cell=NO_CELL)
        if isinstance(asker, Answer):
            return asker
        t, scope = asker.t, asker.scope
        if not name:
            found = [await load_progress(session, c, now, tz, scope)
                     for c in await all_campaigns(session)]
            progress = None
        else:
            campaign = await campaign_by_name(session, name)
            if campaign is None:
                return Answer([Reply(t("There is no campaign called “{name}”. Send /campaign "
                                       "for the list.", name=escape(name)))])
            progress = await load_progress(session, campaign, now, tz, scope)
    if progress is None:
        if not found:
            return Answer([Reply(t("There are no campaigns yet."))])
        lines = [escape(line) for p in found for line in progress_lines(p, t)[:1]]
        return Answer([Reply("\n".join([t("Campaigns:"), *lines,
                                        t("Send /campaign NAME for one with its sheet.")]))])
    data = await asyncio.to_thread(build_progress_sheet, progress, t, deps.settings)
    text = "\n".join(escape(line) for line in progress_lines(progress, t))
    return Answer([Reply(text, file=Attachment(data, sheet_name(progress, t)))])


ROUTES = (Route(on_campaign, command="campaign"),)
