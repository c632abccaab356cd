"""`gridpatrol orders [--year YEAR] [--cell CODE] [--lang LANG]`: how many supervision orders
(督办单) a year brought, as /orders shows them: issued, answered, accepted, still open."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.cli.db import CliError, check_database
from bot.runtime import with_sessions
from models import utcnow
from models.db import SessionFactory
from services.grid import cell_by_code
from services.i18n import SUPPORTED, translator
from services.orders import OrderCounts, order_counts
from services.settings import Settings


def cmd_orders(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)
    tz = settings.locale.timezone
    year: int = args.year or utcnow().astimezone(ZoneInfo(tz)).year
    t = translator(args.lang or settings.locale.default)

    async def work(sessions: SessionFactory) -> tuple[OrderCounts, str]:
        async with sessions() as session:
            scope = await cell_by_code(session, args.cell) if args.cell else None
            if args.cell and scope is None:
                raise CliError(f"orders: no grid cell with code {args.cell!r}")
            name = scope.name if scope is not None else t("the whole grid")
            return await order_counts(session, year, tz, scope), name

    counts, name = with_sessions(settings, work)
    print(t("Supervision orders of {year}, {scope}", year=year, scope=name))
    print(t.n("{count} order issued", "{count} orders issued", counts.issued))
    print(t("answered: {count}", count=counts.answered))
    print(t("accepted: {count}", count=counts.accepted))
    print(t("still open: {count}", count=counts.open))
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """`gridpatrol orders [--year YEAR] [--cell CODE] [--lang LANG]`."""
    orders = add("orders", cmd_orders, "supervision orders (督办单) of a year, counted")
    orders.add_argument("--year", type=int, help="the year (default: this year, local time)")
    orders.add_argument("--cell", help="a grid cell code (default: the whole grid)")
    orders.add_argument("--lang", choices=SUPPORTED,
                        help="language of the figures (default: locale.default)")
