"""What a drill leaves behind, as plain data: the database's cases and notices, the bot's
messages in each chat, when the bot or the database was down, and every time a scripted person
got no answer. drill.ledger gathers it; drill.verdict judges it (and tests hand-make it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.i18n import translator
from services.notices.rules import REPEAT_LINE

# The first line of a notice the outbox sent again after an uncertain send (it may be a copy),
# in every language the drill's people read (its managers read English: a mark looked for in
# Chinese alone took a marked repeat whose message id was never recorded for a copy).
REPEAT_MARKS = frozenset(translator(language)(REPEAT_LINE) for language in ("zh_CN", "en"))


@dataclass(frozen=True)
class Notice:
    """One outbox row as the drill ended."""

    id: int
    case_id: int | None
    kind: str
    chat: int
    state: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    message_ids: tuple[int, ...] = ()
    last_error: str = ""

    @property
    def rerouted_from(self) -> int | None:
        """The row this one stands in for (a notice refused by its first reader)."""
        value = self.payload.get("redirected_from")
        return int(value) if value is not None else None

    @property
    def maybe_duplicate(self) -> bool:
        return bool(self.payload.get("maybe_duplicate"))


@dataclass(frozen=True)
class Said:
    """One message of the bot in a chat: its latest text, and what it said when it was sent (a
    repeat pressed unrecorded is redrawn as the current card, without its 重发 line)."""

    chat: int
    message_id: int
    text: str
    sent: str | None = None  # the text as sent, when it was edited since

    @property
    def marked_repeat(self) -> bool:
        first = self.sent if self.sent is not None else self.text
        return first.lstrip().split("\n", 1)[0].strip() in REPEAT_MARKS


@dataclass
class Outage:
    """A stretch when people could not be answered: `end` None while it lasts."""

    what: str  # "the bot was down" (SIGKILL until it polled again), "PostgreSQL restarted"
    start: float
    end: float | None = None

    def overlaps(self, start: float, end: float) -> bool:
        return self.start <= end and (self.end is None or self.end >= start)

    def within(self, start: float, end: float) -> float:
        """How many of the seconds from `start` to `end` it lasted."""
        return max(0.0, min(end, self.end if self.end is not None else end)
                   - max(start, self.start))


@dataclass(frozen=True)
class Silence:
    """A person acted and waited for an answer that did not come in time."""

    chat: int
    what: str  # "press '▶️ Continue'", "text '/report'"
    start: float
    end: float
    press: bool = False
    fault: bool = False  # the drill injected a fault on this chat meanwhile
    query: str | None = None  # the press's callback query
    answered_late: bool = False  # the press was answered after the person gave up waiting


@dataclass
class Facts:
    """Everything the verdict reads about one drill run."""

    reports: int  # reports the scripted people set out to file
    cases: dict[int, str]  # case id: number
    photos: Counter[int] = field(default_factory=Counter)  # photos per case id
    events: Counter[tuple[int, str]] = field(default_factory=Counter)  # (case id, kind)
    notices: list[Notice] = field(default_factory=list)
    said: list[Said] = field(default_factory=list)
    reporters: list[int] = field(default_factory=list)
    managers: list[int] = field(default_factory=list)  # the cell's managers
    blocked: tuple[int, ...] = ()  # managers who blocked the bot
    watchers: tuple[int, ...] = ()  # the level above: responsible once a notice is rerouted
    inactive: list[str] = field(default_factory=list)  # members marked inactive
    outages: list[Outage] = field(default_factory=list)
    silences: list[Silence] = field(default_factory=list)
    gave_up: list[str] = field(default_factory=list)  # scripted people who could not go on
    started_over: int = 0  # 'Continue' showed nothing, so a person started the report over
