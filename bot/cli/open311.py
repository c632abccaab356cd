"""`gridpatrol open311 key create NAME | list | revoke NAME`: the keys of the client systems
that post Open311 requests (a key is printed once and kept only as its sha256); and
`gridpatrol feed geojson|csv [--cell CODE] [--since DATE] [--until DATE] [-o FILE]`: cases as
open data, with the privacy of the Open311 API (bot.open311, services.open311)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.db import CliError, check_database
from bot.open311 import day_or_time
from bot.runtime import with_sessions
from models import Open311Key, utcnow
from models.db import SessionFactory
from services.grid import cell_by_code
from services.open311 import (
    FeedScope,
    KeyNameTaken,
    Open311Error,
    create_key,
    feed_cases,
    feed_rows,
    list_keys,
    revoke_key,
    to_csv,
    to_geojson,
)
from services.settings import Settings


def cmd_key_create(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)

    async def work(sessions: SessionFactory) -> str:
        async with sessions() as session:
            try:
                _row, key = await create_key(session, args.name, utcnow())
            except KeyNameTaken:
                raise CliError(f"open311: a key named {args.name!r} exists already "
                               "(revoked keys keep their names)") from None
            except ValueError as exc:
                raise CliError(f"open311: {exc}") from None
            await session.commit()
        return key

    key = with_sessions(settings, work)
    print(f"api_key for {args.name.strip()} (shown this once; only its hash is kept):")
    print(key)
    return 0


def cmd_key_list(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)

    async def work(sessions: SessionFactory) -> list[Open311Key]:
        async with sessions() as session:
            return await list_keys(session)

    keys = with_sessions(settings, work)
    if not keys:
        print("no Open311 keys (make one with: gridpatrol open311 key create NAME)")
    tz = ZoneInfo(settings.locale.timezone)
    for key in keys:
        state = (f"revoked {key.revoked_at.astimezone(tz):%Y-%m-%d %H:%M}"
                 if key.revoked_at else "active")
        print(f"{key.name}\tcreated {key.created_at.astimezone(tz):%Y-%m-%d %H:%M}\t{state}")
    return 0


def cmd_key_revoke(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)

    async def work(sessions: SessionFactory) -> bool:
        async with sessions() as session:
            done = await revoke_key(session, args.name, utcnow())
            await session.commit()
        return done

    if not with_sessions(settings, work):
        raise CliError(f"open311: no active key named {args.name!r}")
    print(f"revoked the key of {args.name}")
    return 0


def default_base(settings: Settings) -> str:
    """Where media_url points from a file: the configured server, when it is on."""
    api = settings.open311
    return f"http://{api.listen}:{api.port}" if api.enabled else ""


def cmd_feed(settings: Settings, args: argparse.Namespace) -> int:
    check_database(settings)
    tz = ZoneInfo(settings.locale.timezone)
    try:
        since = day_or_time(args.since or "", "--since", tz)
        until = day_or_time(args.until or "", "--until", tz)
    except Open311Error as exc:
        raise CliError(f"feed: {exc.description}") from None
    base = default_base(settings) if args.base_url is None else args.base_url.rstrip("/")

    async def work(sessions: SessionFactory) -> str:
        async with sessions() as session:
            cell = await cell_by_code(session, args.cell) if args.cell else None
            if args.cell and cell is None:
                raise CliError(f"feed: no grid cell with code {args.cell!r}")
            cases, places, sources = await feed_cases(session, FeedScope(cell, since, until))
        rows = feed_rows(cases, places, sources, settings, base)
        if args.format == "csv":
            return to_csv(rows)
        return json.dumps(to_geojson(rows), ensure_ascii=False, indent=1) + "\n"

    text = with_sessions(settings, work)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_bytes(text.encode("utf-8-sig" if args.format == "csv" else "utf-8"))
    except OSError as exc:
        raise CliError(f"feed: cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    open311 = add("open311", cmd_key_list, "Open311: the keys of the client systems that post")
    sub = open311.add_subparsers(dest="open311_command", metavar="ACTION", required=True)
    key = sub.add_parser("key", help="create, list or revoke a client system's api_key")
    key_sub = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    create = key_sub.add_parser("create", help="a new key for NAME, printed once")
    create.add_argument("name", help="the client system, e.g. 12345热线")
    create.set_defaults(handler=cmd_key_create)
    key_sub.add_parser("list", help="the keys, active and revoked").set_defaults(
        handler=cmd_key_list)
    revoke = key_sub.add_parser("revoke", help="stop accepting NAME's key")
    revoke.add_argument("name")
    revoke.set_defaults(handler=cmd_key_revoke)

    feed = add("feed", cmd_feed, "cases as GeoJSON or CSV, with the Open311 privacy rules")
    feed.add_argument("format", choices=("geojson", "csv"))
    feed.add_argument("--cell", help="a grid cell code: it and everything under it")
    feed.add_argument("--since", help="filed on or after this date (2026-12-01) or time")
    feed.add_argument("--until", help="filed before this date or time")
    feed.add_argument("-o", "--output", type=Path, help="write here (default: stdout)")
    feed.add_argument("--base-url", help="where media_url points (default: the configured "
                      "open311 server)")
