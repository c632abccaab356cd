"""What the report conversation shows: one prompt per step, the summary, and the keyboards.

Every button carries `r|<draft token>|<action>|<arg>` (well under BUTTON_DATA_LIMIT): the token
ties it to one draft, and the handler checks the action against the draft's step.
"""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Key, Keyboard, Reply
from handlers.patrols import patrol_key
from models import Draft, Member, Severity
from services import grid, patrols
from services.i18n import N_, SUPPORTED, Translator, translator
from services.notices.card import BUTTON_DATA_LIMIT, Button, Buttons
from services.reports import DraftError, Duplicate, ReportStep, drafts, place
from services.settings import Category, Settings
from services.workflow import intake

PREFIX = "r"

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
    if len(packed.encode()) > BUTTON_DATA_LIMIT:
        raise ValueError(f"button data over {BUTTON_DATA_LIMIT} bytes: {packed!r}")
    return packed


def parse(raw: str) -> tuple[str, str, str] | None:
    """(token, action, arg) from callback data, or None if it is not ours or malformed."""
    parts = raw.split("|")
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    return parts[1], parts[2], parts[3]


def button(text: str, draft: Draft, action: str, arg: str | int = "") -> Button:
    return Button(text, data(draft, action, arg))


def nav_row(draft: Draft, t: Translator, *, back: bool = True) -> tuple[Button, ...]:
    row = (button(t(BACK_BUTTON), draft, "b"),) if back else ()
    return (*row, button(t(CANCEL_BUTTON), draft, "x"))


def main_keyboard(t: Translator, member: Member | None = None) -> Keyboard:
    """The persistent keyboard with the report button (and the patrol key for those who
    patrol), shown whenever no question is open."""
    return Keyboard(((Key(t(REPORT_BUTTON)), *patrol_key(member, t)),), persistent=True)


def place_keyboard(t: Translator) -> Keyboard:
    return Keyboard(
        (
            (Key(t(LOCATION_BUTTON), location=True),),
            (Key(t(MENU_BUTTON)),),
            (Key(t(BACK_BUTTON)), Key(t(CANCEL_BUTTON))),
        ),
        once=True,
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
) -> list[Reply]:
    """The question of the draft's current step."""
    step = ReportStep(draft.step)
    rules = settings.cases
    if step == ReportStep.CATEGORY:
        keys = [button(category_label(category, t.language), draft, "c", category.code)
                for category in settings.categories]
        rows = tuple(tuple(keys[i:i + 2]) for i in range(0, len(keys), 2))
        text = t("What is the problem? Choose one (🚨 alerts everyone up to the city at once).")
        return [Reply(text, (*rows, nav_row(draft, t, back=False)))]
    if step == ReportStep.PHOTOS:
        return [photos_prompt(draft, await drafts.photo_count(session, draft.id), rules.max_photos,
                              t)]
    if step == ReportStep.PLACE:
        outs = [Reply(t("Where is it? Share your location with the button below, type "
                        "coordinates like <code>30.87, 120.09</code>, or choose from a list."),
                      keyboard=place_keyboard(t))]
        exif = await drafts.exif_place(session, draft.id)
        if exif is not None:
            outs.append(await _exif_offer(session, draft, exif, locator, t))
        on_patrol = await patrols.last_point(session, draft.member_id)
        if on_patrol is not None:
            outs.append(Reply(
                t("You are on a patrol; its last point was {lat}, {lon} at {time}. Use it as "
                  "the place?", lat=format(on_patrol[0], ".5f"),
                  lon=format(on_patrol[1], ".5f"), time=on_patrol[2].astimezone(
                      ZoneInfo(settings.locale.timezone)).strftime("%H:%M")),
                ((button(t("✅ Use the patrol's last point"), draft, "pp"),),)))
        return outs
    if step == ReportStep.PLACE_SOURCE:
        sources = await grid.list_sources(session)
        rows = tuple((button(s.name, draft, "s", s.id),) for s in sources[:90])
        return [Reply(t("Which water source is it at?"), (*rows, nav_row(draft, t)))]
    if step == ReportStep.PLACE_VILLAGE:
        source_id = int(draft.extra.get("source_id") or 0)
        villages = await grid.villages_of_source(session, source_id)
        rows = tuple((button(v.name, draft, "v", v.id),) for v in villages[:90])
        outs = [Reply(t("Which village or community is it in?"), (*rows, nav_row(draft, t)))]
        if draft.extra.get("poster"):  # from a source's poster: a shared location works too
            outs.insert(0, Reply(t("Where is it? Choose the village below, or share your "
                                   "location with the button under the text field."),
                                 keyboard=place_keyboard(t)))
        return outs
    if step == ReportStep.DESCRIPTION:
        text = t.n("Describe what you see in a few words (optional, up to {count} character), "
                   "or press Skip.",
                   "Describe what you see in a few words (optional, up to {count} characters), "
                   "or press Skip.", rules.max_description)
        if draft.description:
            text += "\n\n" + t("So far: {text}", text=escape(draft.description))
        return [Reply(text, ((button(t("Skip"), draft, "ds"),), nav_row(draft, t)))]
    if step == ReportStep.SEVERITY:
        usual = settings.category(draft.category or "")
        buttons = [
            button(("✓ " if draft.severity == s else "") + t(SEVERITY_NAMES[s]), draft, "sv", s)
            for s in Severity
        ]
        text = t("How serious is it? The usual for this kind of problem is {severity}.",
                 severity=severity_name(usual.severity if usual else draft.severity, t))
        return [Reply(text, (tuple(buttons[:2]), tuple(buttons[2:]), nav_row(draft, t)))]
    # DUPLICATE asked "add to #N instead?"; coming back to it, the summary is shown again and
    # sending re-runs the duplicate check (matches may have closed meanwhile).
    return [await summary(session, draft, settings, locator, t)]


async def _exif_offer(session: AsyncSession, draft: Draft, exif: tuple[float, float],
                      locator: place.Locator, t: Translator) -> Reply:
    """The photo's GPS offered as the place, unless it would be refused (then say why)."""
    try:
        await place.check_point(session, draft, exif[0], exif[1], locator)
    except DraftError as refused:
        return Reply(point_refusal(refused, t, photo=True))
    return Reply(
        t("Your photo file says where it was taken: {lat}, {lon}. Use this place?",
          lat=format(exif[0], ".5f"), lon=format(exif[1], ".5f")),
        ((button(t("✅ Use the photo's place"), draft, "xy"),),),
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


def photos_prompt(draft: Draft, count: int, limit: int, t: Translator) -> Reply:
    text = t.n("Send 1 photo of the problem: a photo or a file (a file keeps the place where "
               "it was taken). Then press Done.",
               "Send 1 to {count} photos of the problem: photos, an album, or files (a file "
               "keeps the place where it was taken). Then press Done.", limit)
    rows: Buttons = ()
    if count:
        text += "\n\n" + t("Photos so far: {count} of {limit}.", count=count, limit=limit)
        rows = ((button(t("✅ Done"), draft, "pd"),),)
    return Reply(text, (*rows, nav_row(draft, t)))


async def summary(
    session: AsyncSession, draft: Draft, settings: Settings, locator: place.Locator,
    t: Translator,
) -> Reply:
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
    keyboard = (
        (button(t("✅ Send the report"), draft, "ok"),),
        (button(t("✏️ Edit"), draft, "ed"),
         button(t("🙈 Anonymous: {answer}", answer=t("yes") if draft.anonymous else t("no")),
                draft, "an")),
        nav_row(draft, t),
    )
    return Reply("\n".join(lines), keyboard)


def edit_menu(draft: Draft, t: Translator) -> Reply:
    steps = (ReportStep.CATEGORY, ReportStep.PHOTOS, ReportStep.PLACE, ReportStep.DESCRIPTION,
             ReportStep.SEVERITY)
    rows = tuple((button(t(STEP_NAMES[s]), draft, "e", s.value),) for s in steps)
    back = (button(t("Back to the summary"), draft, "e", ReportStep.SUMMARY.value),)
    return Reply(t("What do you want to change?"), (*rows, back))


def duplicates_view(draft: Draft, found: list[Duplicate], t: Translator) -> Reply:
    lines = [t("This may already be reported, and the report is still open:")]
    rows: list[tuple[Button, ...]] = []
    for dup in found[:3]:
        if dup.photo_match:
            why = t("a very similar photo")
        elif dup.distance_m is None:
            why = t("the same kind of problem in {village} (a place chosen from the list)",
                    village=escape(dup.village or "?"))
        else:
            why = t("the same kind of problem {metres} m away", metres=round(dup.distance_m or 0))
        lines.append(t("• {number}: {why}", number=escape(dup.number), why=why))
        rows.append((button(t("➕ Add my photos to {number}", number=dup.number), draft, "dup",
                            dup.case_id),))
    lines.append(t("Add your photos to it instead, or send a new report?"))
    rows.append((button(t("📨 Send a new report"), draft, "new"),))
    rows.append((button(t(BACK_BUTTON), draft, "b"),))
    return Reply("\n".join(lines), tuple(rows))


def resume_view(draft: Draft, photos: int, t: Translator) -> Reply:
    step = t(STEP_NAMES[ReportStep(draft.step)])
    return Reply(
        t.n("You have a report in progress (at the {step} step, {count} photo). Continue it "
            "or start over?",
            "You have a report in progress (at the {step} step, {count} photos). Continue it "
            "or start over?", photos, step=step),
        ((button(t("▶️ Continue"), draft, "rs"), button(t("🔄 Start over"), draft, "rn")),),
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
