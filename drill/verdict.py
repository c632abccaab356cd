"""The drill's verdict counts what people feel: every case's alert reached someone responsible
(its manager, or the stand-in a refused notice was rerouted to), every reporter heard their case
accepted, no notice left uncertain or failed without a reroute, and no press unanswered while
the bot was up with no fault injected on that chat. A marked repeat ("🔁 重发") is no copy."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from drill.facts import Facts, Notice, Said, Silence

ALERT = re.compile(r"Case ([A-Z]+-\d{4}-\d+)")
ACCEPTED = re.compile(r"Your report ([A-Z]+-\d{4}-\d+) was accepted")
# Kinds that legitimately send many rows to one chat about one case: card edits, reply cards,
# digests and summaries.
MANY_PER_CHAT = frozenset({"card_refresh", "group_card", "case_card", "digest", "summary"})
UNSETTLED = ("pending", "sending", "uncertain")
SHOWN = 5  # failures of one sort spelled out; the rest counted


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
    """The figures of one drill run, and what failed, in words."""

    drill: str
    database: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, figure: str, expected: int, found: int, *, lost: int | None = None,
            duplicated: int = 0, note: str = "") -> Row:
        lost = max(expected - found, 0) if lost is None else lost
        row = Row(self.drill, self.database, figure, expected, found, lost, duplicated, note)
        self.rows.append(row)
        return row

    def fail(self, why: list[str]) -> None:
        self.failures.extend(why[:SHOWN])
        if len(why) > SHOWN:
            self.failures.append(f"… and {len(why) - SHOWN} more like these")

    @property
    def ok(self) -> bool:
        return not self.failures and all(row.ok for row in self.rows)


def _repeats(facts: Facts) -> set[tuple[int, int]]:
    """(chat, message id) of every message sent as a possible second copy."""
    marked = {(s.chat, s.message_id) for s in facts.said if s.marked_repeat}
    marked |= {(n.chat, m) for n in facts.notices if n.maybe_duplicate for m in n.message_ids}
    return marked


def mentions(said: list[Said], chats: set[int], pattern: re.Pattern[str],
             repeats: set[tuple[int, int]]) -> Counter[tuple[int, str]]:
    """(chat, case number) of the bot's messages in `chats` matching `pattern`, repeats left
    out."""
    found: Counter[tuple[int, str]] = Counter()
    for s in said:
        if s.chat in chats and (s.chat, s.message_id) not in repeats:
            for number in set(pattern.findall(s.text)):
                found[(s.chat, number)] += 1
    return found


def _shown(facts: Facts, chat: int, number: str, repeats: set[tuple[int, int]]) -> str:
    """Each message of the chat that names the case: its id and first line as sent, and the
    notice rows that recorded it, for whoever looks into a duplicate."""
    shown = []
    for s in facts.said:
        if s.chat == chat and number in s.text:
            first = (s.sent if s.sent is not None else s.text).lstrip().split("\n", 1)[0]
            rows = [n.id for n in facts.notices
                    if n.chat == chat and s.message_id in n.message_ids]
            repeat = " (repeat)" if (chat, s.message_id) in repeats else ""
            shown.append(f"message {s.message_id}{repeat} {first[:40]!r} rows {rows}")
    return "; ".join(shown)


def judge(drill: str, database: str, facts: Facts) -> Count:
    result = Count(drill, database)
    numbers = facts.cases
    repeats = _repeats(facts)
    result.add("cases", facts.reports, len(numbers),
               duplicated=max(len(numbers) - facts.reports, 0))
    result.add("photos", len(numbers), sum(min(facts.photos[c], 1) for c in numbers),
               duplicated=sum(n - 1 for n in facts.photos.values() if n > 1))
    _alerts(result, facts, repeats)
    _accepted(result, facts, repeats)
    _rows(result, facts)
    _silences(result, facts)
    if facts.gave_up:
        result.add("scripted people who gave up", 0, len(facts.gave_up), lost=len(facts.gave_up))
        result.fail([f"a scripted person gave up: {why}" for why in facts.gave_up])
    return result


def _alerts(result: Count, facts: Facts, repeats: set[tuple[int, int]]) -> None:
    """Each case's alert reached someone responsible once (a reroute counts as reaching)."""
    responsible = {m for m in facts.managers if m not in facts.blocked} | set(facts.watchers)
    heard = mentions(facts.said, responsible, ALERT, repeats)
    reached = mentions(facts.said, responsible, ALERT, set())  # a repeat may be the only copy
    rerouted = {n.case_id for n in facts.notices if n.kind == "case_new"
                and n.rerouted_from is not None and n.state == "sent"}
    lost: list[str] = []
    for cid, number in sorted(facts.cases.items()):
        if cid not in rerouted and not any(reached[(chat, number)] for chat in responsible):
            rows = [f"{n.state} to {n.chat}" for n in facts.notices
                    if n.case_id == cid and n.kind == "case_new"]
            lost.append(f"the alert of case {number} reached nobody responsible (its alert "
                        f"rows: {', '.join(rows) or 'none'})")
    copies = sum(n - 1 for n in heard.values() if n > 1)
    result.add("alerts reached someone responsible", len(facts.cases),
               len(facts.cases) - len(lost), duplicated=copies,
               note=f"marked repeats (not copies): {len(repeats)}" if repeats else "")
    result.fail(lost)
    if copies:
        result.fail([f"{n} copies of the alert of case {number} in chat {chat}, not marked as "
                     f"a repeat: {_shown(facts, chat, number, repeats)}"
                     for (chat, number), n in sorted(heard.items()) if n > 1])
    reported = sum(1 for c in facts.cases if facts.events[(c, "reported")])
    accepted = sum(1 for c in facts.cases if facts.events[(c, "accepted")])
    events = Counter(kind for (_c, kind) in facts.events.elements())
    result.add("events", 2 * len(facts.cases), reported + accepted,
               duplicated=sum(n - 1 for (_c, kind), n in facts.events.items()
                              if kind in ("reported", "accepted") and n > 1),
               note=", ".join(f"{k}: {n}" for k, n in sorted(events.items())))
    result.fail([f"case {number} was never accepted: its manager never saw it"
                 for cid, number in sorted(facts.cases.items())
                 if not facts.events[(cid, "accepted")]])


def _accepted(result: Count, facts: Facts, repeats: set[tuple[int, int]]) -> None:
    """Every reporter of an accepted case was told so, once."""
    heard: Counter[str] = Counter()  # plain copies: more than one is a duplicate
    reached: Counter[str] = Counter()  # a marked repeat counts too: it may be the only copy
    for counter, left_out in ((heard, repeats), (reached, set[tuple[int, int]]())):
        for (_chat, number), n in mentions(facts.said, set(facts.reporters), ACCEPTED,
                                           left_out).items():
            counter[number] += n
    accepted = {cid: number for cid, number in facts.cases.items()
                if facts.events[(cid, "accepted")]}
    missing = sorted(number for number in accepted.values() if not reached[number])
    copies = sum(heard[number] - 1 for number in accepted.values() if heard[number] > 1)
    result.add("'accepted' reached the reporter", len(accepted), len(accepted) - len(missing),
               duplicated=copies)
    result.fail([f"the reporter of case {number} was never told it was accepted"
                 for number in missing])


def _rows(result: Count, facts: Facts) -> None:
    """No notice left unsettled; a failed one only with a reroute; one row per case, kind and
    chat (but for kinds that send many)."""
    notices = facts.notices
    states = Counter(n.state for n in notices)
    keys = Counter((n.case_id, n.kind, n.chat) for n in notices
                   if n.kind not in MANY_PER_CHAT and not n.maybe_duplicate)
    result.add("notice rows", len(keys), len(keys),
               duplicated=sum(n - 1 for n in keys.values() if n > 1),
               note=", ".join(f"{k}: {n}" for k, n in sorted(states.items())))
    left = [n for n in notices if n.state in UNSETTLED]
    result.add("notices left unsettled", 0, len(left), lost=len(left),
               note=", ".join(f"{k}: {states[k]}" for k in UNSETTLED if states[k]))
    result.fail([f"notice {n.id} ({_about(n, facts)}) was left {n.state} at the end" +
                 (": it may never have arrived" if n.state == "uncertain" else "")
                 for n in left])
    # a failed notice is made good by a reroute, or when the same notice of its case reached
    # someone else (the cell's other manager had it already: no second copy for them)
    stood_in = {n.rerouted_from for n in notices if n.rerouted_from is not None}
    held = {(n.case_id, n.kind, n.chat) for n in notices if n.state == "sent" and n.case_id}
    failed = [n for n in notices if n.state == "failed"]
    rerouted = [n for n in failed if n.id in stood_in]
    elsewhere = [n for n in failed if n.id not in stood_in and any(
        (n.case_id, n.kind) == (c, k) and chat != n.chat for c, k, chat in held)]
    alone = [n for n in failed if n not in rerouted and n not in elsewhere]
    result.add("failed notices not rerouted", 0, len(alone), lost=len(alone),
               note=f"failed: {len(failed)}, rerouted to a stand-in: {len(rerouted)}, the same "
               f"notice already with someone else: {len(elsewhere)}"
               + (f"; members marked inactive: {len(facts.inactive)}" if facts.blocked else ""))
    result.fail([f"notice {n.id} ({_about(n, facts)}) failed ({n.last_error or 'no error'}) "
                 "and was rerouted to nobody" for n in alone])


def _about(notice: Notice, facts: Facts) -> str:
    case = facts.cases.get(notice.case_id or 0)
    return f"{notice.kind}{f' of case {case}' if case else ''} to chat {notice.chat}"


def cause(silence: Silence, facts: Facts) -> str:
    """Why a person went unanswered: a fault on their chat, an outage, a late answer, or
    nothing to explain it ("unexplained")."""
    if silence.fault:
        return "a fault injected on that chat"
    outage = next((o for o in facts.outages if o.overlaps(silence.start, silence.end)), None)
    if outage is not None:
        return outage.what
    if silence.answered_late:
        return "answered late"
    return "unexplained"


def _silences(result: Count, facts: Facts) -> None:
    """A press unanswered with the bot up and no fault on that chat fails the drill; an
    unanswered message is told (its late answer cannot be told from the next one's)."""
    causes = Counter((s.press, cause(s, facts)) for s in facts.silences)
    unexplained = [s for s in facts.silences if s.press and cause(s, facts) == "unexplained"]
    note = "; ".join(f"{'presses' if press else 'messages'} - {why}: {n}"
                     for (press, why), n in sorted(causes.items()))
    result.add("presses unanswered, unexplained", 0, len(unexplained), lost=len(unexplained),
               note=note)
    result.fail([f"chat {s.chat}: {s.what} went unanswered with the bot up and no fault "
                 f"injected on that chat ({s.end - s.start:.1f} s)" for s in unexplained])
    quiet = causes[(False, "unexplained")]
    if quiet:
        result.notes.append(f"{quiet} message(s) went unanswered in time with the bot up and no "
                            "fault on that chat (answered late, or not at all)")
    if facts.started_over:
        result.notes.append(f"'Continue' showed nothing {facts.started_over} time(s), so the "
                            "person started over (why it was silent: the row above)")
