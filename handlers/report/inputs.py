"""Answers typed, sent or shared in the report conversation: places, words, forwards, and
the end of the conversation (photos are in `photos`).

`MESSAGE_STEPS` maps each step to what it takes from a message; everything else gets a reply
saying what to send instead, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.notices.emergency import emergency_line
from handlers.report.photos import photos_step, receive_picture, take_picture
from handlers.report.turn import Turn
from handlers.report.views import (
    BACK_BUTTON,
    MENU_BUTTON,
    escape,
    labels,
    main_keyboard,
    place_line,
    point_refusal,
    refusal,
)
from models import Draft
from services.reports import DraftError, PlaceSource, ReportStep, drafts, place
from services.workflow import intake

BACK_LABELS = labels(BACK_BUTTON)
MENU_LABELS = labels(MENU_BUTTON)


async def _early_photo(turn: Turn) -> None:
    """A photo before the category is chosen (people send the picture first): keep it."""
    if turn.inbound.picture is None:
        await _buttons_only(turn)
        return
    await receive_picture(turn)


# ----- places -----
async def take_place(turn: Turn, draft: Draft, lat: float, lon: float,
                     source: PlaceSource) -> None:
    """Keep a point as the place, or say why it is refused (nothing of it is kept): outside
    every cell, offer the list; outside the village chosen from the list, ask again."""
    try:
        await place.accept_point(turn.session, draft, lat, lon, source, turn.locator, turn.now)
    except DraftError as refused:
        turn.say(point_refusal(refused, turn.t), main_keyboard(turn.t, turn.member))
        if refused.reason == "outside_grid":
            await drafts.go_to(turn.session, draft, ReportStep.PLACE_SOURCE, turn.now)
        else:
            await drafts.go_to(turn.session, draft, ReportStep.PLACE, turn.now)
        await turn.ask()
        return
    await _place_saved(turn, draft)


async def take_village(turn: Turn, draft: Draft, cell_id: int) -> None:
    try:
        await place.choose_village(turn.session, draft, cell_id, turn.now)
    except DraftError:
        turn.say(turn.t("That village is no longer in the grid. Please choose again."))
        await turn.ask()
        return
    await _place_saved(turn, draft)


async def _place_saved(turn: Turn, draft: Draft) -> None:
    preview = await intake.preview_place(turn.session, draft, turn.locator)
    turn.say(turn.t("📍 Place: {place}", place=place_line(preview, turn.t)),
             main_keyboard(turn.t, turn.member))
    await turn.advance(ReportStep.PLACE)


async def _place_step(turn: Turn) -> None:
    draft, t = turn.draft, turn.t
    assert draft is not None
    if turn.inbound.location is not None:
        lat, lon = turn.inbound.location
        await take_place(turn, draft, lat, lon, PlaceSource.LOCATION)
        return
    text = turn.inbound.words
    if text in MENU_LABELS:
        await drafts.go_to(turn.session, draft, ReportStep.PLACE_SOURCE, turn.now)
        await turn.ask()
        return
    if not text:
        await turn.ask()  # the question says how, with its keyboard
        return
    point = drafts.parse_coordinates(text)
    if point is None:
        await turn.again(t("I could not read a place in “{text}”. Please type the latitude "
                           "and the longitude like <code>30.87, 120.09</code>, share your "
                           "location, or choose from a list.", text=escape(text[:100])))
        return
    await take_place(turn, draft, point[0], point[1], PlaceSource.TYPED)


# ----- words -----
async def _description_step(turn: Turn) -> None:
    draft, t = turn.draft, turn.t
    assert draft is not None
    if not turn.inbound.text:
        await turn.again(t("Please type a few words about the problem, or press Skip."))
        return
    try:
        await drafts.set_description(turn.session, draft, turn.inbound.text, turn.now,
                                     turn.settings.cases)
    except DraftError as refused:
        turn.say(refusal(refused, t))
        return
    await turn.advance(ReportStep.DESCRIPTION)


async def _buttons_only(turn: Turn) -> None:
    if turn.inbound.picture is not None:
        turn.say(turn.t("Photos are added at the photo step. To add more, go back with the "
                        "Back button."))
        return
    await turn.again(turn.t("Please answer with the buttons of the last message."))


MESSAGE_STEPS: dict[ReportStep, Callable[[Turn], Awaitable[None]]] = {
    ReportStep.CATEGORY: _early_photo,
    ReportStep.PHOTOS: photos_step,
    ReportStep.PLACE: _place_step,
    ReportStep.PLACE_SOURCE: _place_step,
    ReportStep.PLACE_VILLAGE: _place_step,
    ReportStep.DESCRIPTION: _description_step,
    ReportStep.SEVERITY: _buttons_only,
    ReportStep.SUMMARY: _buttons_only,
    ReportStep.DUPLICATE: _buttons_only,
}


async def answer_message(turn: Turn) -> None:
    draft = turn.draft
    assert draft is not None
    if turn.inbound.words in BACK_LABELS:
        previous = drafts.previous_step(ReportStep(draft.step))
        if previous is not None:
            await drafts.go_to(turn.session, draft, previous, turn.now)
        if previous == ReportStep.PHOTOS:
            turn.say(turn.t("Back to the photos."), main_keyboard(turn.t, turn.member))
        await turn.ask()
        return
    await MESSAGE_STEPS[ReportStep(draft.step)](turn)


async def start_from_forward(turn: Turn) -> None:
    """A message forwarded to the bot starts a report prefilled with its photo and words."""
    t = turn.t
    try:
        started = await drafts.start_draft(turn.session, turn.member, str(turn.chat_id),
                                           turn.now, turn.settings.cases)
    except DraftError as refused:
        turn.say(refusal(refused, t))
        return
    turn.draft = started.draft
    words = (turn.inbound.text or turn.inbound.caption).strip()
    if words and len(words) <= turn.settings.cases.max_description:
        await drafts.set_description(turn.session, started.draft, words, turn.now,
                                     turn.settings.cases)
    if turn.inbound.picture is not None:
        await take_picture(turn)
    if turn.draft is None:
        return
    count = await drafts.photo_count(turn.session, turn.draft.id)
    turn.say(t.n("I started a report with the forwarded message ({count} photo). A few "
                 "questions and it is sent.",
                 "I started a report with the forwarded message ({count} photos). A few "
                 "questions and it is sent.", count))
    await turn.ask()


# ----- the end of the conversation -----
async def submit(turn: Turn, draft: Draft) -> None:
    t = turn.t
    try:
        result = await intake.submit_draft(turn.session, draft, turn.settings, turn.locator,
                                           turn.now)
    except DraftError as refused:
        if refused.reason == "outside_grid":
            place.forget_point(draft, turn.now)  # the grid changed under it
            await drafts.go_to(turn.session, draft, ReportStep.PLACE_SOURCE, turn.now, editing=True)
            turn.say(t("The place is outside every grid cell I know. Please choose the water "
                       "source and the village from the list."))
            await turn.ask()
        elif refused.reason == "incomplete":
            turn.say(t("The report is not complete yet."))
            await turn.ask()
        else:
            turn.say(refusal(refused, t))
        return
    turn.draft_closed = True
    turn.filed_case_id = result.case_id
    path = " › ".join(escape(name) for name in result.cell_path)
    cell = escape(result.cell_path[-1]) if result.cell_path else "—"
    lines = [t("✅ Thank you! Your report <b>{number}</b> was sent to {cell} ({path}).",
               number=result.number, cell=cell, path=path)]
    if result.emergency:  # who was reached, from the alerts queued
        lines.append(emergency_line(result.reached, t))
    if not result.notified_member_ids:
        lines.append(t("No manager is registered there yet; the administrators will route it."))
    lines.append(t("You will hear when it is accepted and when it is fixed. /mine lists your "
                   "reports."))
    turn.say("\n".join(lines), main_keyboard(t, turn.member))


async def attach(turn: Turn, draft: Draft, case_id: int) -> None:
    try:
        case = await intake.attach_to_case(turn.session, draft, case_id, turn.now)
    except DraftError as refused:
        await drafts.go_to(turn.session, draft, ReportStep.SUMMARY, turn.now)
        turn.say(refusal(refused, turn.t))
        await turn.ask()
        return
    turn.draft_closed = True
    turn.filed_case_id = case.id
    turn.say(turn.t("✅ Thank you! Your photos were added to report <b>{number}</b>.",
                    number=case.number), main_keyboard(turn.t, turn.member))
