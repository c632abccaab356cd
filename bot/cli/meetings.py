"""`gridpatrol meeting [--cell CODE] [--lang LANG] [--dir DIR]`: the fortnightly meeting's pack
(每半月例会) of a part of the grid as a Word file and a workbook."""

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
from services.i18n import SUPPORTED, translator
from services.meetings import (
    MeetingPack,
    build_meeting_docx,
    build_meeting_xlsx,
    figures_line,
    load_meeting,
    pack_name,
    title_of,
)
from services.settings import Settings


def cmd_meeting(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)
    tz = ZoneInfo(settings.locale.timezone)
    t = translator(args.lang or settings.locale.default)

    async def work(sessions: SessionFactory) -> MeetingPack:
        async with sessions() as session:
            scope = await cell_by_code(session, args.cell) if args.cell else None
            if args.cell and scope is None:
                raise CliError(f"meeting: no grid cell with code {args.cell!r}")
            return await load_meeting(session, scope, utcnow(), tz)

    pack = with_sessions(settings, work)
    folder: Path = args.dir
    print(title_of(pack, t))
    print(figures_line(pack, t))
    for extension, build in (("docx", build_meeting_docx), ("xlsx", build_meeting_xlsx)):
        out = folder / pack_name(pack, t, extension)
        try:
            out.write_bytes(build(pack, t, settings))
        except OSError as exc:
            raise CliError(f"meeting: cannot write {out}: {exc.strerror or exc}") from None
        print(f"wrote {out}")
    print(f"{len(pack.late)} red or overdue, {len(pack.campaigns)} campaigns, "
          f"{len(pack.orders)} open orders")
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    meeting = add("meeting", cmd_meeting, "the fortnightly meeting's pack (.docx and .xlsx)")
    meeting.add_argument("--cell", help="a grid cell code (default: the whole grid)")
    meeting.add_argument("--lang", choices=sorted(SUPPORTED), help="default: locale.default")
    meeting.add_argument("--dir", type=Path, default=Path("."), help="where to write (default .)")
