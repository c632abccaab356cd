"""A member on several channels: `/link` gives a code that, typed on another channel as
`/start CODE` (in WeCom, to the app), adds that account to the same member, with the same
role, cell and rights. The channel a member writes from becomes the member row's own (the
one it replaces is kept as a further identity), so notices go where the member was last."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, GridCell, Invite, Member, MemberIdentity, Role, utcnow
from services.members.membership import (
    INVITE_CODE_BYTES,
    LINK,
    InviteError,
    InviteProblem,
    Person,
    Redeemed,
    checked_invite,
    claim_invite,
    find_member,
    use_identity,
)

LINK_TTL = timedelta(minutes=15)


async def create_link(session: AsyncSession, member: Member,
                      now: datetime | None = None) -> Invite:
    """A one-time code for `member`'s next channel. The caller commits."""
    invite = Invite(code=secrets.token_urlsafe(INVITE_CODE_BYTES), role=LINK,
                    expires_at=(now or utcnow()) + LINK_TTL, created_by_id=member.id)
    session.add(invite)
    await session.flush()
    return invite


async def is_link(session: AsyncSession, code: str) -> bool:
    return bool(await session.scalar(select(exists().where(
        Invite.code == code.strip(), Invite.role == LINK))))


async def _has_history(session: AsyncSession, member: Member) -> bool:
    """A role, a cell or a report of its own: a membership that cannot simply give way."""
    if member.role != Role.VOLUNTEER or member.cell_id is not None:
        return True
    return bool(await session.scalar(select(exists().where(Case.reporter_id == member.id))))


async def redeem_link(session: AsyncSession, code: str, person: Person,
                      now: datetime | None = None) -> Redeemed:
    """`/start CODE` with a link code: `person`'s account joins the member who asked for it.

    An account already a member of its own with nothing to it (a volunteer who only said
    /start) gives way: that row is retired. One with a role or reports is refused
    (LINK_TAKEN), as is a code used, expired or unknown. The caller commits (or rolls back on
    an InviteError)."""
    moment = now or utcnow()
    invite = await checked_invite(session, code, moment, in_group=False)
    owner = await _link(session, invite, person, moment)
    await claim_invite(session, invite, owner.id, moment)
    cell = await session.get(GridCell, owner.cell_id) if owner.cell_id else None
    return Redeemed(member=owner, cell=cell, source=None, linked=True)


async def _link(session: AsyncSession, invite: Invite, person: Person,
                now: datetime) -> Member:
    owner = await session.get(Member, invite.created_by_id) if invite.created_by_id else None
    if owner is None:
        raise InviteError(InviteProblem.UNKNOWN)
    current = await find_member(session, person.platform, person.user_id)
    if current is not None and current.id == owner.id:
        await use_identity(session, owner, person)
        return owner
    if current is not None:
        if await _has_history(session, current):
            raise InviteError(InviteProblem.LINK_TAKEN)
        # Nobody will find it again; it stays on record for what refers to it.
        current.platform_user_id = f"{current.platform_user_id}#retired{current.id}"[:64]
        current.active = False
        current.deactivated_at = now
        await session.flush()
    session.add(MemberIdentity(member_id=owner.id, platform=person.platform,
                               platform_user_id=person.user_id, chat_id=person.chat_id,
                               linked_at=now))
    await session.flush()
    await use_identity(session, owner, person)
    return owner
