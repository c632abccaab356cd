"""The buttons of a case action's conversation ('f:<case id>:<op>:<arg>', drawn by
`handlers.cases.flow_views`): a preset reason, yes to a confirmation, a plan saved or a field to
change, a cell or member picked, cancel.

A press counts only for the member's open conversation about that case and at a step that
takes it; any other press is told so and changes nothing. The workflow re-checks rights and
state when the action is carried out.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.cases import flow as case_flow
from handlers.cases import flow_views as views
from handlers.chat import Answer, Inbound
from handlers.deps import Deps
from handlers.people import as_member
from models import Member
from services.cases import Action
from services.grid import targets
from services.i18n import Translator, translator

OPS_BY_STEP: dict[str, frozenset[str]] = {
    "reason": frozenset({"p"}),
    "confirm": frozenset({"ok", "e"}),
    "review": frozenset({"ok", "e"}),
    "cell": frozenset({"c"}),
    "target": frozenset({"c", "m"}),
}
EDITABLE: dict[str, frozenset[str]] = {
    "confirm": frozenset({"reason"}),
    "review": frozenset(views.PLAN_FIELDS),
}


async def on_press(inbound: Inbound, deps: Deps) -> Answer:
    """A press on a question's button, in one unit of work."""
    return await as_member(inbound, deps, lambda session, member: _pressed(
        session, inbound, deps, member, translator(member.language)))


async def _pressed(session: AsyncSession, inbound: Inbound, deps: Deps, member: Member,
                   t: Translator) -> Answer:
    parsed = views.parse(inbound.press)
    flow = await case_flow.load(session, member)
    # The answered question keeps its words and loses its buttons.
    if parsed is None or flow is None or flow.case_id != parsed[0]:
        return Answer(toast=t("That question is closed (done, cancelled or expired)."),
                      alert=True, strip_buttons=True)
    _case_id, op, arg = parsed
    step = flow.step
    if op == "x":
        return Answer(direct=await case_flow.stop(session, deps, member, flow, t),
                      strip_buttons=True)
    if not _take(flow, step, op, arg, t):
        return Answer(toast=t("That button is from an earlier question. Please use the latest "
                              "message."), alert=True)
    if op == "c":
        picked = await targets.cell_choice(session, int(arg))
        if picked is None:
            return Answer(toast=t("That grid cell no longer exists."), alert=True)
        if step == "cell":
            flow.answers.update(cell=picked.code, cell_name=picked.name)
        else:
            flow.answers["target"] = f"cell:{picked.code}"
    return Answer(direct=await case_flow.answer(session, deps, member, flow, t),
                  strip_buttons=True)


def _take(flow: case_flow.Flow, step: str | None, op: str, arg: str, t: Translator) -> bool:
    """Record what the press answers (a cell is looked up by the caller); False if this press
    does not answer the question now open."""
    if step is None or op not in OPS_BY_STEP.get(step, frozenset()):
        return False
    if op == "p":
        if flow.action is not Action.REJECT or not arg.isdigit() or int(arg) >= len(
                views.REJECT_PRESETS):
            return False
        flow.answers["reason"] = t(views.REJECT_PRESETS[int(arg)])
    elif op == "ok":
        flow.answers[step] = "ok"
    elif op == "e":
        if arg not in EDITABLE.get(step, frozenset()):
            return False
        flow.answers.pop(arg, None)
        flow.answers.pop(step, None)
    elif op in ("c", "m"):
        if not arg.isdigit():
            return False
        if op == "m":
            flow.answers["target"] = f"member:{int(arg)}"
    return True
