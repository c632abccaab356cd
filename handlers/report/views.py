"""What the report conversation shows: one prompt per step, the summary, and the keyboards.

Every button carries `r|<draft token>|<action>|<arg>` (well under Telegram's 64 bytes): the
token ties it to one draft, and the handler checks the action against the draft's step.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from models import Draft, Severity
from services import grid
from services.i18n import N_, SUPPORTED, Translator, translator
from services.reports import DraftError, Duplicate, ReportStep, drafts, place
from services.settings import Category, Settings
from services.workflow import intake

PREFIX = "r"
CALLBACK_LIMIT = 64  # bytes, Telegram's bound on callback_data

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True)
class Out:
    """One message to send: HTML text and its keyboard."""

    text: str
    markup: Markup | None = None


# Reply-keyboard labels; incoming text is matched against them in every language.
REPORT_BUTTON = N_("📝 Report a problem")
LOCATION_BUTTON = N_("📍 Send my location")
MENU_BUTTON = N_("📋 Choose from a list")
BACK_BUTTON = N_("⬅️ Back")
CANCEL_BUTTON = N_("✖️ Cancel")

SEVERITY_NAMES = {
    Severity.LOW: N_("low"),
    Severity.MEDIUM: N_("medium"),
    Severity.HIGH: N_("high"),
    Severity.URGENT: N_("urgent"),
}
ZONE_NAMES = {
    "grade1": N_("grade I protection zone"),
    "grade2": N_("grade II protection zone"),
    "quasi": N_("quasi-protection zone"),
}
STEP_NAMES = {
    ReportStep.CATEGORY: N_("category"),
    ReportStep.PHOTOS: N_("photos"),
    ReportStep.PLACE: N_("place"),
    ReportStep.PLACE_SOURCE: N_("place"),
    ReportStep.PLACE_VILLAGE: N_("place"),
    ReportStep.DESCRIPTION: N_("description"),
    ReportStep.SEVERITY: N_("severity"),
    ReportStep.SUMMARY: N_("summary"),
    ReportStep.DUPLICATE: N_("summary"),
}


def labels(msgid: str) -> frozenset[str]:
    """A reply-keyboard label in every language we speak."""
    return frozenset(translator(language)(msgid) for language in SUPPORTED)


def data(draft: Draft, action: str, arg: str | int = "") -> str:
    packed = f"{PREFIX}|{drafts.draft_token(draft)}|{action}|{arg}"
    if len(packed.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_LIMIT} bytes: {packed!r}")
    return packed


def parse(raw: str) -> tuple[str, str, str] | None:
    """(token, action, arg) from callback data, or None if it is not ours or malformed."""
    parts = raw.split("|")
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    return parts[1], parts[2], parts[3]


def button(text: str, draft: Draft, action: str, arg: str | int = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data(draft, action, arg))


def nav_row(draft: Draft, t: Translator, *, back: bool = True) -> list[InlineKeyboardButton]:
    row = [button(t(BACK_BUTTON), draft, "b")] if back else []
    return [*row, button(t(CANCEL_BUTTON), draft, "x")]


def main_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    """The persistent keyboard with the report button, shown whenever no question is open."""
    return ReplyKeyboardMarkup([[KeyboardButton(t(REPORT_BUTTON))]], resize_keyboard=True,
                               is_persistent=True)


def place_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(t(LOCATION_BUTTON), request_location=True)],
            [KeyboardButton(t(MENU_BUTTON))],
            [KeyboardButton(t(BACK_BUTTON)), KeyboardButton(t(CANCEL_BUTTON))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def category_label(category: Category, language: str) -> str:
    name = category.name(language)
    return f"🚨 {name}" if category.emergency else name


def severity_name(value: str | None, t: Translator) -> str:
    return t(SEVERITY_NAMES[Severity(value)]) if value else "—"


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def place_line(preview: intake.PlacePreview, t: Translator) -> str:
    """'湖州市 › 吴兴区 › 妙西镇 › 妙西东北村', then '💧 老虎潭水库 · 一级保护区'."""
    text = " › ".join(escape(name) for name in preview.cell_path)
    if preview.chosen:
        text = t("chosen from the list: {path}", path=text)
    if preview.water_source:
        zone = f" · {t(ZONE_NAMES[preview.zone])}" if preview.zone in ZONE_NAMES else ""
        text += f"\n💧 {escape(preview.water_source)}{zone}"
    return text


async def prompt(
    session: AsyncSession, draft: Draft, settings: Settings, locator: place.Locator,
    t: Translator,
) -> list[Out]:
    """The question of the draft's current step."""
    step = ReportStep(draft.step)
    rules = settings.cases
    if step == ReportStep.CATEGORY:
        rows: list[list[InlineKeyboardButton]] = []
        for index, category in enumerate(settings.categories):
            if index % 2 == 0:
                rows.append([])
            rows[-1].append(button(category_label(category, t.language), draft, "c",
                                   category.code))
        rows.append(nav_row(draft, t, back=False))
        text = t("What is the problem? Choose one (🚨 alerts everyone up to the city at once).")
        return [Out(text, InlineKeyboardMarkup(rows))]
    if step == ReportStep.PHOTOS:
        return [photos_prompt(draft, await drafts.photo_count(session, draft.id), rules.max_photos,
                              t)]
    if step == ReportStep.PLACE:
        outs = [Out(t("Where is it? Share your location with the button below, type coordinates "
                      "like <code>30.87, 120.09</code>, or choose from a list."),
                    place_keyboard(t))]
        exif = await drafts.exif_place(session, draft.id)
        if exif is not None:
            outs.append(await _exif_offer(session, draft, exif, locator, t))
        return outs
    if step == ReportStep.PLACE_SOURCE:
        sources = await grid.list_sources(session)
        rows = [[button(s.name, draft, "s", s.id)] for s in sources[:90]]
        rows.append(nav_row(draft, t))
        return [Out(t("Which water source is it at?"), InlineKeyboardMarkup(rows))]
    if step == ReportStep.PLACE_VILLAGE:
        source_id = int(draft.extra.get("source_id") or 0)
        villages = await grid.villages_of_source(session, source_id)
        rows = [[button(v.name, draft, "v", v.id)] for v in villages[:90]]
        rows.append(nav_row(draft, t))
        outs = [Out(t("Which village or community is it in?"), InlineKeyboardMarkup(rows))]
        if draft.extra.get("poster"):  # from a source's poster: a shared location works too
            outs.insert(0, Out(t("Where is it? Choose the village below, or share your location "
                                 "with the button under the text field."), place_keyboard(t)))
        return outs
    if step == ReportStep.DESCRIPTION:
        text = t.n("Describe what you see in a few words (optional, up to {count} character), "
                   "or press Skip.",
                   "Describe what you see in a few words (optional, up to {count} characters), "
                   "or press Skip.", rules.max_description)
        if draft.description:
            text += "\n\n" + t("So far: {text}", text=escape(draft.description))
        return [Out(text, InlineKeyboardMarkup([[button(t("Skip"), draft, "ds")],
                                                nav_row(draft, t)]))]
    if step == ReportStep.SEVERITY:
        usual = settings.category(draft.category or "")
        buttons = [
            button(("✓ " if draft.severity == s else "") + t(SEVERITY_NAMES[s]), draft, "sv", s)
            for s in Severity
        ]
        text = t("How serious is it? The usual for this kind of problem is {severity}.",
                 severity=severity_name(usual.severity if usual else draft.severity, t))
        return [Out(text, InlineKeyboardMarkup([buttons[:2], buttons[2:], nav_row(draft, t)]))]
    # DUPLICATE asked "add to #N instead?"; coming back to it, the summary is shown again and
    # sending re-runs the duplicate check (matches may have closed meanwhile).
    return [await summary(session, draft, settings, locator, t)]


async def _exif_offer(session: AsyncSession, draft: Draft, exif: tuple[float, float],
                      locator: place.Locator, t: Translator) -> Out:
    """The photo's GPS offered as the place, unless it would be refused (then say why)."""
    try:
        await place.check_point(session, draft, exif[0], exif[1], locator)
    except DraftError as refused:
        return Out(point_refusal(refused, t, photo=True))
    return Out(
        t("Your photo file says where it was taken: {lat}, {lon}. Use this place?",
          lat=format(exif[0], ".5f"), lon=format(exif[1], ".5f")),
        InlineKeyboardMarkup([[button(t("✅ Use the photo's place"), draft, "xy")]]),
    )


def point_refusal(refused: DraftError, t: Translator, *, photo: bool = False) -> str:
    """Why a point (`photo`: the GPS of a photo file) is not kept as the place: "outside_grid"
    or "outside_chosen"."""
    where = {"lat": format(refused.values["lat"], ".5f"),
             "lon": format(refused.values["lon"], ".5f")}
    if refused.reason == "outside_chosen":
        names = {"cell": escape(refused.values["cell"]),
                 "found": escape(refused.values["found"] or "?")}
        if photo:
            return t("Your photo file says it was taken at {lat}, {lon}, in {found}, not in "
                     "{cell}, which you chose from the list, so I cannot use it. Please share "
                     "or type a point inside {cell}, or choose again from the list.",
                     **names, **where)
        return t("That place ({lat}, {lon}) is in {found}, not in {cell}, which you chose from "
                 "the list, so I did not keep it. Please share or type a point inside {cell}, "
                 "or choose again from the list.", **names, **where)
    if photo:
        return t("Your photo file says it was taken at {lat}, {lon}, outside every grid cell I "
                 "know, so I cannot use it. Please share your location, type coordinates, or "
                 "choose the water source and the village from the list.", **where)
    return t("That place ({lat}, {lon}) is outside every grid cell I know, so I did not keep "
             "it. Please choose the water source and the village from the list instead.",
             **where)


def photos_prompt(draft: Draft, count: int, limit: int, t: Translator) -> Out:
    text = t.n("Send 1 photo of the problem: a photo or a file (a file keeps the place where "
               "it was taken). Then press Done.",
               "Send 1 to {count} photos of the problem: photos, an album, or files (a file "
               "keeps the place where it was taken). Then press Done.", limit)
    rows = []
    if count:
        text += "\n\n" + t("Photos so far: {count} of {limit}.", count=count, limit=limit)
        rows.append([button(t("✅ Done"), draft, "pd")])
    rows.append(nav_row(draft, t))
    return Out(text, InlineKeyboardMarkup(rows))


async def summary(
    session: AsyncSession, draft: Draft, settings: Settings, locator: place.Locator,
    t: Translator,
) -> Out:
    category = settings.category(draft.category or "")
    preview = await intake.preview_place(session, draft, locator)
    count = await drafts.photo_count(session, draft.id)
    lines = [
        t("<b>Your report</b> (please check it)"),
        t("Category: {name}", name=escape(category_label(category, t.language))
          if category else "—"),
        t("Photos: {count}", count=count),
        t("Place: {place}", place=place_line(preview, t) if preview.cell_path else "—"),
        t("Description: {text}", text=escape(draft.description) if draft.description else "—"),
        t("Severity: {severity}", severity=severity_name(draft.severity, t)),
        t("Anonymous to the managers: {answer}", answer=t("yes") if draft.anonymous else t("no")),
    ]
    if preview.zone == "grade1":
        lines.append(t("Inside a grade I zone, the report is treated one level more serious."))
    keyboard = InlineKeyboardMarkup([
        [button(t("✅ Send the report"), draft, "ok")],
        [button(t("✏️ Edit"), draft, "ed"),
         button(t("🙈 Anonymous: {answer}", answer=t("yes") if draft.anonymous else t("no")),
                draft, "an")],
        nav_row(draft, t),
    ])
    return Out("\n".join(lines), keyboard)


def edit_menu(draft: Draft, t: Translator) -> Out:
    steps = (ReportStep.CATEGORY, ReportStep.PHOTOS, ReportStep.PLACE, ReportStep.DESCRIPTION,
             ReportStep.SEVERITY)
    rows = [[button(t(STEP_NAMES[s]), draft, "e", s.value)] for s in steps]
    rows.append([button(t("Back to the summary"), draft, "e", ReportStep.SUMMARY.value)])
    return Out(t("What do you want to change?"), InlineKeyboardMarkup(rows))


def duplicates_view(draft: Draft, found: list[Duplicate], t: Translator) -> Out:
    lines = [t("This may already be reported, and the report is still open:")]
    rows = []
    for dup in found[:3]:
        if dup.photo_match:
            why = t("a very similar photo")
        elif dup.distance_m is None:
            why = t("the same kind of problem in {village} (a place chosen from the list)",
                    village=escape(dup.village or "?"))
        else:
            why = t("the same kind of problem {metres} m away", metres=round(dup.distance_m or 0))
        lines.append(t("• {number}: {why}", number=escape(dup.number), why=why))
        rows.append([button(t("➕ Add my photos to {number}", number=dup.number), draft, "dup",
                            dup.case_id)])
    lines.append(t("Add your photos to it instead, or send a new report?"))
    rows.append([button(t("📨 Send a new report"), draft, "new")])
    rows.append([button(t(BACK_BUTTON), draft, "b")])
    return Out("\n".join(lines), InlineKeyboardMarkup(rows))


def resume_view(draft: Draft, photos: int, t: Translator) -> Out:
    step = t(STEP_NAMES[ReportStep(draft.step)])
    return Out(
        t.n("You have a report in progress (at the {step} step, {count} photo). Continue it "
            "or start over?",
            "You have a report in progress (at the {step} step, {count} photos). Continue it "
            "or start over?", photos, step=step),
        InlineKeyboardMarkup([[button(t("▶️ Continue"), draft, "rs"),
                               button(t("🔄 Start over"), draft, "rn")]]),
    )


def refusal(refused: DraftError, t: Translator) -> str:
    """What a reporter is told when the draft refuses an answer."""
    values = refused.values
    if refused.reason == "rate_limited":
        return t.n("You have sent {count} report in the last hour, the most allowed. Thank "
                   "you! Please send the next one a little later.",
                   "You have sent {count} reports in the last hour, the most allowed. Thank "
                   "you! Please send the next one a little later.", int(values["limit"]))
    if refused.reason == "too_many_photos":
        return t.n("This report already has {count} photo, the most it can take. Press Done "
                   "to go on.",
                   "This report already has {count} photos, the most it can take. Press Done "
                   "to go on.", int(values["limit"]))
    if refused.reason == "already_have_photo":
        return t("This report already has that photo; it is kept once.")
    if refused.reason == "too_long":
        return t.n("That description has {count} character; at most {limit} fit. Please "
                   "shorten it and send it again.",
                   "That description has {count} characters; at most {limit} fit. Please "
                   "shorten it and send it again.", int(values["length"]), limit=values["limit"])
    if refused.reason == "case_closed":
        return t("That report has been closed in the meantime. Please send yours as a new "
                 "report.")
    return t("That did not work. Please try again.")
