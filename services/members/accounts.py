"""Which member an account is, as a subquery for the lookups on every update (the open draft,
the pending conversation): the member row's own account, or a further identity."""

from __future__ import annotations

from sqlalchemy import CompoundSelect, select, union_all

from models import Member, MemberIdentity


def account_of(platform: str, user_id: str | int) -> CompoundSelect[tuple[int]]:
    """The id of the member `user_id` on `platform` is (no row: nobody)."""
    return union_all(
        select(Member.id).where(Member.platform == platform,
                                Member.platform_user_id == str(user_id)),
        select(MemberIdentity.member_id).where(MemberIdentity.platform == platform,
                                               MemberIdentity.platform_user_id == str(user_id)))
