"""The case card: HTML text (place, plan, deadline, history) and the buttons of the next legal
actions, in one language. Used by the commands, the buttons and the notice renderers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.deadlines import extension_button, order_button
from handlers.notices.emergency import emergency_line
from handlers.words import escape
from models import FILE_ID_PLATFORM, Case, CaseSource, Member, Photo
from services.cases import (
    ACTION_LABELS,
    Action,
    CaseCard,
    HistoryEntry,
    actions_for,
    case_card,
    chased,
    staff_actions,
    stamped_copy_job,
    state_label,
)
from services.deadlines import is_responsible
from services.i18n import N_, Translator, translator
from services.maps import map_url, provider_for
from services.notices.card import (
    BUTTON_DATA_LIMIT,
    Button,
    Buttons,
    Card,
    UploadJob,
    visible_length,
)
from services.orders import may_issue
from services.reports import CasePlace
from services.settings import Settings
from services.workflow import reached_for

CALLBACK_PREFIX = "c"
BUTTONS_PER_ROW = 2
HISTORY_LINES = 12
TEXT_LIMIT = 4096  # visible characters of a card: one Telegram message
MAX_PHOTOS = 10  # one album

SEVERITY_LABELS = {
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "urgent": N_("urgent"),
}
ZONE_LABELS = {
    "grade1": N_("grade I protection zone"),
    "grade2": N_("grade II protection zone"),
    "quasi": N_("quasi-protection zone"),
}
STAGE_LABELS = {
    "accept": N_("to accept"),
    "plan": N_("to plan"),
    "rectify": N_("to rectify"),
    "check": N_("to check"),
}
EVENT_LABELS = {
    "reported": N_("reported"),
    "imported": N_("entered from a problem list"),
    "accepted": N_("accepted"),
    "dispatched": N_("dispatched"),
    "planned": N_("plan set"),
    "fix_claimed": N_("fix claimed"),
    "checked": N_("fix checked"),
    "sent_back": N_("fix not accepted, sent back"),
    "closed": N_("closed"),
    "rejected": N_("rejected"),
    "rerouted": N_("rerouted"),
    "merged": N_("merged into another case"),
    "merged_in": N_("a duplicate was merged in"),
    "reopened": N_("reopened"),
    "reporter_confirmed": N_("reporter confirmed the fix"),
    "reporter_not_fixed": N_("reporter says it is not fixed"),
    "evidence_added": N_("more evidence added"),
    "escalated": N_("escalated"),
    "reminded": N_("reminder sent"),
    "extension_requested": N_("extension requested"),
    "extension_approved": N_("extension approved"),
    "extension_refused": N_("extension refused"),
    "taken_over": N_("taken over from above"),
    "handed_down": N_("handed down"),
    "handed_over": N_("handed over"),
    "notice_redirected": N_("notice passed on"),
    "supervision_order": N_("supervision order issued"),
    "supervision_order_acknowledged": N_("supervision order acknowledged"),
    "supervision_order_escalated": N_("supervision order escalated"),
    "named_in_bulletin": N_("named in supervision bulletin"),
    "supervision_order_answered": N_("supervision order answered"),
    "supervision_order_returned": N_("supervision order answer sent back"),
    "supervision_order_accepted": N_("supervision order answer accepted"),
}


NOW_WITH = frozenset({"handed_over", "notice_redirected"})  # history lines naming the holder
FIELD_LIMIT = 500  # characters of a typed plan field shown on the card


def _short(text: str | None, limit: int = FIELD_LIMIT) -> str:
    value = (text or "").strip()
    return escape(value if len(value) <= limit else value[: limit - 1] + "…")


def callback_data(case_id: int, action: Action, version: int) -> str:
    data = f"{CALLBACK_PREFIX}:{case_id}:{action.value}:{version}"
    assert len(data.encode()) <= BUTTON_DATA_LIMIT
    return data


def parse_callback(data: str | None) -> tuple[int, Action, int] | None:
    """'c:<case id>:<action>:<version>' -> its parts; None for anything else (forged or old)."""
    parts = (data or "").split(":")
    if len(parts) != 4 or parts[0] != CALLBACK_PREFIX:
        return None
    case_id, code, version = parts[1:]
    if not case_id.isdigit() or not version.isdigit():
        return None
    try:
        action = Action(code)
    except ValueError:
        return None
    return int(case_id), action, int(version)


def action_buttons(
    case_id: int,
    version: int,
    actions: list[Action],
    t: Translator,
    extra: list[Button] | None = None,
) -> Buttons:
    """The buttons of the next legal actions, then `extra` (the deadline buttons)."""
    buttons = [Button(t(ACTION_LABELS[a]), callback_data(case_id, a, version))
               for a in actions] + list(extra or [])
    return tuple(tuple(buttons[i : i + BUTTONS_PER_ROW])
                 for i in range(0, len(buttons), BUTTONS_PER_ROW))


def local_time(when: datetime, settings: Settings) -> str:
    return when.astimezone(ZoneInfo(settings.locale.timezone)).strftime("%Y-%m-%d %H:%M")


PLACE_SOURCE_LABELS = {
    "location": N_("shared location"),
    "typed": N_("typed coordinates"),
    "exif": N_("photo GPS"),
}


def place_text(place: CasePlace, t: Translator, settings: Settings) -> str:
    """The card's place line: a measured point with its map link and how it was given, or
    the village chosen from the list with an approximate map (no coordinates at all)."""
    provider = provider_for(settings.maps.provider, t.language)
    if place.point is None:
        name = escape(place.chosen or "?")
        if place.approximate is None:
            return t("Place: chosen from the list: {name}", name=name)
        url = map_url(*place.approximate, provider, name=place.chosen or "", approximate=True)
        return t("Place: chosen from the list: {name} (<a href=\"{url}\">map, approximate</a>)",
                 name=name, url=escape(url))
    lat, lon = place.point
    url = escape(map_url(lat, lon, provider))
    how = PLACE_SOURCE_LABELS.get(place.source or "")
    if how is None:
        return t("Place: <a href=\"{url}\">{lat}, {lon}</a>", url=url,
                 lat=format(lat, ".5f"), lon=format(lon, ".5f"))
    return t("Place: <a href=\"{url}\">{lat}, {lon}</a> ({how})", url=url,
             lat=format(lat, ".5f"), lon=format(lon, ".5f"), how=t(how))


def _event_line(entry: HistoryEntry, t: Translator, settings: Settings) -> str:
    what = t(EVENT_LABELS.get(entry.kind, entry.kind))
    if entry.actor_name:
        who = escape(entry.actor_name)
    else:
        who = t("anonymous") if entry.kind == "reported" else t("system")
    when = local_time(entry.at, settings)
    details = entry.details
    now_with = details.get("now_with" if entry.kind == "notice_redirected" else "assignee")
    if entry.kind in NOW_WITH and isinstance(now_with, str) and now_with:
        if entry.kind == "notice_redirected":  # who was not reached, and who has it instead
            return t("• {time} {what}: {name} not reached, now with {names} ({who})",
                     time=when, what=what, name=escape(str(details.get("from") or "?")),
                     names=escape(now_with), who=who)
        return t("• {time} {what}: now with {names} ({who})", time=when, what=what,
                 names=escape(now_with), who=who)
    for key in ("reason", "into", "cell", "to_cell", "assignee", "note", "bulletin"):
        value = details.get(key)
        if isinstance(value, str) and value.strip():
            return t("• {time} {what}: {detail} ({who})", time=when, what=what,
                     detail=escape(value.strip()[:200]), who=who)
    return t("• {time} {what} ({who})", time=when, what=what, who=who)


def _provenance(card: CaseCard, t: Translator, settings: Settings) -> str:
    """Who brought the case: the reporter, or the list a problem came from (its body, number)."""
    when = local_time(card.created_at, settings)
    if card.issue_number is None:
        reporter = escape(card.reporter_name) if card.reporter_name else t("anonymous volunteer")
        return t("Reported by {who} at {time}", who=reporter, time=when)
    number = escape(card.issue_number)
    if card.origin == CaseSource.ASSIGNED:
        return t("Assigned by {issuer} (No. {number}), listed at {time}",
                 issuer=escape(card.issuer or "—"), number=number, time=when)
    if card.issuer:
        return t("Found in the self-inspection of {issuer} (No. {number}), listed at {time}",
                 issuer=escape(card.issuer), number=number, time=when)
    return t("Found in a self-inspection (No. {number}), listed at {time}", number=number,
             time=when)


def card_text(
    card: CaseCard,
    t: Translator,
    settings: Settings,
    *,
    banner: str | None = None,
    history: bool = True,
    emergency: str | None = None,
) -> str:
    """The card as HTML; `banner` (already HTML) goes on top, after `emergency` (who an
    emergency reached). Fits a Telegram message: typed fields are capped, and the oldest
    history lines give way."""
    lines: list[str] = []
    if card.emergency:
        lines.append(emergency or t("🚨 <b>EMERGENCY</b>: every level up to the city has been "
                                    "alerted."))
    if banner:
        lines.append(banner)
    category = settings.category(card.category)
    lines.append(
        t(
            "<b>Case {number}</b> · {state}",
            number=escape(card.number),
            state=state_label(card.state, t),
        )
    )
    lines.append(
        t(
            "Category: {category} · severity: {severity}",
            category=escape(category.name(t.language) if category else card.category),
            severity=t(SEVERITY_LABELS.get(card.severity, card.severity)),
        )
    )
    lines.append(t("Grid: {path}", path=escape(" / ".join(card.cell_names))))
    if card.water_source:
        zone = t(ZONE_LABELS[card.zone]) if card.zone in ZONE_LABELS else ""
        source = escape(card.water_source) + (f" · {zone}" if zone else "")
        lines.append(t("Water source: {source}", source=source))
    lines.append(place_text(card.place, t, settings))
    if card.description:
        lines.append(t("Description: {text}", text=_short(card.description, 1000)))
    lines.append(_provenance(card, t, settings))
    if card.assignee_name:
        lines.append(t("Assigned to: {name}", name=escape(card.assignee_name)))
    if card.plan_task and card.plan_steps and card.plan_owner:
        lines.append(
            t(
                "Plan: {task}\nSteps: {steps}\nResponsible: {owner} · due {due}",
                task=_short(card.plan_task),
                steps=_short(card.plan_steps),
                owner=_short(card.plan_owner, 128),
                due=local_time(card.plan_due, settings) if card.plan_due else "",
            )
        )
    elif card.plan_task:  # a listed problem's measures, before anyone planned the work
        lines.append(t("Measures: {task}", task=_short(card.plan_task)))
        if card.plan_steps:
            lines.append(t("Progress so far: {steps}", steps=_short(card.plan_steps)))
    if card.due_at and card.stage and chased(card.state, card.stage):  # the stage chased now
        lines.append(
            t(
                "⏰ Deadline {stage}: {due}",
                stage=t(STAGE_LABELS.get(card.stage, card.stage)),
                due=local_time(card.due_at, settings),
            )
        )
    if card.escalation_level:
        lines.append(t.n("Escalated {count} level", "Escalated {count} levels",
                         card.escalation_level))
    if card.merged_into_number:
        lines.append(t("Merged into case {number}", number=escape(card.merged_into_number)))
    if card.merged_numbers:
        lines.append(
            t("Duplicates merged in: {numbers}", numbers=escape(", ".join(card.merged_numbers)))
        )
    text = "\n".join(lines)
    if not history or not card.history:
        return text
    entries = [_event_line(e, t, settings) for e in card.history]
    entries = entries[-HISTORY_LINES:]
    while entries:
        full = text + "\n\n" + t("<b>History</b>") + "\n" + "\n".join(entries)
        if visible_length(full) <= TEXT_LIMIT:
            return full
        entries = entries[1:]
    return text


async def render_card(
    session: AsyncSession,
    case_id: int,
    member: Member | None,
    settings: Settings,
    *,
    banner: str | None = None,
    history: bool = True,
    photos: bool = False,
    language: str | None = None,
) -> Card | None:
    """The card for `member` (their buttons) or, for a group chat, a manager's buttons."""
    card = await case_card(session, case_id)
    case = await session.get(Case, case_id)
    if card is None or case is None:
        return None
    t = translator(language or (member.language if member else settings.locale.default))
    actions = await actions_for(session, case, member) if member else staff_actions(case)
    extra = await deadline_buttons(session, case, member, t) if member else []
    # Photo.platform_file_id is Telegram's: anyone elsewhere gets every photo uploaded.
    by_file_id = member is None or member.platform == FILE_ID_PLATFORM
    file_ids = card.photo_file_ids[:MAX_PHOTOS] if photos and by_file_id else ()
    to_upload = card.upload_photo_ids if by_file_id else card.photo_ids
    uploads: list[UploadJob] = []  # read or made by the outbox, with no session open
    for photo_id in to_upload[: MAX_PHOTOS - len(file_ids)] if photos else ():
        photo = await session.get(Photo, photo_id)
        load = await stamped_copy_job(session, photo, settings) if photo is not None else None
        if load is not None:
            uploads.append(UploadJob(photo_id, load))
    reach = emergency_line(await reached_for(session, case), t, card=True) \
        if case.emergency else None
    return Card(
        text=card_text(card, t, settings, banner=banner, history=history, emergency=reach),
        photo_file_ids=file_ids,
        upload_jobs=tuple(uploads),
        buttons=action_buttons(card.id, card.version, actions, t, extra),
    )


async def deadline_buttons(
    session: AsyncSession, case: Case, member: Member, t: Translator
) -> list[Button]:
    """On an open case: "more time" for the member responsible for the current deadline, and
    "supervision order" for a supervisor or leader who may issue one (handlers.supervision)."""
    if not case.is_open:
        return []
    found: list[Button] = []
    if case.due_at is not None and chased(case.state, case.stage) and await is_responsible(
        session, member, case
    ):
        found.append(extension_button(case.id, t))
    if await may_issue(session, member, case):
        found.append(order_button(case.id, t))
    return found
