"""`gridpatrol bulletin list [--year YEAR]` and `gridpatrol bulletin show NUMBER [--docx FILE]`:
the issued supervision bulletins (督查通报) counted, one of them with its recipients and their
acknowledgements, and its .docx written again as it was issued."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.db import CliError, check_database
from bot.runtime import with_sessions
from models import utcnow
from models.db import SessionFactory
from services.bulletins import (
    DocumentData,
    Issued,
    build_docx,
    by_number,
    document_of,
    issued_in,
    recipients_of,
)
from services.i18n import SUPPORTED, counted, translator
from services.settings import Settings


def cmd_bulletin_list(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)
    tz = ZoneInfo(settings.locale.timezone)
    year = args.year or utcnow().astimezone(tz).year

    async def work(sessions: SessionFactory) -> list[Issued]:
        async with sessions() as session:
            return await issued_in(session, year)

    issued = with_sessions(settings, work)
    done = sum(x.acknowledged for x in issued)
    total = sum(x.recipients for x in issued)
    print(f"{counted(len(issued), 'bulletin', 'bulletins')} issued in {year}; "
          f"acknowledged by {done} of {counted(total, 'recipient', 'recipients')}")
    for x in issued:
        print(f"{x.number}  {x.issued_at.astimezone(tz):%Y-%m-%d %H:%M}  acknowledged "
              f"{x.acknowledged} of {x.recipients}")
    return 0


@dataclass(frozen=True)
class Shown:
    data: DocumentData
    recipients: list[tuple[str, str]]  # (name, when acknowledged or "not yet")


def cmd_bulletin_show(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)
    tz = ZoneInfo(settings.locale.timezone)
    t = translator(args.lang or settings.locale.default)

    async def work(sessions: SessionFactory) -> Shown:
        async with sessions() as session:
            row = await by_number(session, args.number)
            if row is None:
                raise CliError(f"no issued bulletin numbered {args.number!r} "
                               "(gridpatrol bulletin list)")
            data = await document_of(session, row, settings, t)
            people = [(name, f"{r.acknowledged_at.astimezone(tz):%Y-%m-%d %H:%M}"
                       if r.acknowledged_at else "not yet")
                      for r, name in await recipients_of(session, row.id)]
            return Shown(data, people)

    shown = with_sessions(settings, work)
    data = shown.data
    print(f"{data.number}  {data.date}  {data.scope_line}")
    for section in data.sections:
        print(f"  {section.title}")
    print(f"recipients ({len(shown.recipients)}):")
    for name, when in shown.recipients:
        print(f"  {name}: acknowledged {when}")
    if args.docx is not None:
        try:
            args.docx.write_bytes(build_docx(data))
        except OSError as exc:
            raise CliError(f"bulletin: cannot write {args.docx}: {exc.strerror or exc}") from None
        print(f"wrote {args.docx}")
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """`bulletin list [--year YEAR]` and `bulletin show NUMBER [--docx FILE] [--lang LANG]`."""
    bulletin = add("bulletin", cmd_bulletin_list, "supervision bulletins (督查通报)")
    sub = bulletin.add_subparsers(dest="bulletin_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="the bulletins issued in a year, with how many of "
                             "their recipients acknowledged them")
    listing.add_argument("--year", type=int, help="the year (default: this year)")
    listing.set_defaults(handler=cmd_bulletin_list)
    show = sub.add_parser("show", help="one bulletin: its sections and recipients; --docx "
                          "writes its document")
    show.add_argument("number", help="its number, e.g. 2026年第10期")
    show.add_argument("--docx", type=Path, help="write the .docx here")
    show.add_argument("--lang", choices=SUPPORTED,
                      help="language of the document's headings (default: locale.default)")
    show.set_defaults(handler=cmd_bulletin_show)
