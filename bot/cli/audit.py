"""`gridpatrol audit verify [--case N] [--anchors]`, `audit export --case N [-o FILE]` and
`audit seal`: walk the case history's hash chains and name the first event that does not
match; write a case's history with its photos' hashes as a .docx for an inspector; seal
yesterday's daily anchor now (the digest job does it every morning)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bot.cli.db import CliError, check_database
from bot.runtime import with_sessions
from models import utcnow
from models.db import SessionFactory
from services.audit import (
    AnchorBreak,
    Export,
    Verdict,
    export_case,
    seal_day,
    verify_anchors,
    verify_chain,
)
from services.cases import find_case_id
from services.i18n import SUPPORTED
from services.settings import Settings


async def _case_id(sessions: SessionFactory, ref: str) -> int:
    async with sessions() as session:
        found = await find_case_id(session, ref)
    if found is None:
        raise CliError(f"audit: no case {ref!r}")
    return found


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)

    async def work(sessions: SessionFactory) -> tuple[Verdict, list[AnchorBreak]]:
        case_id = await _case_id(sessions, args.case) if args.case else None
        async with sessions() as session:
            verdict = await verify_chain(session, case_id)
            anchors = await verify_anchors(session) if args.anchors else []
            return verdict, anchors

    verdict, anchors = with_sessions(settings, work)
    if verdict.clean and not anchors:
        print(f"the chain verifies: {verdict.cases} cases, {verdict.events} events"
              + (", every daily anchor" if args.anchors else ""))
        return 0
    for found in verdict.breaks:
        print(found.line(), file=sys.stderr)
    for broken in anchors:
        print(broken.line(), file=sys.stderr)
    first = verdict.breaks[0] if verdict.breaks else None
    print(f"the chain does not verify: {len(verdict.breaks)} of {verdict.cases} cases broken"
          + (f", first at event {first.event_id}" if first else "")
          + (f", {len(anchors)} daily anchors do not match" if anchors else ""))
    return 1


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)

    async def work(sessions: SessionFactory) -> Export | None:
        case_id = await _case_id(sessions, args.case)
        async with sessions() as session:
            return await export_case(session, settings, case_id,
                                     language=args.lang or settings.locale.default, now=utcnow())

    export = with_sessions(settings, work)
    if export is None:
        raise CliError(f"audit: no case {args.case!r}")
    out = Path(args.output or f"{export.number}-history.docx")
    try:
        out.write_bytes(export.docx)
    except OSError as exc:
        raise CliError(f"audit: cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}: {export.events} events, "
          + ("the chain verifies" if export.clean else "the chain does NOT verify"))
    return 0


def cmd_seal(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)

    async def work(sessions: SessionFactory) -> str:
        async with sessions() as session:
            anchor = await seal_day(session, settings.locale.timezone, utcnow())
            await session.commit()
            if anchor is None:
                return "no events before today: nothing to seal"
            return f"anchor of {anchor.day.isoformat()}: {anchor.hash} ({anchor.cases} cases)"

    print(with_sessions(settings, work))
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """`gridpatrol audit verify | export | seal`."""
    audit = add("audit", cmd_verify, "the tamper-evident case history")
    commands = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = commands.add_parser("verify", help="walk the hash chains")
    verify.set_defaults(handler=cmd_verify)
    verify.add_argument("--case", help="one case (number or id)")
    verify.add_argument("--anchors", action="store_true",
                        help="recompute every daily anchor too (reads the log once per anchor)")
    export = commands.add_parser("export", help="a case's history as a .docx")
    export.set_defaults(handler=cmd_export)
    export.add_argument("--case", required=True, help="the case (number or id)")
    export.add_argument("-o", "--output", help="the file (default NUMBER-history.docx)")
    export.add_argument("--lang", choices=sorted(SUPPORTED), help="default: locale.default")
    seal = commands.add_parser("seal", help="seal yesterday's daily anchor now")
    seal.set_defaults(handler=cmd_seal)
