"""Every kind of notice as a frozen dataclass: its payload typed, versioned, stored as the JSON
of the dataclass and read back into it (`dump`, `load`), and the rule for an uncertain send
beside it (`UNCERTAIN`, see services/notices/rules.py).

A row written before payloads carried a version (no "v") is version 1: the fields as they were
then, which are the fields below. A kind that changes its fields raises its VERSION and reads
the older versions in `upgrade`.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from services.notices.rules import DEFAULT, Uncertain

VERSION_KEY = "v"
N = TypeVar("N", bound="Notice")


@dataclass(frozen=True, kw_only=True)
class Notice:
    """What every notice carries besides its own fields: where a redirected copy came from
    (the row it stands in for), and whether it is a repeat after an uncertain send (and why)."""

    KIND: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
    UNCERTAIN: ClassVar[Uncertain] = DEFAULT

    redirected_from: int | None = None
    maybe_duplicate: bool = False
    uncertain: str | None = None

    @classmethod
    def upgrade(cls, version: int, fields: dict[str, Any]) -> dict[str, Any]:
        """The fields of an older version of this kind, as this version has them."""
        return fields


@dataclass(frozen=True)
class CaseNotice(Notice):
    """A notice about one case: dropped when the case is gone."""

    case_id: int


# --- the case's alerts and the reporter's loop (services/cases: intake, workflow) -------------

@dataclass(frozen=True)
class CaseNew(CaseNotice):
    """The manager's alert; `rerouted` (with why) when the case was rerouted to their cell."""

    KIND = "case_new"
    rerouted: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class CaseDispatched(CaseNotice):
    KIND = "case_dispatched"


@dataclass(frozen=True)
class FixClaimed(CaseNotice):
    """A fix was claimed: the after-photo, and how far from the place it was taken."""

    event_id: int | None = None
    after_photo_id: int | None = None
    distance_m: float | None = None
    far: bool = False


@dataclass(frozen=True)
class CaseCheck(FixClaimed):
    KIND = "case_check"


@dataclass(frozen=True)
class CaseRectified(FixClaimed):
    KIND = "case_rectified"


@dataclass(frozen=True)
class CaseSentBack(CaseNotice):
    KIND = "case_sent_back"
    reason: str | None = None


@dataclass(frozen=True)
class CaseReopened(CaseNotice):
    """Reopened by a manager (why), or raised by the reporter's "not fixed" (their note)."""

    KIND = "case_reopened"
    reason: str | None = None
    by_reporter: bool = False


@dataclass(frozen=True)
class CaseAccepted(CaseNotice):
    KIND = "case_accepted"


@dataclass(frozen=True)
class CaseClosed(CaseNotice):
    KIND = "case_closed"


@dataclass(frozen=True)
class CaseRejected(CaseNotice):
    KIND = "case_rejected"
    reason: str | None = None


@dataclass(frozen=True)
class CaseMerged(CaseNotice):
    KIND = "case_merged"
    into_id: int | None = None


@dataclass(frozen=True)
class Stakeholder(CaseNotice):
    """What became of a case, told to someone with a stake in it (services/notices/
    stakeholders.py): the event, who made it, where the case went, and why."""

    event: str
    by: int | None = None
    cell_id: int | None = None
    into_id: int | None = None
    reason: str | None = None
    stage: str | None = None


@dataclass(frozen=True)
class CaseNews(Stakeholder):
    KIND = "case_news"


@dataclass(frozen=True)
class ReportNews(Stakeholder):
    KIND = "report_news"


@dataclass(frozen=True)
class GroupCase(CaseNotice):
    """The case card in a bound group; `tag` says why it was posted ("rerouted", ...)."""

    KIND = "group_case"
    cell_id: int | None = None
    tag: str | None = None


# --- deadlines (services/deadlines: sweep, supervision, extensions) ----------------------------

@dataclass(frozen=True)
class Reminder(CaseNotice):
    KIND = "reminder"
    stage: str | None = None
    n: int = 0


@dataclass(frozen=True)
class Escalated(CaseNotice):
    KIND = "escalated"
    stage: str | None = None
    from_cell: int = 0
    to_cell: int = 0
    level: int = 0


@dataclass(frozen=True)
class HandedDown(CaseNotice):
    KIND = "handed_down"
    by: int | None = None


@dataclass(frozen=True)
class OrderNotice(Notice):
    KIND = "supervision_order"
    order_id: int
    level: int = 0
    step: str = ""  # "": the order itself; "answered", "returned", "accepted": news of it
    answer_id: int | None = None


@dataclass(frozen=True)
class BulletinNotice(Notice):
    """A supervision bulletin (督查通报) issued to a cell it names: to acknowledge."""

    KIND = "bulletin"
    bulletin_id: int


@dataclass(frozen=True)
class ExtensionRequested(Notice):
    KIND = "extension_requested"
    request_id: int


@dataclass(frozen=True)
class ExtensionDecided(Notice):
    KIND = "extension_decided"
    request_id: int


# --- digests (services/digests) ---------------------------------------------------------------

@dataclass(frozen=True)
class DigestPart(Notice):
    """One message of a digest: the digest's figures (services.digests.Digest.to_payload) and
    which of the `parts` messages it is. Taken as sent when uncertain: a digest twice is noise,
    a missed one is replaced by tomorrow's."""

    UNCERTAIN = Uncertain.ASSUME
    digest: dict[str, Any]
    part: int = 0
    parts: int = 1


@dataclass(frozen=True)
class DigestNotice(DigestPart):
    """A member's (or a bound group's) daily digest."""

    KIND = "digest"


@dataclass(frozen=True)
class SummaryNotice(DigestPart):
    """A member's period summary."""

    KIND = "summary"


# --- cards already posted (services/notices/card_refresh.py) ----------------------------------

@dataclass(frozen=True)
class CardRefresh(CaseNotice):
    """The edit of a posted card (the row `card_row`) as its reader should see the case now;
    done again when uncertain, an edit twice changes nothing."""

    KIND = "card_refresh"
    UNCERTAIN = Uncertain.REDO
    card_row: int = 0


@dataclass(frozen=True)
class GroupCard(CardRefresh):
    """The group-only edit of earlier versions, still drawn."""

    KIND = "group_card"


@dataclass(frozen=True)
class ReplyCard(CaseNotice):
    """A card sent as a direct reply (a flow's last card, /case), recorded as sent so later
    moves edit it; the outbox never sends one."""

    KIND = "case_card"
    UNCERTAIN = Uncertain.ASSUME


# --- members and groups -----------------------------------------------------------------------

@dataclass(frozen=True)
class CaseHandedOver(CaseNotice):
    """A case handed to its new holder: from whom, by whom, and why ("deactivated", ...)."""

    KIND = "case_handed_over"
    from_member_id: int = 0
    actor_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class MemberDeactivated(Notice):
    """A member told their access ended, and the numbers of the cases that went elsewhere."""

    KIND = "member_deactivated"
    member_id: int
    actor_id: int | None = None
    cases: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupUnbound(Notice):
    KIND = "group_unbound"
    binding_id: int
    reason: str | None = None


@dataclass(frozen=True)
class DraftExpired(Notice):
    """An unfinished report dropped after `hours` without changes."""

    KIND = "draft_expired"
    photos: int = 0
    hours: int | None = None


@dataclass(frozen=True)
class CampaignDue(Notice):
    """A campaign's date is `days` away: the reader's cells still hold these open cases."""

    KIND = "campaign_due"
    campaign_id: int
    days: int
    cases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PatrolEnded(Notice):
    """The sweep ended the reader's patrol after a silence: its figures and verdict."""

    KIND = "patrol_ended"
    patrol_id: int


@dataclass(frozen=True)
class PatrolDue(Notice):
    """A water source of the reader's cells has had no counting patrol in its rule's period
    (of `days` days from `start`, an ISO date): its last day, or just `passed`."""

    KIND = "patrol_due"
    source_id: int
    start: str
    days: int
    passed: bool = False


KINDS: dict[str, type[Notice]] = {cls.KIND: cls for cls in (
    CaseNew, CaseDispatched, CaseCheck, CaseRectified, CaseSentBack, CaseReopened, CaseAccepted,
    CaseClosed, CaseRejected, CaseMerged, CaseNews, ReportNews, GroupCase,
    Reminder, Escalated, HandedDown, OrderNotice, BulletinNotice, ExtensionRequested,
    ExtensionDecided,
    DigestNotice, SummaryNotice, CardRefresh, GroupCard, ReplyCard,
    CaseHandedOver, MemberDeactivated, GroupUnbound, DraftExpired, CampaignDue, PatrolEnded,
    PatrolDue,
)}


_NAMES: dict[type[Notice], tuple[str, ...]] = {}


def dump(notice: Notice) -> dict[str, Any]:
    """The payload stored for a notice: its fields and its version. Field by field, not with
    `dataclasses.asdict`, which copies every value deeply and cost a deadline day's sweep a
    third of its time; only a dict or a list is copied (a payload must not share it)."""
    names = _NAMES.get(type(notice))
    if names is None:
        names = _NAMES[type(notice)] = tuple(f.name for f in dataclasses.fields(notice))
    fields = {}
    for name in names:
        value = getattr(notice, name)
        fields[name] = copy.deepcopy(value) if isinstance(value, dict | list) else value
    for name in ("redirected_from", "uncertain"):  # as rows had them: only when set
        if fields[name] is None:
            del fields[name]
    if not fields["maybe_duplicate"]:
        del fields["maybe_duplicate"]
    return {VERSION_KEY: notice.VERSION, **fields}


def load_as(cls: type[N], payload: dict[str, Any] | None, case_id: int | None = None) -> N:
    """A stored payload read back into its kind; a payload without a version is version 1.
    Keys the kind does not know (a field dropped since) are left out; a case notice whose
    payload has no case id is about `case_id` (its row's)."""
    data = dict(payload or {})
    version = int(data.pop(VERSION_KEY, 1))
    if version != cls.VERSION:
        data = cls.upgrade(version, data)
    known = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                              for k, v in data.items() if k in known}
    if "case_id" in known and values.get("case_id") is None and case_id is not None:
        values["case_id"] = case_id
    return cls(**values)


def load(kind: str, payload: dict[str, Any] | None, case_id: int | None = None) -> Notice:
    """The notice a row of this kind holds (KeyError for a kind nobody knows)."""
    return load_as(KINDS[kind], payload, case_id)


# What becomes of an uncertain send of each kind (README.md's table "When a send is uncertain").
RULES: dict[str, Uncertain] = {name: cls.UNCERTAIN for name, cls in KINDS.items()}


def rule_for(kind: str) -> Uncertain:
    """The rule for an uncertain send of this kind of notice (a kind of no rule: DEFAULT)."""
    return RULES.get(kind, DEFAULT)


def as_repeat(payload: dict[str, Any] | None, reason: str) -> dict[str, Any]:
    """A stored payload of any kind marked as a repeat after an uncertain send (`reason`: how
    the first send ended); only the fields every notice has are touched."""
    return {**(payload or {}), "maybe_duplicate": True, "uncertain": reason}


def envelope(payload: dict[str, Any] | None) -> Notice:
    """The fields every notice has, read from a payload of any kind."""
    return load_as(Notice, payload)
