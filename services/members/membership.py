"""Members and invites: who may do what, and in which grid cell; and the hand-over of a
member's open cases when they can no longer act.

Registering and redeeming never commit: the caller owns the transaction, so a refused invite
(an `InviteError`) rolled back by the caller leaves nothing registered.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    GridCell,
    Invite,
    Member,
    MemberEvent,
    MemberIdentity,
    Role,
    SupervisionKind,
    WaterSource,
    utcnow,
)
from services.grid import cell_chain, managers_by_cell
from services.i18n import SUPPORTED, normalize
from services.notices.card_refresh import queue_card_refresh
from services.notices.kinds import CaseHandedOver
from services.notices.queue import queue

LINK = "link"  # Invite.role of a code that adds a channel to a member (services.members.identities)
INVITE_CODE_BYTES = 16  # 22 url-safe characters: fits Invite.code (32) and a /start payload (64)
CELL_ROLES = frozenset({Role.PATROLLER, Role.MANAGER})


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    WRONG_CHAT = "wrong_chat"  # a group invite opened in a private chat, or the other way round
    LINK_TAKEN = "link_taken"  # a link code typed by an account that is a member of its own


class InviteError(Exception):
    """An invite that cannot be redeemed; `problem` says why (each has its own message)."""

    def __init__(self, problem: InviteProblem) -> None:
        super().__init__(f"invite refused: {problem.value}")
        self.problem = problem


class InviteSpecError(ValueError):
    """An invite that cannot be created as asked (unknown role, cell or water source)."""


@dataclass(frozen=True)
class Person:
    """Someone writing to the bot, as their channel tells of them: the member they are or
    become."""

    platform: str
    user_id: str
    chat_id: str
    display_name: str
    language_code: str | None = None


@dataclass(frozen=True)
class Redeemed:
    """What an invite gave: the member, and the cell and water source it now answers for."""

    member: Member
    cell: GridCell | None
    source: WaterSource | None
    linked: bool = False  # a link code: this account joined an existing member


async def find_member(session: AsyncSession, platform: str, user_id: str | int) -> Member | None:
    """The member this account is: the member row's own, or one of its further identities."""
    member = await session.scalar(
        select(Member).where(Member.platform == platform, Member.platform_user_id == str(user_id))
    )
    if member is not None:
        return member
    return await session.scalar(
        select(Member).join(MemberIdentity, MemberIdentity.member_id == Member.id).where(
            MemberIdentity.platform == platform, MemberIdentity.platform_user_id == str(user_id))
    )


async def use_identity(session: AsyncSession, member: Member, person: Person) -> None:
    """`member` writes as `person`: that account becomes the member row's own, so notices
    go to it; the one it replaces is kept as a further identity. Flushes only on a change."""
    if (member.platform, member.platform_user_id) == (person.platform, person.user_id):
        if member.chat_id != person.chat_id:
            member.chat_id = person.chat_id
            await session.flush()
        return
    other = await session.scalar(select(MemberIdentity).where(
        MemberIdentity.member_id == member.id, MemberIdentity.platform == person.platform,
        MemberIdentity.platform_user_id == person.user_id))
    if other is None:
        return
    old = (member.platform, member.platform_user_id, member.chat_id)
    member.platform, member.platform_user_id, member.chat_id = (
        person.platform, person.user_id, person.chat_id)
    other.platform, other.platform_user_id, other.chat_id = old  # unique per table: no clash
    await session.flush()


async def register_member(
    session: AsyncSession, person: Person, default_language: str = "zh_CN"
) -> tuple[Member, bool]:
    """The member for this user, created as a volunteer on first contact; (member, created).

    A returning member gets their name (when their channel tells one: WeCom's messages carry
    only the UserID) and chat refreshed and is active again (they came back after blocking the
    bot), unless a manager deactivated them; their language is kept.
    """
    member = await find_member(session, person.platform, person.user_id)
    if member is not None:
        if person.display_name:
            member.display_name = person.display_name[:128]
        await use_identity(session, member, person)
        if member.deactivated_at is None:
            member.active = True
        await session.flush()
        return member, False
    member = Member(
        platform=person.platform,
        platform_user_id=person.user_id,
        chat_id=person.chat_id,
        display_name=(person.display_name or person.user_id)[:128],
        role=Role.VOLUNTEER,
        language=normalize(person.language_code, default_language),
        active=True,
    )
    session.add(member)
    await session.flush()
    return member, True


async def is_invite(session: AsyncSession, code: str) -> bool:
    """Whether `code` names an invite (used or not)."""
    found = await session.scalar(select(Invite.id).where(Invite.code == code.strip()))
    return found is not None


async def create_invite(
    session: AsyncSession,
    role: str,
    cell_code: str | None,
    source_code: str | None = None,
    expires: timedelta = timedelta(days=7),
    for_group: bool = False,
    *,
    now: datetime | None = None,
    created_by: Member | None = None,
    kind: SupervisionKind | None = None,
) -> Invite:
    """A single-use invite giving `role` in a cell (and, for a leader, a water source; for a
    supervisor, their kind). Rights are the caller's business (services.members.staff checks
    them for the chat)."""
    try:
        role_enum = Role(role)
    except ValueError:
        raise InviteSpecError(
            f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}"
        ) from None
    if expires <= timedelta(0):
        raise InviteSpecError("an invite must expire in the future")
    cell: GridCell | None = None
    source: WaterSource | None = None
    if source_code:
        source = await session.scalar(select(WaterSource).where(WaterSource.code == source_code))
        if source is None:
            raise InviteSpecError(f"no water source with code {source_code!r}")
    if cell_code:
        cell = await session.scalar(select(GridCell).where(GridCell.code == cell_code))
        if cell is None:
            raise InviteSpecError(f"no grid cell with code {cell_code!r}")
    cell_id = cell.id if cell else (source.cell_id if source else None)
    if role_enum in CELL_ROLES and cell_id is None:
        raise InviteSpecError(f"a {role_enum.value} invite needs a cell (--cell CODE)")
    if role_enum is Role.LEADER and cell_id is None and source is None:
        raise InviteSpecError("a leader invite needs a cell or a water source")
    if kind is not None and role_enum is not Role.SUPERVISOR:
        raise InviteSpecError("only a supervisor has a kind of supervision (--kind)")
    invite = Invite(
        code=secrets.token_urlsafe(INVITE_CODE_BYTES),
        role=role_enum.value,
        cell_id=cell_id,
        water_source_id=source.id if source else None,
        for_group=for_group,
        supervision_kind=kind.value if kind else None,
        expires_at=(now or utcnow()) + expires,
        created_by_id=created_by.id if created_by else None,
    )
    session.add(invite)
    await session.flush()
    return invite


async def checked_invite(session: AsyncSession, code: str, moment: datetime, *,
                         in_group: bool) -> Invite:
    """The invite of `code` if it can be redeemed now, else InviteError (nothing written)."""
    invite = await session.scalar(select(Invite).where(Invite.code == code.strip()))
    if invite is None:
        raise InviteError(InviteProblem.UNKNOWN)
    if invite.used_by_id is not None:
        raise InviteError(InviteProblem.USED)
    if invite.expires_at <= moment:
        raise InviteError(InviteProblem.EXPIRED)
    if invite.for_group != in_group:
        raise InviteError(InviteProblem.WRONG_CHAT)
    return invite


async def claim_invite(session: AsyncSession, invite: Invite, member_id: int,
                       moment: datetime) -> None:
    """One winner per invite: USED for whoever loses the race (the caller rolls back)."""
    claimed: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_by_id.is_(None))
        .values(used_by_id=member_id, used_at=moment)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise InviteError(InviteProblem.USED)


async def redeem_invite(
    session: AsyncSession,
    code: str,
    person: Person,
    *,
    default_language: str = "zh_CN",
    in_group: bool = False,
    now: datetime | None = None,
) -> Redeemed:
    """Bind the invite's role, cell and source to this user; one winner per invite.

    Raises InviteError (unknown, expired, used, wrong chat) before anything is written, except
    when another redeemer wins the race at the last step: then the caller must roll back.
    """
    moment = now or utcnow()
    invite = await checked_invite(session, code, moment, in_group=in_group)
    if invite.role == LINK:
        raise InviteError(InviteProblem.UNKNOWN)  # services.members.identities redeems those
    member, _ = await register_member(session, person, default_language)
    await claim_invite(session, invite, member.id, moment)
    if member.deactivated_at is not None:  # a new invite is how a deactivated member returns
        member.deactivated_at, member.active = None, True
        session.add(MemberEvent(member_id=member.id, actor_id=invite.created_by_id,
                                kind="reactivated", at=moment, payload={"invite_id": invite.id}))
    member.role = invite.role
    member.cell_id = invite.cell_id
    member.supervision_kind = invite.supervision_kind if invite.role == Role.SUPERVISOR else None
    source: WaterSource | None = None
    if invite.water_source_id is not None:
        source = await session.get(WaterSource, invite.water_source_id)
        if source is not None and invite.role == Role.LEADER:
            source.leader_id = member.id
    cell = await session.get(GridCell, invite.cell_id) if invite.cell_id is not None else None
    await session.flush()
    await session.refresh(invite)
    return Redeemed(member=member, cell=cell, source=source)


def welcome(member: Member, now: datetime | None = None) -> bool:
    """Note that the bot greets this member now; True the first time (greet them as new,
    even if an invite or a group's button registered them before they ever wrote)."""
    first = member.welcomed_at is None
    if first:
        member.welcomed_at = now or utcnow()
    return first


async def set_language(session: AsyncSession, member: Member, language: str) -> Member:
    """Change the language a member reads the bot in (one of services.i18n.SUPPORTED)."""
    if language not in SUPPORTED:
        raise ValueError(f"unsupported language {language!r}")
    member.language = language
    await session.flush()
    return member


async def set_active(session: AsyncSession, member_id: int, active: bool) -> None:
    """Mark a member unreachable (they blocked the bot) or reachable again."""
    await session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(active=active, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def list_members(session: AsyncSession) -> list[tuple[Member, GridCell | None]]:
    """Every member with the cell they answer for, in registration order."""
    rows = await session.execute(
        select(Member, GridCell)
        .outerjoin(GridCell, Member.cell_id == GridCell.id)
        .order_by(Member.id)
    )
    return [(member, cell) for member, cell in rows]


async def member_cell(session: AsyncSession, member: Member) -> GridCell | None:
    return await session.get(GridCell, member.cell_id) if member.cell_id is not None else None


async def led_sources(session: AsyncSession, member: Member) -> list[WaterSource]:
    """The water sources this member is the linked leader of."""
    rows = await session.scalars(
        select(WaterSource).where(WaterSource.leader_id == member.id).order_by(WaterSource.code)
    )
    return list(rows)


# ----- handing a member's work to others -----

HANDED_OVER = CaseHandedOver.KIND  # the notice the new holder of a case gets


@dataclass(frozen=True)
class HandOver:
    """One case that changed hands; `to` is None when nobody active is left up to the city."""

    case_id: int
    number: str
    to: Member | None


async def _open_loads(session: AsyncSession, member_ids: list[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Case.assignee_id, func.count(Case.id))
        .where(Case.assignee_id.in_(member_ids), Case.state.in_([s.value for s in OPEN_STATES]))
        .group_by(Case.assignee_id)
    )
    return {int(member_id): int(count) for member_id, count in rows if member_id is not None}


async def _next_holder(session: AsyncSession, cell_id: int, leaving_id: int) -> Member | None:
    """The other active managers of the cell, else of the nearest cell above that has some:
    of them, the one holding the fewest open cases (the oldest on a tie)."""
    chain = await cell_chain(session, cell_id)
    by_cell = await managers_by_cell(session, [c.id for c in chain])
    for cell in reversed(chain):
        others = [m for m in by_cell.get(cell.id, []) if m.id != leaving_id]
        if others:
            loads = await _open_loads(session, [m.id for m in others])
            return min(others, key=lambda m: (loads.get(m.id, 0), m.id))
    return None


async def cases_held(session: AsyncSession, member: Member) -> list[Case]:
    """The open cases a member holds: those assigned to them and, when they are the last active
    manager of their cell, its open cases that nobody holds by name."""
    open_states = [s.value for s in OPEN_STATES]
    mine: ColumnElement[bool] = Case.assignee_id == member.id
    if member.role == Role.MANAGER and member.cell_id is not None:
        others = [m for m in (await managers_by_cell(session, [member.cell_id])).get(
            member.cell_id, []) if m.id != member.id]
        if not others:
            mine = or_(mine, (Case.cell_id == member.cell_id) & Case.assignee_id.is_(None))
    rows = await session.scalars(
        select(Case).where(mine, Case.state.in_(open_states)).order_by(Case.id))
    return list(rows)


async def hand_over_open_cases(
    session: AsyncSession, member: Member, now: datetime, *, actor_id: int | None, reason: str
) -> list[HandOver]:
    """Give a member's open cases to whoever stands in for them: the other active managers of
    each case's cell (the least busy), else the level above. Each case records who has it now
    (a `handed_over` event by `actor_id`, None for the system), its new holder is told and its
    group cards are refreshed. `reason` says why ("deactivated", "blocked", ...). Works for
    any member who can no longer act (deactivated, or unreachable); the caller commits."""
    handed: list[HandOver] = []
    for case in await cases_held(session, member):
        holder = await _next_holder(session, case.cell_id, member.id)
        case.assignee_id = holder.id if holder else None
        case.updated_at = now
        session.add(CaseEvent(
            case_id=case.id, actor_id=actor_id, kind="handed_over", at=now,
            payload={"from_member_id": member.id, "from": member.display_name, "reason": reason,
                     "to_member_id": holder.id if holder else None,
                     "assignee": holder.display_name if holder else None},
        ))
        if holder is not None:
            await queue(
                session, CaseHandedOver(case.id, from_member_id=member.id, actor_id=actor_id,
                                        reason=reason), recipient=holder,
                dedupe_key=f"{HANDED_OVER}:{case.id}:{member.id}:{int(now.timestamp())}",
            )
        await queue_card_refresh(session, case.id)
        await session.flush()
        handed.append(HandOver(case.id, case.number, holder))
    return handed
