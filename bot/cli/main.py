"""`gridpatrol`: run the bot, upgrade the database, load the grid, invite people.

Mistakes an administrator can make (a bad config, a database that is not there) end in one
line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from bot.cli.audit import add_commands as add_audit_commands
from bot.cli.bulletins import add_commands as add_bulletin_commands
from bot.cli.db import (
    CliError,
    check_database,
    safe_url,
    schema_is_current,
    upgrade_database,
)
from bot.cli.ledger import add_commands as add_ledger_commands
from bot.cli.meetings import add_commands as add_meeting_commands
from bot.cli.members import add_commands as add_member_commands
from bot.cli.open311 import add_commands as add_open311_commands
from bot.cli.orders import add_commands as add_order_commands
from bot.cli.problems import add_commands as add_problem_commands
from bot.cli.schedule import add_commands as add_schedule_commands
from bot.config import ConfigError, load_settings
from bot.outbox.cli import add_commands as add_outbox_commands
from bot.runtime import with_sessions
from models import GridCell
from models.db import SessionFactory
from services.demo import DEMO_GRID
from services.settings import Settings

T = TypeVar("T")

NO_TOKEN_HELP = """\
No Telegram bot token is set, and the local sandbox is not available in this checkout.

To run on Telegram:
  1. Open Telegram, talk to @BotFather, send /newbot and follow the steps.
  2. Copy the token it gives you (it looks like 123456789:AA...).
  3. export GRIDPATROL_TELEGRAM_TOKEN='<the token>'   (or set [telegram] token in config.toml)
  4. make run
"""


EPILOG = """\
commands:
  gridpatrol run [--webhook]          run the bot on Telegram (needs a token) and on WeCom
                                      (when [wecom] is filled; alone without a token)
  gridpatrol sandbox                  run the bot in the local Telegram sandbox
  gridpatrol quickstart               what `make run` does
  gridpatrol db upgrade               create or migrate the database schema
  gridpatrol grid import FILE         load or update the grid from GeoJSON (idempotent)
  gridpatrol grid show [CODE]         print the grid (or one subtree) as a tree
  gridpatrol invite --role ROLE [--cell CODE] [--source CODE] [--expires 7d]
                                      print a single-use invite link
  gridpatrol invite --group --cell CODE [--expires 7d]
                                      a link that binds a group chat to a cell's alerts
  gridpatrol members list             list registered members
  gridpatrol sweep --now              remind, escalate, issue supervision orders for what is due
  gridpatrol digest --now [--member ID]
                                      queue the daily digests (and fortnightly summaries)
  gridpatrol outbox status            notices by state; the uncertain and failed ones
  gridpatrol outbox retry ID          send an uncertain or failed notice again
  gridpatrol ledger export [--cell CODE] [--all] [--lang zh_CN|en] [-o FILE]
                                      write the ledger (台账) of a cell as an .xlsx
  gridpatrol problems import FILE [--campaign NAME]
                                      import a problem list (.xlsx, .csv) as cases
  gridpatrol campaign create NAME --due DATE [--origin O] [--source CODE] [--cell CODE]
  gridpatrol campaign list | show NAME [--sheet [FILE]]
                                      campaigns, their progress and the progress sheet
  gridpatrol meeting [--cell CODE] [--lang LANG] [--dir DIR]
                                      the fortnightly meeting's pack (.docx and .xlsx)
  gridpatrol bulletin list [--year YEAR] | show NUMBER [--docx FILE]
                                      supervision bulletins (督查通报) and their documents
  gridpatrol orders [--year YEAR] [--cell CODE] [--lang zh_CN|en]
                                      supervision orders (督办单) of a year: issued, answered,
                                      accepted, open
  gridpatrol open311 key create NAME | list | revoke NAME
                                      api_keys of the systems that post Open311 requests
  gridpatrol feed geojson|csv [--cell CODE] [--since DATE] [--until DATE] [-o FILE]
                                      cases as GeoJSON (QGIS, 天地图) or CSV
  gridpatrol audit verify [--case N] [--anchors]
                                      walk the case history's hash chains; name the first
                                      event of each case that does not match
  gridpatrol audit export --case N [-o FILE] [--lang zh_CN|en]
                                      a case's whole history with its photos' hashes (.docx)
  gridpatrol audit seal               seal yesterday's daily anchor now (the digest does it)

configuration: --config PATH or $GRIDPATROL_CONFIG (default ./config.toml);
secrets from $GRIDPATROL_TELEGRAM_TOKEN, $GRIDPATROL_DATABASE_URL and $GRIDPATROL_WEBHOOK_SECRET.
"""


async def grid_is_empty(sessions: SessionFactory) -> bool:
    async with sessions() as session:
        return (await session.scalar(sa.select(sa.func.count()).select_from(GridCell))) == 0


# -- commands ---------------------------------------------------------------------------------


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    upgrade_database(settings)
    print(f"database {safe_url(settings.database.url)} is up to date")
    return 0


def import_grid_file(settings: Settings, path: Path) -> list[str]:
    from services.grid import import_grid

    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"{path}: not a readable GeoJSON file: {exc}") from None
    if not isinstance(collection, dict):
        raise CliError(f"{path}: not a GeoJSON FeatureCollection")

    async def work(sessions: SessionFactory) -> list[str]:
        async with sessions() as session:
            report = await import_grid(session, collection)
            await session.commit()
        return report.lines()

    return with_sessions(settings, work)


def cmd_grid_import(settings: Settings, args: argparse.Namespace) -> int:
    from services.grid import GridImportError

    check_database(settings)
    try:
        lines = import_grid_file(settings, Path(args.file))
    except GridImportError as exc:
        print(f"{args.file}: refused, nothing was written:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def cmd_grid_show(settings: Settings, args: argparse.Namespace) -> int:
    from services.grid import grid_tree

    check_database(settings)

    async def work(sessions: SessionFactory) -> list[tuple[int, GridCell]]:
        async with sessions() as session:
            return await grid_tree(session, args.code)

    tree = with_sessions(settings, work)
    if not tree:
        if args.code:
            raise CliError(f"no grid cell with code {args.code!r}")
        print("the grid is empty (load one with: gridpatrol grid import FILE)")
        return 0
    for depth, cell in tree:
        print(f"{'  ' * depth}{cell.code}  {cell.name}  [{cell.level}]")
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.telegram.webhook import BotRefused, run_or_refuse, webhook_problem

    problem = webhook_problem(settings) if args.webhook else None
    if problem:
        raise CliError(problem, 2)
    if not settings.telegram.token and not settings.wecom.enabled:
        raise CliError(
            f"{settings.source}: telegram.token: no bot token; set GRIDPATROL_TELEGRAM_TOKEN, "
            "or fill the [wecom] section (or run `gridpatrol sandbox` to try the bot locally)",
            2,
        )
    if not settings.telegram.token and args.webhook:
        raise CliError("--webhook is Telegram's; WeCom alone takes its callback at "
                       f"{settings.wecom.listen}:{settings.wecom.port}{settings.wecom.path}", 2)
    check_database(settings)
    if not schema_is_current(settings):
        raise CliError("database: the schema is not up to date; run `gridpatrol db upgrade`")
    if not settings.telegram.token:
        run_wecom_alone(settings)
        return 0
    try:
        run_or_refuse(settings, webhook=args.webhook)
    except BotRefused as exc:
        raise CliError(str(exc)) from None
    return 0


def run_polling(settings: Settings) -> None:
    """Start the bot with long polling until SIGTERM or Ctrl-C (PTB owns the event loop)."""
    from bot.telegram.webhook import run_bot

    run_bot(settings, webhook=False)


def run_wecom_alone(settings: Settings) -> None:
    """The WeCom app with no Telegram token: its callback, its sender, its schedule."""
    from bot.wecom.service import run_wecom

    run_wecom(settings)


def sandbox_runner() -> Callable[[Settings], Any] | None:
    """`sandbox.run_sandbox`, or None where the sandbox package is not installed."""
    try:
        module = importlib.import_module("sandbox")
    except ModuleNotFoundError as exc:
        if exc.name != "sandbox":
            raise
        return None
    runner: Callable[[Settings], Any] = module.run_sandbox
    return runner


def cmd_sandbox(settings: Settings, args: argparse.Namespace) -> int:
    runner = sandbox_runner()
    if runner is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 1
    from bot.runtime import setup_logging

    setup_logging(settings.logging)
    result = runner(settings)
    if inspect.isawaitable(result):
        asyncio.run(_await(result))
    return 0


async def _await(result: Awaitable[Any]) -> None:
    await result


def cmd_quickstart(settings: Settings, args: argparse.Namespace) -> int:
    """What `make run` does: migrate, load the demo grid into an empty database, then run."""
    upgrade_database(settings)
    if with_sessions(settings, grid_is_empty) and DEMO_GRID.is_file():
        print(f"empty grid: loading the demo grid ({DEMO_GRID.name}, shipped with gridpatrol)")
        with resources.as_file(DEMO_GRID) as path:
            lines = import_grid_file(settings, path)
        print("\n".join(line for line in lines if line[:1] != " "))
    if settings.telegram.token:
        run_polling(settings)
        return 0
    if settings.wecom.enabled:
        run_wecom_alone(settings)
        return 0
    if sandbox_runner() is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 1
    return cmd_sandbox(settings, args)


# -- the parser -------------------------------------------------------------------------------

Command = Callable[[Settings, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridpatrol",
        description="Grid patrol of drinking-water sources: the Telegram bot and its tools.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="configuration file (default: $GRIDPATROL_CONFIG or ./config.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, handler: Command, help_text: str, **kwargs: Any) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text, **kwargs)
        command.set_defaults(handler=handler)
        return command

    run = add("run", cmd_run, "run the bot on Telegram (long polling, or webhook mode) and WeCom")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="take updates on webhook.listen:port at the path of webhook.url (needs "
        "webhook.secret_token or $GRIDPATROL_WEBHOOK_SECRET)",
    )

    db = add("db", cmd_db_upgrade, "database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="create or migrate the schema to the latest version")

    grid = add("grid", cmd_grid_show, "the four-level grid")
    grid_sub = grid.add_subparsers(dest="grid_command", metavar="ACTION", required=True)
    grid_import = grid_sub.add_parser(
        "import", help="load a GeoJSON FeatureCollection of cells, sources and zones"
    )
    grid_import.add_argument("file", help="the GeoJSON file")
    grid_import.set_defaults(handler=cmd_grid_import)
    grid_show = grid_sub.add_parser("show", help="print the grid as an indented tree")
    grid_show.add_argument("code", nargs="?", help="only the subtree under this cell")
    grid_show.set_defaults(handler=cmd_grid_show)

    add_member_commands(add)

    add("sandbox", cmd_sandbox, "run the bot against the local Telegram sandbox (no token needed)")
    add(
        "quickstart",
        cmd_quickstart,
        "what `make run` does: upgrade the database, load the demo grid if the grid is empty, "
        "then run on Telegram with a token or in the sandbox without one",
    )
    add_schedule_commands(add)
    add_outbox_commands(add)
    add_ledger_commands(add)
    add_problem_commands(add)
    add_meeting_commands(add)
    add_bulletin_commands(add)
    add_order_commands(add)
    add_open311_commands(add)
    add_audit_commands(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        handler: Command = args.handler
        return handler(settings, args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except CliError as exc:
        print(exc, file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `gridpatrol grid show | head`
        sys.stderr.close()
        return 0

