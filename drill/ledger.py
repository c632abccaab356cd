"""Expected against found: what the scripted people did, what the database holds, and what
arrived in the emulator's chats. A figure is lost when fewer arrived than expected and
duplicated when one thing arrived more than once."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from drill.world import DrillEmulator
from models import Case, CaseEvent, Member, Outbox, OutboxState, Photo
from models.db import make_engine, make_session_factory

EXPECTED_EVENTS = ("reported", "accepted")  # per case: what the drill's script causes


@dataclass
class Row:
    drill: str
    database: str
    figure: str
    expected: int
    found: int
    lost: int = 0
    duplicated: int = 0
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0


@dataclass
class Count:
    """The figures of one drill run."""

    drill: str
    database: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: str, expected: int, found: int, *, lost: int | None = None,
            duplicated: int = 0, note: str = "") -> None:
        lost = max(expected - found, 0) if lost is None else lost
        self.rows.append(Row(self.drill, self.database, figure, expected, found, lost,
                             duplicated, note))

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)


def _mentions(emulator: DrillEmulator, chat_id: int, pattern: str) -> Counter[str]:
    """Case numbers in the bot's messages to one chat that match `pattern` (one group)."""
    found: Counter[str] = Counter()
    regex = re.compile(pattern)
    for message in emulator.bot_messages(chat_id):
        text = str(message.get("text") or message.get("caption") or "")
        for number in regex.findall(text):
            found[number] += 1
    return found


async def settled(url: str) -> tuple[int, int, int]:
    """(cases, cases a manager was alerted to but has not accepted, notices still to send)."""
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as s:
            cases = await s.scalar(sa.select(sa.func.count()).select_from(Case)) or 0
            alerted = sa.exists().where(Outbox.case_id == Case.id, Outbox.kind == "case_new",
                                        Outbox.state == OutboxState.SENT)
            waiting = await s.scalar(sa.select(sa.func.count()).select_from(Case).where(
                Case.state == "submitted", alerted)) or 0
            queued = await s.scalar(sa.select(sa.func.count()).select_from(Outbox).where(
                Outbox.state.in_([OutboxState.PENDING, OutboxState.SENDING]))) or 0
    finally:
        await engine.dispose()
    return int(cases), int(waiting), int(queued)


async def count(drill: str, database: str, url: str, emulator: DrillEmulator, *,
                reports: int, reporters: list[int], managers: list[int],
                blocked: tuple[int, ...] = (), watchers: tuple[int, ...] = ()) -> Count:
    """Compare `reports` scripted reports (one photo each, each accepted once) with the
    database and the chats. `blocked` managers blocked the bot; `watchers` should hear
    nothing unless a notice was rerouted to them."""
    result = Count(drill, database)
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as s:
            cases: list[Any] = list((await s.execute(sa.select(Case.id, Case.number))).all())
            photos = Counter(cid for (cid,) in (await s.execute(
                sa.select(Photo.case_id).where(Photo.case_id.is_not(None)))).all())
            events = Counter((cid, kind) for cid, kind in (await s.execute(
                sa.select(CaseEvent.case_id, CaseEvent.kind))).all())
            outbox = list((await s.execute(sa.select(
                Outbox.case_id, Outbox.kind, Outbox.chat_id, Outbox.state, Outbox.last_error,
                Outbox.result))).all())
            inactive = [uid for (uid,) in (await s.execute(sa.select(Member.platform_user_id)
                        .where(Member.active.is_(False)))).all()]
    finally:
        await engine.dispose()

    numbers = {cid: number for cid, number in cases}
    result.add("cases", reports, len(cases), duplicated=max(len(cases) - reports, 0))
    result.add("photos", reports, sum(min(n, 1) for n in photos.values()),
               duplicated=sum(n - 1 for n in photos.values() if n > 1))
    # a case whose alert never went out (uncertain) cannot be accepted: not expected then
    alerted = {row.case_id for row in outbox
               if row.kind == "case_new" and row.state == OutboxState.SENT}
    expected_events = len(cases) + len(alerted)
    found_events = sum(1 for cid in numbers if events[(cid, "reported")]) + sum(
        1 for cid in alerted if events[(cid, "accepted")])
    result.add("events", expected_events, found_events,
               duplicated=sum(n - 1 for (cid, kind), n in events.items()
                              if kind in EXPECTED_EVENTS and n > 1),
               note=", ".join(f"{k}: {n}" for k, n in sorted(Counter(
                   kind for (_c, kind) in events.elements()).items())))

    # notices: one alert per case to each manager who can hear, one "accepted" to the reporter
    states = Counter(str(row.state) for row in outbox)
    keys = Counter((row.case_id, row.kind, row.chat_id) for row in outbox)
    result.add("notice rows", len(keys), len(keys),
               duplicated=sum(n - 1 for n in keys.values() if n > 1),
               note=", ".join(f"{k}: {n}" for k, n in sorted(states.items()))
               + " (a second row per case and chat is a reroute to someone who had it)")
    rows_per_alert = Counter((int(row.chat_id), numbers.get(row.case_id or 0, ""))
                             for row in outbox if row.kind == "case_new"
                             and row.state in (OutboxState.SENT, OutboxState.UNCERTAIN))
    uncertain = {(row.case_id, row.chat_id) for row in outbox
                 if row.state == OutboxState.UNCERTAIN}
    uncertain_accepted = {(row.case_id, "*") for row in outbox
                          if row.state == OutboxState.UNCERTAIN and row.kind == "case_accepted"}
    failed = [row for row in outbox if row.state == OutboxState.FAILED]
    alerts: Counter[tuple[int, str]] = Counter()
    for manager in managers:
        for number, n in _mentions(emulator, manager, r"Case ([A-Z]+-\d{4}-\d+)").items():
            alerts[(manager, number)] += n
    accepted: Counter[str] = Counter()
    for reporter in reporters:
        accepted.update(_mentions(emulator, reporter,
                                  r"Your report ([A-Z]+-\d{4}-\d+) was accepted"))
    hearing = [m for m in managers if m not in blocked]
    _delivery(result, "alerts delivered", numbers, hearing, alerts, uncertain)
    second = sum(max(rows_per_alert[key] - 1, 0) for key in rows_per_alert
                 if key[0] in hearing)
    if second:
        result.rows[-1].note = (f"{second} second copies: the blocker's alert rerouted to a "
                                "manager of the cell who had it already")
    accepted_cases = {cid: n for cid, n in numbers.items() if events[(cid, "accepted")]}
    if len(accepted_cases) < len(numbers):
        result.notes.append(f"{len(numbers) - len(accepted_cases)} case(s) never accepted: "
                            "their alert never arrived (see uncertain notices)")
    _delivery(result, "'accepted' delivered", accepted_cases, [0], Counter(
        {(0, n): c for n, c in accepted.items()}), uncertain_accepted)
    if blocked:
        to_blocked = [row for row in outbox if int(row.chat_id) in blocked]
        heard_above: Counter[str] = Counter()
        for watcher in watchers:
            heard_above.update(_mentions(emulator, watcher, r"([A-Z]+-\d{4}-\d+)"))
        rerouted = sum(n for (_c, kind), n in events.items() if kind == "notice_redirected")
        refused = sum(1 for r in to_blocked if r.state == OutboxState.FAILED)
        result.add("alerts to a blocker", len(to_blocked), len(to_blocked), lost=0,
                   note=f"refused (403): {refused}, rerouted: {rerouted}, failed and not "
                   f"rerouted: {max(refused - rerouted, 0)}; heard by the level above: "
                   f"{len(heard_above)}; members marked inactive: {len(inactive)}")
    uncertain_arrived = sum(1 for cid, chat in uncertain
                            if _arrived(cid, chat, numbers, alerts, accepted))
    result.add("uncertain notices", 0, len(uncertain), lost=0,
               note=f"arrived anyway: {uncertain_arrived}, never arrived: "
               f"{len(uncertain) - uncertain_arrived}")
    unexplained = [row for row in failed if int(row.chat_id) not in blocked]
    if unexplained:
        result.notes.append("failed notices: " + "; ".join(
            f"{row.kind} to {row.chat_id}: {row.last_error}" for row in unexplained[:5]))
    result.add("failed notices (not to a blocker)", 0, len(unexplained))
    result.rows[-1].lost = len(unexplained)
    return result


def _arrived(case_id: int, chat: str, numbers: dict[int, str],
             alerts: Counter[tuple[int, str]], accepted: Counter[str]) -> bool:
    number = numbers.get(case_id, "")
    return alerts[(int(chat), number)] > 0 or accepted[number] > 0


def _delivery(result: Count, figure: str, numbers: dict[int, str], chats: list[int],
              arrived: Counter[tuple[int, str]], uncertain: set[tuple[int, str]]) -> None:
    """Each case's notice in each chat exactly once; one that timed out (uncertain) and never
    arrived is counted under "uncertain", not as lost."""
    expected = len(numbers) * len(chats)
    found = lost = duplicated = excused = 0
    for cid, number in numbers.items():
        for chat in chats:
            n = arrived[(chat, number)]
            found += min(n, 1)
            duplicated += max(n - 1, 0)
            if n == 0:
                if (cid, str(chat)) in uncertain or (cid, "*") in uncertain:  # "*": any chat
                    excused += 1
                else:
                    lost += 1
    result.add(figure, expected, found, lost=lost, duplicated=duplicated,
               note=f"missing but uncertain: {excused}" if excused else "")
