"""The kinds of supervision (专业、两办、纪检、社会、媒体): their names, what a person may type
for one, and who may set a supervisor's kind."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, MemberEvent, Role, SupervisionKind
from services.i18n import N_
from services.members.staff import StaffProblem, StaffRefused, deactivation_problem, member_in_reach

KIND_LABELS: dict[SupervisionKind, str] = {
    SupervisionKind.PROFESSIONAL: N_("Professional supervision"),
    SupervisionKind.OFFICES: N_("Supervision by the two offices"),
    SupervisionKind.DISCIPLINE: N_("Discipline inspection"),
    SupervisionKind.PUBLIC: N_("Public supervision"),
    SupervisionKind.MEDIA: N_("Media supervision"),
}
# What offices write for each kind, besides its code.
_WRITTEN: dict[str, SupervisionKind] = {
    "专业": SupervisionKind.PROFESSIONAL, "专业督查": SupervisionKind.PROFESSIONAL,
    "两办": SupervisionKind.OFFICES, "两办督查": SupervisionKind.OFFICES,
    "纪检": SupervisionKind.DISCIPLINE, "纪检督查": SupervisionKind.DISCIPLINE,
    "社会": SupervisionKind.PUBLIC, "社会督查": SupervisionKind.PUBLIC,
    "媒体": SupervisionKind.MEDIA, "媒体督查": SupervisionKind.MEDIA,
}


def parse_kind(text: str) -> SupervisionKind | None:
    """A kind by its code (discipline) or as offices write it (纪检, 纪检督查)."""
    word = text.strip()
    try:
        return SupervisionKind(word.lower())
    except ValueError:
        return _WRITTEN.get(word)


def kind_of(member: Member | None) -> SupervisionKind | None:
    """A supervisor's kind; None for anyone else, or a supervisor whose kind is not set."""
    if member is None or member.role != Role.SUPERVISOR or not member.supervision_kind:
        return None
    return SupervisionKind(member.supervision_kind)


async def set_kind(session: AsyncSession, actor: Member, member_id: int,
                   kind: SupervisionKind) -> Member:
    """Give a supervisor in the actor's reach their kind (StaffRefused otherwise), recorded."""
    member, cell = await member_in_reach(session, actor, member_id)
    if member.role != Role.SUPERVISOR:
        raise StaffRefused(StaffProblem.UNKNOWN)
    problem = deactivation_problem(actor, member, cell)
    if problem is not None and problem is not StaffProblem.ALREADY:
        raise StaffRefused(problem)
    if member.supervision_kind != kind.value:
        session.add(MemberEvent(member_id=member.id, actor_id=actor.id, kind="supervision_kind",
                                payload={"from": member.supervision_kind, "to": kind.value}))
        member.supervision_kind = kind.value
    return member
