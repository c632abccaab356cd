"""`/problem`: a supervisor or an administrator enters one problem from the chat, the fields of a
problem list's row (services.problems), without a photo: where it comes from (交办 with its
issuing body, or 自查), its number, the water source and the responsible cell as buttons from
the grid, the category, what was found, the deadline (a preset or a typed date) and maybe a
campaign; then it is filed through the import (one row), so its cell's managers hear of it as
of any new case.

Every answer is saved in the member's PendingAction row (kind "problem"), so a restart loses
nothing; every press names its step and is checked against the row and the member's part of
the grid. Button data: "pb:<step letter>:<value>".
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import pending
from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.engine import Conversation
from handlers.people import as_member, tr
from handlers.route import Route
from handlers.words import escape
from models import Campaign, GridCell, Member, Role, WaterSource, utcnow
from services.campaigns import day_label
from services.i18n import N_, Translator
from services.notices.card import Button, Buttons
from services.problems import (
    ProblemListRefused,
    campaigns_from,
    cells_below,
    enter_problem,
    parse_date,
    sources_in,
)

KIND = "problem"
PREFIX = "pb:"
TTL = timedelta(hours=2)
ENTRY_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
COMMANDS: tuple[tuple[str, str], ...] = (
    ("problem", N_("Enter one problem (交办 or 自查) without a photo")),
)
COMMAND_ROLES = {"problem": ENTRY_ROLES}
PRESET_DAYS = (7, 14, 30)
MAX_NUMBER, MAX_ISSUER = 64, 100
ORIGIN_LABELS = {"assigned": N_("assigned from above"), "self": N_("self-inspection")}
OVER = N_("This question is over. Send /problem to start again.")


def _rows(buttons: list[Button], width: int = 2) -> Buttons:
    return tuple(tuple(buttons[i:i + width]) for i in range(0, len(buttons), width))


def _with_cancel(buttons: Buttons, t: Translator) -> Buttons:
    return (*buttons, (Button(t("Cancel"), f"{PREFIX}x:0"),))


async def _scope(session: AsyncSession, member: Member) -> GridCell | None:
    return await session.get(GridCell, member.cell_id) if member.cell_id else None


def _inside(cell: GridCell, scope: GridCell | None) -> bool:
    return scope is None or cell.path.startswith(scope.path)


# -- the questions ----------------------------------------------------------------------------

async def _ask(session: AsyncSession, member: Member, step: str, data: dict[str, Any],
               t: Translator, deps: Deps) -> Reply:
    """The question of `step`, with its buttons."""
    if step == "origin":
        return Reply(t("Enter a problem: where does it come from?"), _with_cancel(_rows([
            Button(t(ORIGIN_LABELS[o]), f"{PREFIX}o:{o}") for o in ORIGIN_LABELS]), t))
    if step == "issuer":
        return Reply(t("Who assigned it? Send the issuing body, for example 生态环境部."),
                     _with_cancel((), t))
    if step == "number":
        return Reply(t("Send the problem's number on its list (编号)."), _with_cancel((), t))
    if step == "source":
        sources = await sources_in(session, await _scope(session, member))
        return Reply(t("Which water source is it at?"), _with_cancel(_rows(
            [Button(s.name, f"{PREFIX}s:{s.id}") for s in sources]
            + [Button(t("Not at a water source"), f"{PREFIX}s:0")]), t))
    if step == "cell":
        here = await session.get(GridCell, int(data["at"])) if data.get("at") else None
        if here is None:
            tops = await cells_below(session, None)
            return Reply(t("Which grid cell is responsible?"), _with_cancel(_rows(
                [Button(c.name, f"{PREFIX}c:{c.id}") for c in tops]), t))
        below = await cells_below(session, here.id)
        scope = await _scope(session, member)
        up = await session.get(GridCell, here.parent_id) if here.parent_id else None
        first = [Button("✔ " + here.name, f"{PREFIX}h:{here.id}")]
        if up is not None and _inside(up, scope):  # never above their own cell
            first.append(Button("⬆ " + up.name, f"{PREFIX}c:{up.id}"))
        question = (t("Which grid cell is responsible? Choose one below {name}, or {name} "
                      "itself.", name=escape(here.name)) if below else
                    t("Is {name} the responsible cell?", name=escape(here.name)))
        return Reply(question, _with_cancel((tuple(first), *_rows(
            [Button(c.name, f"{PREFIX}c:{c.id}") for c in below])), t))
    if step == "category":
        return Reply(t("Which category?"), _with_cancel(_rows([
            Button(c.name(t.language), f"{PREFIX}k:{c.code}") for c in deps.settings.categories
        ]), t))
    if step == "description":
        return Reply(t("Describe the problem in one message."), _with_cancel((), t))
    if step == "deadline":
        return Reply(t("By when must it be rectified? Choose, or send a date like 2026-11-30."),
                     _with_cancel(_rows([Button(t.n("in {count} day", "in {count} days", d),
                                                f"{PREFIX}d:{d}") for d in PRESET_DAYS], 3), t))
    if step == "campaign":
        campaigns = await campaigns_from(session, _today(deps))
        return Reply(t("Is it part of a campaign (专项行动)?"), _with_cancel(_rows(
            [Button(c.name, f"{PREFIX}m:{c.id}") for c in campaigns]
            + [Button(t("No campaign"), f"{PREFIX}m:0")], 1), t))
    return await _summary(session, data, t, deps)


def _today(deps: Deps) -> date:
    return utcnow().astimezone(ZoneInfo(deps.settings.locale.timezone)).date()


async def _summary(session: AsyncSession, data: dict[str, Any], t: Translator,
                   deps: Deps) -> Reply:
    cell = await session.get(GridCell, int(data["cell"]))
    source = await session.get(WaterSource, int(data["source"])) if data.get("source") else None
    campaign = await session.get(Campaign, int(data["campaign"])) if data.get(
        "campaign") else None
    category = deps.settings.category(data["category"])
    lines = [t("Please check the problem:"),
             t("Origin: {origin}", origin=t(ORIGIN_LABELS[data["origin"]]))]
    if data.get("issuer"):
        lines.append(t("Issued by: {issuer}", issuer=escape(data["issuer"])))
    lines += [
        t("Number: {number}", number=escape(data["number"])),
        t("Water source: {name}", name=escape(source.name) if source else t("none")),
        t("Responsible cell: {name}", name=escape(cell.name) if cell else "?"),
        t("Category: {name}", name=escape(category.name(t.language) if category else "?")),
        t("Description: {text}", text=escape(data["description"])),
        t("Deadline: {date}", date=day_label(date.fromisoformat(data["due"]), t)),
        t("Campaign: {name}", name=escape(campaign.name) if campaign else t("none")),
    ]
    return Reply("\n".join(lines), _with_cancel(((Button(t("Enter it"), f"{PREFIX}y:0"),),), t))


NEXT = {"origin": "number", "issuer": "number", "number": "source", "source": "cell",
        "cell": "category", "category": "description", "description": "deadline",
        "deadline": "campaign", "campaign": "confirm"}


async def _go(session: AsyncSession, deps: Deps, member: Member, step: str,
              data: dict[str, Any], t: Translator) -> Answer:
    """Save the answers, then ask the question of `step`."""
    await pending.save(session, member, step, data)
    return Answer([await _ask(session, member, step, data, t, deps)])


# -- the command, the presses and the typed answers -------------------------------------------

async def on_problem(inbound: Inbound, deps: Deps) -> Answer:
    async def work(session: AsyncSession, member: Member) -> Answer:
        t = tr(inbound, deps, member)
        if member.role_enum not in ENTRY_ROLES:
            return Answer([Reply(t("Problems are entered from the chat by supervisors and "
                                   "administrators."))])
        await pending.begin(session, deps, member, KIND, ttl=TTL, step="origin", data={})
        return Answer([await _ask(session, member, "origin", {}, t, deps)])
    return await as_member(inbound, deps, work)


async def on_press(inbound: Inbound, deps: Deps) -> Answer:
    async def work(session: AsyncSession, member: Member) -> Answer:
        t = tr(inbound, deps, member)
        row = await pending.load(session, member)
        letter, _, value = (inbound.press or "")[len(PREFIX):].partition(":")
        if row is None or row.kind != KIND or member.role_enum not in ENTRY_ROLES:
            return Answer(toast=t(OVER), alert=True, strip_buttons=True)
        if letter == "x":
            await pending.end(session, deps, member)
            return Answer([Reply(t("The problem was not entered."))], strip_buttons=True)
        answer = await _pressed(session, deps, member, row.step or "", dict(row.data), letter,
                                value, t)
        answer.strip_buttons = answer.toast is None
        return answer
    return await as_member(inbound, deps, work)


STEP_OF = {"o": "origin", "s": "source", "c": "cell", "h": "cell", "k": "category",
           "d": "deadline", "m": "campaign", "y": "confirm"}


async def _pressed(session: AsyncSession, deps: Deps, member: Member, step: str,
                   data: dict[str, Any], letter: str, value: str, t: Translator) -> Answer:
    if STEP_OF.get(letter) != step:
        return Answer(toast=t(OVER), alert=True)
    if letter == "o" and value in ORIGIN_LABELS:
        data["origin"] = value
        return await _go(session, deps, member, "issuer" if value == "assigned" else "number",
                         data, t)
    if letter == "s" and value.isdigit():
        source = await session.get(WaterSource, int(value)) if value != "0" else None
        scope = await _scope(session, member)
        start = await session.get(GridCell, source.cell_id) if source and source.cell_id else None
        if value != "0" and (source is None or (scope is not None and (
                start is None or not _inside(start, scope)))):
            return Answer(toast=t(OVER), alert=True)  # not a source of their part of the grid
        data["source"] = source.id if source else None
        data["at"] = (start.id if start is not None and _inside(start, scope)
                      else scope.id if scope else None)
        return await _go(session, deps, member, "cell", data, t)
    if letter in ("c", "h") and value.isdigit():
        cell = await session.get(GridCell, int(value))
        if cell is None or not _inside(cell, await _scope(session, member)):
            return Answer(toast=t(OVER), alert=True)
        if letter == "c":
            data["at"] = cell.id
            return await _go(session, deps, member, "cell", data, t)
        data["cell"] = cell.id
        return await _go(session, deps, member, NEXT["cell"], data, t)
    if letter == "k" and deps.settings.category(value) is not None:
        data["category"] = value
        return await _go(session, deps, member, NEXT["category"], data, t)
    if letter == "d" and value.isdigit() and int(value) in PRESET_DAYS:
        data["due"] = (_today(deps) + timedelta(days=int(value))).isoformat()
        return await _go(session, deps, member, NEXT["deadline"], data, t)
    if letter == "m" and value.isdigit():
        campaign = await session.get(Campaign, int(value)) if value != "0" else None
        data["campaign"] = campaign.id if campaign else None
        return await _go(session, deps, member, NEXT["campaign"], data, t)
    if letter == "y":
        return await _enter(session, deps, member, data, t)
    return Answer(toast=t(OVER), alert=True)


TYPED = {"issuer": (MAX_ISSUER, "issuer"), "number": (MAX_NUMBER, "number")}


def claims(inbound: Inbound, deps: Deps) -> bool:
    """A typed answer (not a command) of someone in the middle of /problem."""
    return (inbound.who.private and inbound.press is None and bool(inbound.words)
            and not inbound.command and pending.kind_for(deps, inbound.who) == KIND)


async def on_text(inbound: Inbound, deps: Deps) -> Answer | None:
    async def work(session: AsyncSession, member: Member) -> Answer:
        t = tr(inbound, deps, member)
        row = await pending.load(session, member)
        if row is None or row.kind != KIND or member.role_enum not in ENTRY_ROLES:
            if row is not None and row.kind == KIND:
                await pending.end(session, deps, member)
            return Answer([Reply(t(OVER))])
        return await _typed(session, deps, member, row.step or "", dict(row.data),
                            inbound.words, t)
    return await as_member(inbound, deps, work)


async def _typed(session: AsyncSession, deps: Deps, member: Member, step: str,
                 data: dict[str, Any], text: str, t: Translator) -> Answer:
    limits = {**{k: v[0] for k, v in TYPED.items()},
              "description": deps.settings.cases.max_description}
    if step in limits and len(text) > limits[step]:
        return Answer([Reply(t.n("That is too long: at most {count} character.",
                                 "That is too long: at most {count} characters.",
                                 limits[step]))])
    if step in ("issuer", "number", "description"):
        data[step] = text
        return await _go(session, deps, member, NEXT[step], data, t)
    if step == "deadline":
        today = _today(deps)
        day = parse_date(text, today)
        if day is None:
            return Answer([Reply(t("“{text}” is not a date. Send one like 2026-11-30 or "
                                   "11月30日.", text=escape(text)))])
        if day < today:
            return Answer([Reply(t("{date} has passed. Send a date from today on.",
                                   date=day_label(day, t)))])
        data["due"] = day.isoformat()
        return await _go(session, deps, member, NEXT[step], data, t)
    return Answer([Reply(t("Please choose with the buttons above, or press Cancel."))])


async def _enter(session: AsyncSession, deps: Deps, member: Member, data: dict[str, Any],
                 t: Translator) -> Answer:
    """The answers filed through the import (services.problems.enter_problem); the
    conversation ends."""
    cell = await session.get(GridCell, int(data["cell"]))
    source = await session.get(WaterSource, int(data["source"])) if data.get("source") else None
    campaign = await session.get(Campaign, int(data["campaign"])) if data.get(
        "campaign") else None
    if cell is None or not _inside(cell, await _scope(session, member)):
        await pending.end(session, deps, member)
        return Answer(toast=t(OVER), alert=True, strip_buttons=True)
    await pending.end(session, deps, member)
    try:
        report = await enter_problem(
            session, deps.settings, utcnow(), origin=data["origin"],
            issuer=data.get("issuer", ""), number=data["number"], cell=cell, source=source,
            category=data["category"], description=data["description"],
            due=date.fromisoformat(data["due"]), campaign=campaign, actor_id=member.id)
    except ProblemListRefused as refused:
        reasons = "; ".join(p.split(": ", 1)[-1] for p in refused.problems)
        return Answer([Reply(t("The problem could not be entered: {reasons}",
                               reasons=escape(reasons)))])
    if report.unchanged:
        return Answer([Reply(t("No. {number} is case {case} already; nothing was entered.",
                               number=escape(data["number"]),
                               case=escape(report.unchanged[0][2])))])
    return Answer([Reply(t("Entered as case {case} in {cell}; its managers have been told.",
                           case=escape(report.created[0][2]), cell=escape(cell.name)))])


ENTRY = Conversation("problem entry", claims=claims, converse=on_text, warm=pending.warm)
ROUTES = (Route(on_problem, command="problem"), Route(on_press, prefix=PREFIX))
