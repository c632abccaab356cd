"""`gridpatrol ledger export`: the ledger (台账) as the same .xlsx `/ledger` sends, for an
office's own files or a scheduled copy; up to Excel's row limit, not the bot's."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.db import CliError, check_database
from bot.runtime import with_sessions
from models import utcnow
from models.db import SessionFactory
from services.grid import cell_by_code
from services.i18n import SUPPORTED, counted, translator
from services.ledger import (
    EXCEL_MAX_ROWS,
    Ledger,
    LedgerMode,
    build_workbook,
    file_name,
    load_ledger,
)
from services.settings import Settings


def cmd_ledger_export(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)
    tz = ZoneInfo(settings.locale.timezone)
    mode = LedgerMode.ALL if args.all else LedgerMode.OPEN

    async def work(sessions: SessionFactory) -> Ledger:
        async with sessions() as session:
            scope = await cell_by_code(session, args.cell) if args.cell else None
            if args.cell and scope is None:
                raise CliError(f"ledger: no grid cell with code {args.cell!r}")
            return await load_ledger(session, scope, utcnow(), tz, mode, EXCEL_MAX_ROWS)

    ledger = with_sessions(settings, work)
    t = translator(args.lang or settings.locale.default)
    data = build_workbook(ledger, t, settings)
    out: Path = args.output or Path(file_name(ledger, t, tz))
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise CliError(f"ledger: cannot write {out}: {exc.strerror or exc}") from None
    which = "all" if mode is LedgerMode.ALL else "open only"
    print(f"wrote {out}: ledger of {ledger.scope_name or 'the whole grid'}, "
          f"{counted(len(ledger.rows), 'case', 'cases')} ({which}), {ledger.totals.overdue} "
          "overdue")
    if ledger.truncated:
        print(f"note: only the oldest {counted(len(ledger.rows), 'case', 'cases')} fit in one "
              "sheet")
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """`gridpatrol ledger export [--cell CODE] [--all] [--lang LANG] [-o FILE]`."""
    ledger = add("ledger", cmd_ledger_export, "the ledger (台账) as a spreadsheet")
    sub = ledger.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)
    export = sub.add_parser(
        "export", help="write the .xlsx ledger of a cell and everything under it")
    export.add_argument("--cell", help="the grid cell code (default: the whole grid)")
    export.add_argument("--all", action="store_true",
                        help="every case, struck off (销号) ones too (default: open cases)")
    export.add_argument("--lang", choices=SUPPORTED,
                        help="language of the headers (default: locale.default)")
    export.add_argument("-o", "--output", type=Path,
                        help="the file to write (default: 台账-<cell>-<date>.xlsx here)")
    export.set_defaults(handler=cmd_ledger_export)
