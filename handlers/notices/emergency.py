"""What the reporter of an emergency is told: exactly who the alert was queued for (the cells
whose managers have it, supervisors, the linked leader, group chats), never a fixed sentence."""

from __future__ import annotations

from handlers.words import escape
from services.i18n import Translator
from services.workflow import Reached


def _join(items: list[str], t: Translator, *, parts: bool = False) -> str:
    if t.language == "zh_CN":
        return ("；" if parts else "、").join(items)
    return ("; " if parts else ", ").join(items)


def emergency_line(reached: Reached, t: Translator, *, card: bool = False) -> str:
    """One line for the reporter's receipt of an emergency report, or the top of its card."""
    if not reached.people and not reached.groups:
        return t("🚨 This is an emergency, but no one up to the city is registered to be "
                 "alerted yet.")
    whom: list[str] = []
    if reached.manager_cells:
        cells = _join([escape(name) for name in reached.manager_cells], t)
        whom.append(t("the grid managers of {cells}", cells=cells))
    if reached.supervisors:
        whom.append(t("supervisors: {count}", count=reached.supervisors))
    if reached.leader_of:
        whom.append(t("the linked leader of {source}", source=escape(reached.leader_of)))
    if reached.groups:
        whom.append(t("group chats: {count}", count=reached.groups))
    if reached.people:
        whom.append(t("people alerted: {count}", count=reached.people))
    if card:
        return t("🚨 <b>EMERGENCY</b>, alerted at once: {whom}.", whom=_join(whom, t, parts=True))
    return t("🚨 As an emergency, it went at once to: {whom}.", whom=_join(whom, t, parts=True))
