"""`gridpatrol problems import FILE [--campaign NAME]` and `gridpatrol campaign create | list |
show`: problem lists (交办清单, self-inspection) brought in as cases, and the campaigns
(专项行动) they are worked in, with the progress sheet provinces ask for."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.db import CliError, check_database
from bot.runtime import with_sessions
from models import CaseSource, utcnow
from models.db import SessionFactory
from services.campaigns import (
    Progress,
    all_campaigns,
    build_progress_sheet,
    campaign_by_name,
    create_campaign,
    load_progress,
    progress_lines,
    sheet_name,
)
from services.grid import cell_by_code, source_by_code
from services.i18n import SUPPORTED, translator
from services.problems import (
    ImportReport,
    ListUnreadable,
    ProblemListRefused,
    import_problems,
    read_list,
)
from services.settings import Settings


def cmd_problems_import(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)
    path = Path(args.file)
    try:
        rows = read_list(path)
    except ListUnreadable as exc:
        raise CliError(f"{path}: refused, nothing was written: {exc}") from None

    async def work(sessions: SessionFactory) -> ImportReport:
        async with sessions() as session:
            report = await import_problems(session, rows, settings, utcnow(),
                                           campaign=args.campaign, source_file=path.name)
            await session.commit()
        return report

    try:
        report = with_sessions(settings, work)
    except ProblemListRefused as exc:
        print(f"{path}: refused, nothing was written: {len(exc.problems)} of {len(rows)} "
              "rows cannot be imported:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def cmd_campaign_create(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)

    async def work(sessions: SessionFactory) -> str:
        async with sessions() as session:
            if await campaign_by_name(session, args.name) is not None:
                raise CliError(f"campaign {args.name!r} exists already")
            cell = await cell_by_code(session, args.cell) if args.cell else None
            if args.cell and cell is None:
                raise CliError(f"campaign: no grid cell with code {args.cell!r}")
            source = await source_by_code(session, args.source) if args.source else None
            if args.source and source is None:
                raise CliError(f"campaign: no water source with code {args.source!r}")
            await create_campaign(session, args.name, args.due, origin=args.origin,
                                  water_source_id=source.id if source else None,
                                  cell_id=cell.id if cell else None)
            await session.commit()
        return f"campaign {args.name!r} created, due {args.due.isoformat()}"

    print(with_sessions(settings, work))
    return 0


def cmd_campaign_list(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)
    tz = ZoneInfo(settings.locale.timezone)
    t = translator(args.lang or settings.locale.default)

    async def work(sessions: SessionFactory) -> list[Progress]:
        async with sessions() as session:
            return [await load_progress(session, c, utcnow(), tz)
                    for c in await all_campaigns(session)]

    found = with_sessions(settings, work)
    if not found:
        print("no campaigns yet (gridpatrol campaign create NAME --due DATE, or "
              "gridpatrol problems import FILE --campaign NAME)")
    for progress in found:
        print(progress_lines(progress, t)[0])
    return 0


def cmd_campaign_show(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)
    tz = ZoneInfo(settings.locale.timezone)
    t = translator(args.lang or settings.locale.default)

    async def work(sessions: SessionFactory) -> Progress:
        async with sessions() as session:
            campaign = await campaign_by_name(session, args.name)
            if campaign is None:
                raise CliError(f"no campaign named {args.name!r} (gridpatrol campaign list)")
            return await load_progress(session, campaign, utcnow(), tz)

    progress = with_sessions(settings, work)
    print("\n".join(progress_lines(progress, t)))
    if args.sheet is not None:
        out: Path = args.sheet if str(args.sheet) != "-" else Path(sheet_name(progress, t))
        try:
            out.write_bytes(build_progress_sheet(progress, t, settings))
        except OSError as exc:
            raise CliError(f"campaign: cannot write {out}: {exc.strerror or exc}") from None
        print(f"wrote {out}: the progress sheet, {len(progress.rows)} rows")
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """`problems import` and `campaign create | list | show`."""
    problems = add("problems", cmd_problems_import, "problem lists (交办清单, 自查)")
    sub = problems.add_subparsers(dest="problems_command", metavar="ACTION", required=True)
    load = sub.add_parser("import", help="import a problem list (.xlsx or .csv) as cases; "
                          "idempotent; refused whole when any row is wrong")
    load.add_argument("file", help="the .xlsx or .csv file")
    load.add_argument("--campaign", help="the campaign of rows that name none (made when new)")
    load.set_defaults(handler=cmd_problems_import)

    campaign = add("campaign", cmd_campaign_list, "campaigns (专项行动, 整改任务)")
    csub = campaign.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)
    create = csub.add_parser("create", help="a campaign with a date; with selectors, every "
                             "case they match is in it too")
    create.add_argument("name")
    create.add_argument("--due", type=_day, required=True, help="its date, e.g. 2026-11-30")
    create.add_argument("--origin", choices=[s.value for s in CaseSource],
                        help="cases of this origin (assigned, self, public)")
    create.add_argument("--source", help="cases at this water source (its code)")
    create.add_argument("--cell", help="cases of this grid cell and below (its code)")
    create.set_defaults(handler=cmd_campaign_create)
    listing = csub.add_parser("list", help="every campaign with its figures")
    listing.add_argument("--lang", choices=SUPPORTED)
    listing.set_defaults(handler=cmd_campaign_list)
    show = csub.add_parser("show", help="a campaign's progress; --sheet writes the .xlsx")
    show.add_argument("name")
    show.add_argument("--lang", choices=SUPPORTED)
    show.add_argument("--sheet", type=Path, nargs="?", const=Path("-"),
                      help="write the progress sheet (default name: 进展-<campaign>-<date>.xlsx)")
    show.set_defaults(handler=cmd_campaign_show)
