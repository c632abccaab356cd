"""`python -m drill` (`make drill`): every crash and fault drill on SQLite and PostgreSQL, then
one table of expected against found, and what failed in words; the exit status is 1 when
anybody was left unheard (drill.verdict), or anything lost or duplicated.

    python -m drill                      # all of them (about five minutes on two cores)
    python -m drill --only kill --db sqlite --reports 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")

from drill import drills
from drill.verdict import Count
from drill.wecom_drill import wecom_kill_drill
from drill.wecom_faults import wecom_fault_drill
from drill.world import pg_available

DRILLS = ("kill", "pgrestart", "faults", "wecom", "wecom-faults")
HEADER = ("drill", "db", "figure", "expected", "found", "lost", "dup", "")


def table(counts: list[Count], skipped: list[str]) -> str:
    rows = [HEADER]
    for c in counts:
        for r in c.rows:
            rows.append((r.drill, r.database, r.figure, str(r.expected), str(r.found),
                         str(r.lost), str(r.duplicated), r.note))
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER) - 1)]
    lines = ["  ".join(cell.ljust(w) if i < 3 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=False))).rstrip()
             + ("  " + row[-1] if row[-1] else "") for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    for c in counts:
        for note in c.notes:
            if note:
                lines.append(f"{c.drill} / {c.database}: {note}")
    for c in counts:
        if not c.ok:
            lines.append(f"\n{c.drill} / {c.database} FAILED:")
            lines.extend(f"  - {why}" for why in c.failures or ["a figure above is off"])
    lines.extend(f"skipped: {why}" for why in skipped)
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    skipped: list[str] = []
    if "postgresql" in databases and (problem := pg_available()):
        if os.environ.get("GRIDPATROL_REQUIRE_POSTGRES") == "1":
            print(f"PostgreSQL is required but: {problem}", file=sys.stderr)
            return 1
        skipped.append(f"PostgreSQL drills: PostgreSQL not reachable: {problem}")
        databases.remove("postgresql")
    counts: list[Count] = []
    with contextlib.ExitStack() as stack:
        if args.keep:  # the bots' logs and databases stay for a look afterwards
            work = Path(args.keep)
            os.environ["GRIDPATROL_DRILL_KEEP"] = "1"
        else:
            work = Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="gridpatrol-drill-")))
        os.environ["GRIDPATROL_DRILL_LOG_LEVEL"] = args.log_level
        for name in args.only or DRILLS:
            started = time.monotonic()
            if name == "kill":
                for db in databases:
                    counts.append(await drills.kill_drill(db, work, reports=args.reports))
            elif name == "faults":
                for db in databases:
                    counts.append(await drills.fault_drill(db, work,
                                                           reports=max(args.reports * 2 // 5, 5)))
            elif name == "wecom":
                for db in databases:
                    counts.append(await wecom_kill_drill(db, work))
            elif name == "wecom-faults":
                for db in databases:
                    counts.append(await wecom_fault_drill(db, work))
            elif name == "pgrestart":
                if "postgresql" not in databases:
                    skipped.append("PostgreSQL restart: no PostgreSQL")
                    continue
                result = await drills.pg_restart_drill(work, reports=max(args.reports * 2 // 5, 5))
                if isinstance(result, str):
                    skipped.append(f"PostgreSQL restart: {result}")
                else:
                    counts.append(result)
            print(f"drill {name}: {time.monotonic() - started:.0f} s", file=sys.stderr,
                  flush=True)
    print(table(counts, skipped))
    bad = [f"{c.drill} / {c.database}" for c in counts if not c.ok]
    if bad:
        print(f"\nFAILED: somebody was left unheard, or something lost or duplicated, in "
              f"{', '.join(bad)}")
        return 1
    print("\nevery drill: every alert reached someone responsible, every reporter heard, "
          "no notice left uncertain or failed, every press answered; nothing lost, nothing "
          "duplicated")
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m drill", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=DRILLS,
                        help="run only this drill (repeatable)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--reports", type=int, default=50,
                        help="reports in the SIGKILL drill (half as many in the others)")
    parser.add_argument("--keep", metavar="DIR",
                        help="work in DIR and keep the bots' logs and databases (on PostgreSQL "
                             "too) for a look afterwards")
    parser.add_argument("--log-level", default="WARNING",
                        help="the bots' logging level (their logs are DIR/<drill>.log)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR, format="%(name)s: %(message)s")
    logging.getLogger("gridpatrol.sandbox").setLevel(logging.CRITICAL)  # refusals are expected
    sys.exit(asyncio.run(main(parse())))
