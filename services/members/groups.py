"""Group chats bound to grid cells: binding by a group invite, unbinding, following a group
that became a supergroup, and the copies of alerts a bound group gets.

A group only ever sees what its cell's staff would see, rendered without any reporter's name
when the report was anonymous; every press on a group card is checked against the presser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    GridCell,
    GroupBinding,
    Invite,
    Member,
    Outbox,
    OutboxState,
    Role,
    utcnow,
)
from services.grid import cell_chain, nearest_managers
from services.members.rights import manages
from services.notices.kinds import CaseNew, GroupCase, GroupUnbound, Notice
from services.notices.queue import Target, queue
from services.settings import GroupAlerts, Settings

PLATFORM = "telegram"
ALERT_KIND = GroupCase.KIND  # the case card posted in a group, with a manager's buttons
UNBOUND_KIND = GroupUnbound.KIND  # the cell's managers hear privately that their group is gone


class BindProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    NOT_GROUP = "not_group"  # a personal invite sent in a group
    CELL_TAKEN = "cell_taken"  # the cell already has another group
    CHAT_TAKEN = "chat_taken"  # this group already serves another cell
    NOT_BOUND = "not_bound"
    NOT_ALLOWED = "not_allowed"  # /unbind by someone who is not a manager of the cell
    NOT_MANAGER = "not_manager"  # /bind by someone who is not a manager of the invite's cell


class BindError(Exception):
    def __init__(self, problem: BindProblem, cell: GridCell | None = None) -> None:
        super().__init__(f"group binding refused: {problem.value}")
        self.problem = problem
        self.cell = cell


class UnbindReason(StrEnum):
    COMMAND = "unbind"  # /unbind by a manager
    REMOVED = "removed"  # the bot was removed from the group
    FORBIDDEN = "forbidden"  # Telegram refused a post (403)


@dataclass(frozen=True)
class Bound:
    binding: GroupBinding
    cell: GridCell
    already: bool = False  # the group already served this cell


def mode_of(binding: GroupBinding, settings: Settings) -> GroupAlerts:
    return GroupAlerts(binding.mode) if binding.mode else settings.groups.alerts


async def binding_for_chat(
    session: AsyncSession, chat_id: str | int, *, active_only: bool = True
) -> GroupBinding | None:
    query = select(GroupBinding).where(GroupBinding.chat_id == str(chat_id))
    if active_only:
        query = query.where(GroupBinding.active.is_(True))
    found: GroupBinding | None = await session.scalar(query)
    return found


async def bindings_for_cells(session: AsyncSession, cell_ids: list[int]) -> list[GroupBinding]:
    """The active groups of these cells, in the order of `cell_ids`."""
    if not cell_ids:
        return []
    rows = await session.scalars(
        select(GroupBinding).where(
            GroupBinding.cell_id.in_(cell_ids), GroupBinding.active.is_(True)
        )
    )
    by_cell = {b.cell_id: b for b in rows}
    return [by_cell[c] for c in cell_ids if c in by_cell]


async def bind_group(
    session: AsyncSession,
    code: str,
    *,
    chat_id: str | int,
    title: str,
    by: Member | None,
    now: datetime | None = None,
) -> Bound:
    """Redeem a group invite in the group `chat_id`: the group now serves the invite's cell.
    Only a manager of that cell (or above) or an admin may; anyone else leaves the code unused.

    The caller commits (or rolls back on a BindError raised after a write).
    """
    moment = now or utcnow()
    invite = await session.scalar(select(Invite).where(Invite.code == code.strip()))
    if invite is None or invite.cell_id is None:
        raise BindError(BindProblem.UNKNOWN)
    cell = await session.get(GridCell, invite.cell_id)
    if cell is None:
        raise BindError(BindProblem.UNKNOWN)
    if not invite.for_group:
        raise BindError(BindProblem.NOT_GROUP)
    current = await binding_for_chat(session, chat_id)
    if current is not None and current.cell_id == cell.id:
        return Bound(current, cell, already=True)
    if invite.used_at is not None or invite.used_by_id is not None:
        raise BindError(BindProblem.USED)
    if invite.expires_at <= moment:
        raise BindError(BindProblem.EXPIRED)
    if not manages(by, cell):
        raise BindError(BindProblem.NOT_MANAGER, cell)
    if current is not None:
        raise BindError(BindProblem.CHAT_TAKEN, await session.get(GridCell, current.cell_id))
    other = (await bindings_for_cells(session, [cell.id]))
    if other:
        raise BindError(BindProblem.CELL_TAKEN, cell)
    claimed: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_by_id=by.id if by else None, used_at=moment)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise BindError(BindProblem.USED)
    # Old, inactive rows of this chat or this cell make way (both are unique).
    stale = await session.scalars(
        select(GroupBinding).where(
            (GroupBinding.chat_id == str(chat_id)) | (GroupBinding.cell_id == cell.id)
        )
    )
    for row in stale:
        await session.delete(row)
    await session.flush()
    binding = GroupBinding(
        platform=PLATFORM,
        chat_id=str(chat_id),
        cell_id=cell.id,
        title=title[:256],
        bound_by_id=by.id if by else None,
        bound_at=moment,
        active=True,
    )
    session.add(binding)
    await session.flush()
    return Bound(binding, cell)


async def may_unbind(session: AsyncSession, binding: GroupBinding, member: Member | None) -> bool:
    """A manager of the cell (or of a cell above it), or an administrator."""
    cell = await session.get(GridCell, binding.cell_id)
    return cell is not None and manages(member, cell)


async def end_binding(
    session: AsyncSession, binding: GroupBinding, reason: UnbindReason, now: datetime,
    by: Member | None = None,
) -> int:
    """Mark the binding inactive and tell the cell's managers (all but `by`); how many told."""
    binding.active = False
    binding.unbound_at = now
    binding.unbound_reason = reason.value
    told = 0
    for manager in await nearest_managers(session, binding.cell_id):
        if by is not None and manager.id == by.id:
            continue
        await queue(
            session,
            GroupUnbound(binding.id, reason=reason.value),
            recipient=manager,
            dedupe_key=f"{UNBOUND_KIND}:{binding.id}:{int(now.timestamp())}:{manager.id}",
        )
        told += 1
    await _settle_waiting(session, binding, now)
    await session.flush()
    return told


async def _settle_waiting(session: AsyncSession, binding: GroupBinding, now: datetime) -> None:
    """What was still to go to the lost group goes nowhere; its case cards (and the one Telegram
    just refused) reach the case's managers privately, once (intake's own key: a manager who
    already had it privately, in "also" mode, gets nothing new)."""
    rows = list(await session.scalars(
        select(Outbox).where(
            Outbox.chat_id == binding.chat_id,
            (Outbox.state == OutboxState.PENDING)
            | ((Outbox.state == OutboxState.FAILED) & Outbox.last_error.startswith("forbidden")
               & (Outbox.created_at >= binding.bound_at)),
        ).order_by(Outbox.id)))
    for row in rows:
        if row.state == OutboxState.PENDING:
            row.state, row.last_error = OutboxState.FAILED, "group unbound"
        case = await session.get(Case, row.case_id) if row.kind == ALERT_KIND and row.case_id \
            else None
        if case is None or not case.is_open:
            continue
        for manager in await nearest_managers(session, case.cell_id):
            await queue(session, CaseNew(case.id), recipient=manager,
                        dedupe_key=f"case_new:{case.id}:{manager.id}")


async def unbind_group(
    session: AsyncSession, chat_id: str | int, member: Member | None, now: datetime | None = None
) -> GridCell:
    """/unbind: the group stops serving its cell; the other managers are told. Caller commits."""
    binding = await binding_for_chat(session, chat_id)
    if binding is None:
        raise BindError(BindProblem.NOT_BOUND)
    cell = await session.get(GridCell, binding.cell_id)
    assert cell is not None
    if not await may_unbind(session, binding, member):
        raise BindError(BindProblem.NOT_ALLOWED, cell)
    await end_binding(session, binding, UnbindReason.COMMAND, now or utcnow(), by=member)
    return cell


async def group_lost(
    session: AsyncSession, chat_id: str | int, reason: UnbindReason, now: datetime | None = None
) -> GroupBinding | None:
    """The bot was removed from a bound group, or may no longer post there: unbind, tell the
    cell's managers privately. None when the chat was not bound (nothing to do)."""
    binding = await binding_for_chat(session, chat_id)
    if binding is None:
        return None
    await end_binding(session, binding, reason, now or utcnow())
    return binding


async def follow_migration(session: AsyncSession, old_chat_id: str | int,
                           new_chat_id: str | int) -> bool:
    """A group became a supergroup (a new chat id): the binding and its waiting notices follow.
    True when a binding moved. Idempotent: both the old and the new chat announce it."""
    old, new = str(old_chat_id), str(new_chat_id)
    binding = await session.scalar(select(GroupBinding).where(GroupBinding.chat_id == old))
    moved = False
    if binding is not None:
        clash = await session.scalar(select(GroupBinding).where(GroupBinding.chat_id == new))
        if clash is not None and clash.id != binding.id:
            await session.delete(clash)
            await session.flush()
        binding.chat_id = new
        moved = True
    await session.execute(
        update(Outbox)
        .where(Outbox.chat_id == old, Outbox.state == OutboxState.PENDING)
        .values(chat_id=new)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return moved


# ----- alerts -----

async def case_groups(session: AsyncSession, case: Case) -> list[GroupBinding]:
    """The groups that follow a case: those of its cell and of every cell above it."""
    chain = await cell_chain(session, case.cell_id)
    return await bindings_for_cells(session, [c.id for c in chain])


def covered_cells(bindings: list[GroupBinding], settings: Settings) -> set[int]:
    """Cells whose managers hear of an alert through their group instead of privately."""
    return {b.cell_id for b in bindings if mode_of(b, settings) is GroupAlerts.INSTEAD}


def private_recipients(
    members: list[Member], bindings: list[GroupBinding], settings: Settings
) -> list[Member]:
    """`members` less the managers whose own cell's group gets the alert in "instead" mode."""
    covered = covered_cells(bindings, settings)
    return [m for m in members if m.role != Role.MANAGER or m.cell_id not in covered]


async def queue_case_alert(
    session: AsyncSession, case_id: int, bindings: list[GroupBinding], tag: str | None = None
) -> int:
    """The case card, with a manager's buttons, in each of these groups (once per group)."""
    for binding in bindings:
        await queue(
            session,
            GroupCase(case_id, cell_id=binding.cell_id, tag=tag),
            to=Target(binding.platform, binding.chat_id),
            dedupe_key=f"{ALERT_KIND}:{case_id}:{binding.id}:{tag or 'new'}",
        )
    return len(bindings)


async def alert_new_groups(session: AsyncSession, case: Case, tag: str) -> int:
    """A case that moved (rerouted, dispatched down) is posted in the groups along its new
    chain that have not had its card yet."""
    had = set(await session.scalars(
        select(Outbox.chat_id).where(Outbox.case_id == case.id, Outbox.kind == ALERT_KIND)))
    fresh = [b for b in await case_groups(session, case) if b.chat_id not in had]
    return await queue_case_alert(session, case.id, fresh, tag=tag)


async def queue_copies(
    session: AsyncSession,
    notice: Notice,
    cell_ids: list[int],
    *,
    dedupe: str,
    case_id: int | None = None,
) -> list[GroupBinding]:
    """A copy of one notice (rendered without a recipient) to the groups of `cell_ids`."""
    bindings = await bindings_for_cells(session, cell_ids)
    for binding in bindings:
        await queue(
            session,
            notice,
            to=Target(binding.platform, binding.chat_id),
            case_id=case_id,
            dedupe_key=f"group:{dedupe}:{binding.id}"[:128],
        )
    return bindings
