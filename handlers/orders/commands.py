"""/orders [YEAR]: how many supervision orders the year brought in the member's part of the
grid (and the water source they are linked to), and where they stand."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.orders import views
from handlers.people import start_first, tr
from models import GridCell, Role, utcnow
from services.grid import led_sources
from services.members import find_member
from services.orders import order_counts

ORDERS_ROLES = frozenset({Role.MANAGER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN})


async def on_orders(inbound: Inbound, deps: Deps) -> Answer:
    tz = deps.settings.locale.timezone
    year = utcnow().astimezone(ZoneInfo(tz)).year
    if inbound.args and inbound.args[0].isdigit() and 2000 <= int(inbound.args[0]) <= 2100:
        year = int(inbound.args[0])
    async with deps.sessions() as session:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        if member is None:
            return start_first(inbound, deps)
        t = tr(inbound, deps, member)
        if member.role_enum not in ORDERS_ROLES:
            return Answer([Reply(t("Only managers, leaders, supervisors and administrators can "
                                   "see the supervision orders' figures."))])
        scope = await session.get(GridCell, member.cell_id) if member.cell_id else None
        if scope is None and member.role_enum != Role.ADMIN and member.role != Role.SUPERVISOR:
            return Answer([Reply(t("You have no grid cell, so there are no figures for you."))])
        counts = await order_counts(session, year, tz, scope, await led_sources(session, member))
        name = scope.name if scope is not None else t("the whole grid")
    return Answer([Reply(views.counts_text(counts, name, t))])
