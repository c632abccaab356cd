"""What a case action's conversation shows at each step: the question, and the buttons that
answer it (preset reasons, a confirmation, a plan to review, cells and people to pick).

Every button carries 'f:<case id>:<op>:<arg>'; `handlers.cases.flow_buttons` checks it against
the member's open conversation before acting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.cards import local_time
from handlers.words import escape
from services import cases
from services.cases import Action, parse_deadline
from services.grid import Choice, Relation, targets
from services.i18n import N_, Translator
from services.notices.card import BUTTON_DATA_LIMIT, Button, Buttons
from services.settings import Settings

PREFIX = "f"
PER_ROW = 2

# Why a report is not taken up, as a grid office most often says it (or typed instead).
REJECT_PRESETS: tuple[str, ...] = (
    N_("Not in a drinking-water source's protection area"),
    N_("Reported already (a duplicate)"),
    N_("Not enough information"),
    N_("Already rectified"),
)
PLAN_FIELDS: dict[str, str] = {
    "task": N_("✏️ Task"),
    "steps": N_("✏️ Steps"),
    "owner": N_("✏️ Responsible"),
    "due": N_("✏️ Deadline"),
}
MARKS = {Relation.PARENT: "⬆️", Relation.SIBLING: "↔️", Relation.CHILD: "⬇️",
         Relation.FOUND: "🔎", Relation.MEMBER: "👤"}

PROMPTS: dict[str, str] = {
    "task": N_(
        "Case {number}: the rectification plan (一点一策), 1 of 4. What is the task? "
        "(/cancel to stop)"
    ),
    "steps": N_("2 of 4. The steps to take (路线图), in one message."),
    "owner": N_("3 of 4. Who is responsible (责任人)?"),
    "due": N_("4 of 4. The deadline: a date like 2026-12-31, or a number of days like 14d."),
    "photo": N_(
        "Case {number}: send the after-photo of the fix (as a photo, or as a file to keep its "
        "GPS). /cancel to stop."
    ),
    "location": N_(
        "Share your location at the site (📎 → Location) so the checker sees where you are, "
        "or send /skip."
    ),
    "reason": N_("Case {number}: the reason, in one message. /cancel to stop."),
    "into": N_("Case {number}: the number of the case it repeats (e.g. HZ-2026-000012)."),
    "evidence": N_(
        "Thank you. If you can, send a photo of how it looks now; otherwise send /skip."
    ),
}
REJECT_REASON = N_("Case {number}: why is it not taken up? Choose a reason, or type your own. "
                   "/cancel to stop.")
REROUTE_REASON = N_("Case {number} goes to {cell}. The reason, in one message. /cancel to stop.")
REJECT_CONFIRM = N_("Reject case {number} with the reason “{reason}”? The reporter is told this "
                    "reason.")
PLAN_REVIEW = N_("Case {number}: the plan as it will be saved. Save it, or change a field.")
REROUTE_PICK = N_("Case {number}: which grid cell does it belong to? ⬆️ the cell above, ↔️ cells "
                  "beside it, ⬇️ cells below it. Or type part of a cell's name to search. "
                  "/cancel to stop.")
DISPATCH_PICK = N_("Case {number}: dispatch it to a cell below (⬇️) or to a member (👤). Or type "
                   "part of a name to search. /cancel to stop.")
FOUND = N_("Found for “{text}”: choose one, or type another part of the name.")
NOT_FOUND = N_("Nothing here is called “{text}”. Type another part of the name, or /cancel.")


@dataclass(frozen=True)
class View:
    text: str
    buttons: Buttons = ()


def data(case_id: int, op: str, arg: str | int = "") -> str:
    packed = f"{PREFIX}:{case_id}:{op}:{arg}"
    if len(packed.encode()) > BUTTON_DATA_LIMIT:
        raise ValueError(f"callback data over {BUTTON_DATA_LIMIT} bytes: {packed!r}")
    return packed


def parse(raw: str | None) -> tuple[int, str, str] | None:
    """(case id, op, arg) from callback data, or None if it is not ours or malformed."""
    parts = (raw or "").split(":")
    if len(parts) != 4 or parts[0] != PREFIX or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2], parts[3]


def _rows(buttons: list[Button]) -> list[tuple[Button, ...]]:
    return [tuple(buttons[i:i + PER_ROW]) for i in range(0, len(buttons), PER_ROW)]


def cancel_button(case_id: int, t: Translator) -> Button:
    return Button(t("✖️ Cancel"), data(case_id, "x"))


def choice_label(choice: Choice) -> str:
    where = f" · {choice.above}" if choice.above and choice.relation in (
        Relation.FOUND, Relation.MEMBER) else ""
    return f"{MARKS[choice.relation]} {choice.name}{where}"[:64]


def picker(case_id: int, choices: list[Choice], t: Translator) -> Buttons:
    buttons = [Button(choice_label(c), data(
        case_id, "m" if c.relation is Relation.MEMBER else "c", c.id)) for c in choices]
    return (*_rows(buttons), (cancel_button(case_id, t),))


async def search_view(session: AsyncSession, case_id: int, action: Action, text: str,
                      t: Translator) -> View:
    """What typed text at a picking step finds, as buttons."""
    case = await cases.get_case(session, case_id)
    found: list[Choice] = []
    if case is not None and action is Action.DISPATCH:
        found = await targets.dispatch_choices(session, case, text)
    elif case is not None:
        found = await targets.find_cells(session, text, exclude=case.cell_id)
    shown = escape(text.strip()[:40])
    if not found:
        return View(t(NOT_FOUND, text=shown))
    return View(t(FOUND, text=shown), picker(case_id, found, t))


def _plan_text(number: str, answers: dict[str, str], t: Translator, settings: Settings,
               now: datetime) -> str:
    due = parse_deadline(answers.get("due", ""), now, settings.locale.timezone)
    shown_due = local_time(due, settings) if due else escape(answers.get("due", ""))
    plan = t("Plan: {task}\nSteps: {steps}\nResponsible: {owner} · due {due}",
             task=escape(answers.get("task", "")), steps=escape(answers.get("steps", "")),
             owner=escape(answers.get("owner", "")), due=shown_due)
    return t(PLAN_REVIEW, number=escape(number)) + "\n\n" + plan


async def prompt_view(session: AsyncSession, case_id: int, number: str, action: Action,
                      step: str, answers: dict[str, str], t: Translator, settings: Settings,
                      now: datetime) -> View:
    """The question of `step`, with the buttons that answer it."""
    shown = escape(number)
    if step == "reason" and action is Action.REJECT:
        presets = tuple((Button(t(p), data(case_id, "p", i)),)
                        for i, p in enumerate(REJECT_PRESETS))
        return View(t(REJECT_REASON, number=shown), (*presets, (cancel_button(case_id, t),)))
    if step == "reason" and action is Action.REROUTE:
        return View(t(REROUTE_REASON, number=shown, cell=escape(answers.get("cell_name", ""))))
    if step == "confirm":
        return View(t(REJECT_CONFIRM, number=shown, reason=escape(answers.get("reason", ""))),
                    ((Button(t("✅ Yes, reject"), data(case_id, "ok")),),
                     (Button(t("✏️ Change the reason"), data(case_id, "e", "reason")),),
                     (cancel_button(case_id, t),)))
    if step == "review":
        edits = [Button(t(label), data(case_id, "e", field))
                 for field, label in PLAN_FIELDS.items()]
        return View(_plan_text(number, answers, t, settings, now), (
            (Button(t("✅ Save the plan"), data(case_id, "ok")),),
            *_rows(edits), (cancel_button(case_id, t),)))
    if step in ("cell", "target"):
        case = await cases.get_case(session, case_id)
        if case is None:
            return View(t(PROMPTS["reason"], number=shown))
        if step == "cell":
            choices = await targets.reroute_choices(session, case)
            return View(t(REROUTE_PICK, number=shown), picker(case_id, choices, t))
        choices = await targets.dispatch_choices(session, case)
        return View(t(DISPATCH_PICK, number=shown), picker(case_id, choices, t))
    return View(t(PROMPTS[step], number=shown))
