"""`gridpatrol invite` and `gridpatrol members list`: single-use invite links (a role in a
cell, or a group chat bound to a cell) and the table of who is registered."""

from __future__ import annotations

import argparse
import asyncio
import sys
import unicodedata
from collections.abc import Callable
from datetime import timedelta

from bot.cli.db import CliError, check_database
from bot.config import parse_duration
from bot.runtime import with_sessions
from models import SupervisionKind
from models.db import SessionFactory
from services.settings import Settings

PLACEHOLDER_BOT = "<your_bot>"
KINDS = tuple(kind.value for kind in SupervisionKind)


def parse_expiry(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def invite_link(username: str, code: str, for_group: bool) -> str:
    return f"https://t.me/{username}?{'startgroup' if for_group else 'start'}={code}"


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from services.members import InviteSpecError, create_invite, parse_kind

    check_database(settings)
    kind = parse_kind(args.kind) if args.kind else None
    if args.kind and kind is None:
        raise CliError(f"invite: unknown kind of supervision {args.kind!r}; one of "
                       f"{', '.join(KINDS)} (or 专业, 两办, 纪检, 社会, 媒体)")
    if args.group and not args.cell:
        raise CliError("invite: a group invite needs the cell the group will serve (--cell CODE)")
    if not args.group and not args.role:
        raise CliError("invite: --role is required (or --group with --cell)")
    # A group invite gives no one a role: it binds the group to the cell.
    role = args.role or "volunteer"

    async def work(sessions: SessionFactory) -> tuple[str, str]:
        async with sessions() as session:
            try:
                invite = await create_invite(
                    session, role, args.cell, args.source, args.expires, args.group, kind=kind
                )
            except InviteSpecError as exc:
                raise CliError(f"invite: {exc}") from None
            await session.commit()
        return invite.code, invite.expires_at.strftime("%Y-%m-%d %H:%M UTC")

    from bot.telegram.webhook import bot_username  # loads PTB: only for this command

    code, expires = with_sessions(settings, work)
    username = asyncio.run(bot_username(settings))
    print(invite_link(username or PLACEHOLDER_BOT, code, args.group))
    where = ", ".join(
        f"{label} {value}"
        for label, value in (("cell", args.cell), ("source", args.source),
                             ("kind", kind.value if kind else None))
        if value
    )
    if args.group:
        print(f"group chat for cell {args.cell}: add the bot to the group, then send there "
              f"/bind {code} (or open the link); single use; expires {expires}")
    else:
        print(f"role {role}{', ' + where if where else ''}; single use; expires {expires}")
    if username is None:
        print(
            f"note: {PLACEHOLDER_BOT} stands for your bot's username: set telegram.bot_username "
            "in the config (or a token, to ask Telegram)",
            file=sys.stderr,
        )
    return 0


def text_width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cmd_members_list(settings: Settings, args: argparse.Namespace) -> int:
    from services.members import list_members

    check_database(settings)

    async def work(sessions: SessionFactory) -> list[tuple[str, ...]]:
        async with sessions() as session:
            rows = await list_members(session)
        return [
            (
                str(m.id),
                m.platform,
                m.platform_user_id,
                m.display_name,
                f"{m.role} ({m.supervision_kind})" if m.supervision_kind else m.role,
                cell.code if cell else "-",
                m.language,
                "deactivated" if m.deactivated_at else "active" if m.active else "inactive",
            )
            for m, cell in rows
        ]

    rows = with_sessions(settings, work)
    if not rows:
        print("no members yet")
        return 0
    header = ("id", "platform", "user id", "name", "role", "cell", "language", "state")
    table = [header, *rows]
    widths = [max(text_width(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        cells = (v + " " * (w - text_width(v)) for v, w in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """`gridpatrol invite --role ROLE --cell CODE | --group --cell CODE` and `members list`."""
    invite = add("invite", cmd_invite, "create a single-use invite link giving a role in a cell")
    invite.add_argument(
        "--role",
        choices=["volunteer", "patroller", "manager", "leader", "supervisor", "admin"],
        help="the role it gives (not for --group, which binds a group chat to --cell)",
    )
    invite.add_argument("--cell", help="the grid cell code the role is for (a supervisor "
                        "without one sees the whole grid)")
    invite.add_argument("--kind", help=f"a supervisor's kind of supervision: {', '.join(KINDS)} "
                        "(or 专业, 两办, 纪检, 社会, 媒体)")
    invite.add_argument("--source", help="a water source code (a leader becomes its linked leader)")
    invite.add_argument(
        "--expires",
        type=parse_expiry,
        default=timedelta(days=7),
        help="how long the link works, e.g. 30m, 12h, 7d (default 7d)",
    )
    invite.add_argument(
        "--group",
        action="store_true",
        help="a group invite: the group it is sent in (/bind CODE) gets the alerts of --cell",
    )

    members = add("members", cmd_members_list, "registered members")
    members_sub = members.add_subparsers(dest="members_command", metavar="ACTION", required=True)
    members_sub.add_parser("list", help="every member with role, cell and language")
