"""Renderers of the deadline notices: reminders, escalations, orders, extensions, digests.

Each reloads what it shows, so a notice sent late tells the truth; a notice whose moment has
passed (the case moved on, the request was decided) renders as None and is dropped.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.render import notice_translator
from handlers.words import escape
from models import (
    Case,
    ExtensionRequest,
    ExtensionState,
    GridCell,
    Member,
    Outbox,
)
from services.cases import chased
from services.deadlines import (
    COLOUR_LABELS,
    STAGE_LABELS,
    colour_of,
    contains,
    hand_down_target,
    is_responsible,
    may_hold,
)
from services.digests import Digest, digest_text, split_message
from services.i18n import Translator
from services.notices.card import Button, Buttons, Card
from services.notices.kinds import (
    DigestPart,
    Escalated,
    ExtensionDecided,
    ExtensionRequested,
    HandedDown,
    Reminder,
)
from services.orders import may_issue
from services.settings import Settings

PREFIX = "sv:"
ORDER_PREFIX = "od:"  # handlers.orders


def when(moment: datetime | None, settings: Settings) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(settings.locale.timezone)).strftime("%Y-%m-%d %H:%M")


def stage_name(stage: str | None, t: Translator) -> str:
    return t(STAGE_LABELS.get(stage or "", stage or "-"))


def colour_name(level: int, t: Translator) -> str:
    return t(COLOUR_LABELS[colour_of(level)])


async def _cell_name(session: AsyncSession, cell_id: int) -> str:
    cell = await session.get(GridCell, cell_id)
    return escape(cell.name) if cell else "?"


async def holder_buttons(
    session: AsyncSession, case: Case, t: Translator, member: Member | None, to_cell: int
) -> list[Button]:
    """What the reader may still do with an escalated case: take it over and hand it down while
    their cell holds it (a group's copy: while the cell it was posted to does), and issue an
    order if they may."""
    if not case.is_open:
        return []
    if member is None:
        posted_to = await session.get(GridCell, to_cell)
        here = await session.get(GridCell, case.cell_id)
        holds = posted_to is not None and here is not None and contains(posted_to, here)
        holds_it_already = False
    else:
        holds = await may_hold(session, member, case)
        holds_it_already = case.assignee_id == member.id and member.cell_id == case.cell_id
    row: list[Button] = []
    if holds and not holds_it_already:
        row.append(Button(t("Take over"), f"{PREFIX}tko:{case.id}"))
    if holds and await hand_down_target(session, case) is not None:
        row.append(Button(t("Hand back down"), f"{PREFIX}hdn:{case.id}"))
    if member is not None and await may_issue(session, member, case):
        row.append(order_button(case.id, t))
    return row


def order_button(case_id: int, t: Translator) -> Button:
    """The "issue a supervision order" button for the case card of a supervisor or leader
    (handlers.orders asks the demand and the deadline)."""
    return Button(t("Supervision order"), f"{ORDER_PREFIX}iss:{case_id}")


def extension_button(case_id: int, t: Translator) -> Button:
    return Button(t("Ask for more time"), f"{PREFIX}ext:{case_id}")


async def more_time(
    session: AsyncSession, case: Case, member: Member | None, t: Translator
) -> Buttons:
    """"Ask for more time", for the member responsible for the deadline being chased."""
    if case.due_at is None or not chased(case.state, case.stage) or (
            member is not None and not await is_responsible(session, member, case)):
        return ()
    return ((extension_button(case.id, t),),)


async def render_reminder(
    session: AsyncSession, notice: Reminder, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    case = await session.get(Case, notice.case_id)
    if case is None or not case.is_open or case.stage != notice.stage:
        return None
    t = notice_translator(member, settings)
    text = t("⏰ Reminder: case {number}, the {stage} is due by {due}.",
             number=escape(case.number), stage=stage_name(case.stage, t),
             due=when(case.due_at, settings))
    return Card(text, buttons=await more_time(session, case, member, t))


async def render_escalated(
    session: AsyncSession, notice: Escalated, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    case = await session.get(Case, notice.case_id)
    if case is None:
        return None
    t = notice_translator(member, settings)
    values = {"number": escape(case.number), "stage": stage_name(notice.stage, t),
              "to_cell": await _cell_name(session, notice.to_cell),
              "colour": colour_name(notice.level, t), "due": when(case.due_at, settings)}
    if notice.from_cell == notice.to_cell:  # already at the top of the grid
        text = t("🚨 Case {number} missed its {stage} deadline again at {to_cell}, the top of "
                 "the grid. Level: {colour}. New deadline: {due}.", **values)
    else:
        text = t("🚨 Case {number} missed its {stage} deadline and was raised from {from_cell} "
                 "to {to_cell}. Level: {colour}. New deadline: {due}.",
                 from_cell=await _cell_name(session, notice.from_cell), **values)
    buttons = await holder_buttons(session, case, t, member, notice.to_cell)
    return Card(text, buttons=(tuple(buttons),) if buttons else ())


async def render_handed_down(
    session: AsyncSession, notice: HandedDown, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    case = await session.get(Case, notice.case_id)
    if case is None or not case.is_open:
        return None
    t = notice_translator(member, settings)
    text = t("Case {number} was handed back down to {cell}. New deadline for the {stage}: {due}.",
             number=escape(case.number), cell=await _cell_name(session, case.cell_id),
             stage=stage_name(case.stage, t), due=when(case.due_at, settings))
    return Card(text, buttons=await more_time(session, case, member, t))


async def render_extension_requested(
    session: AsyncSession, notice: ExtensionRequested, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    request = await session.get(ExtensionRequest, notice.request_id)
    if request is None or request.state != ExtensionState.PENDING:
        return None
    case = await session.get(Case, request.case_id)
    requester = await session.get(Member, request.requester_id)
    assert case is not None and requester is not None
    t = notice_translator(member, settings)
    text = t("{who} asks for more time on case {number} ({stage}): from {old} to {new}.\n"
             "Reason: {reason}", who=escape(requester.display_name), number=escape(case.number),
             stage=stage_name(request.stage, t), old=when(request.current_due, settings),
             new=when(request.requested_due, settings), reason=escape(request.reason))
    return Card(text, buttons=((Button(t("Approve"), f"{PREFIX}exy:{request.id}"),
                                Button(t("Refuse"), f"{PREFIX}exn:{request.id}")),))


async def render_extension_decided(
    session: AsyncSession, notice: ExtensionDecided, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    request = await session.get(ExtensionRequest, notice.request_id)
    if request is None:
        return None
    case = await session.get(Case, request.case_id)
    assert case is not None
    t = notice_translator(member, settings)
    if request.state == ExtensionState.APPROVED:
        text = t("More time on case {number} was approved: the new deadline is {due}.",
                 number=escape(case.number), due=when(request.requested_due, settings))
    else:
        text = t("More time on case {number} was refused: the deadline stays {due}.",
                 number=escape(case.number), due=when(request.current_due, settings))
    return Card(text)


async def _render_digest(notice: DigestPart, member: Member | None, settings: Settings
                         ) -> Card | None:
    digest = Digest.from_payload(notice.digest)
    parts = split_message(digest_text(digest, notice_translator(member, settings), settings))
    part = notice.part
    # Parts were counted in the member's language when queued; a language changed since may
    # give a different count, and a part beyond the new count is dropped.
    return Card(parts[part]) if part < len(parts) else None


async def render_digest(
    session: AsyncSession, notice: DigestPart, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    """One message of a digest or summary, in the reader's language."""
    return await _render_digest(notice, member, settings)

