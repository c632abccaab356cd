"""`audit export --case N`: the case's whole history as a Word document for an inspector:
every event with its time, actor, content and both hashes, the photos with their sha256, the
chain's verdict and the latest daily anchor."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, Member, Photo
from services.audit.anchors import latest_anchor
from services.audit.verify import verify_chain
from services.cases import state_label
from services.documents import heading, masthead, paragraph, table, word_bytes
from services.i18n import translator
from services.settings import Settings


@dataclass(frozen=True)
class Export:
    number: str
    docx: bytes
    events: int
    clean: bool


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S.%f")


async def export_case(session: AsyncSession, settings: Settings, case_id: int, *,
                      language: str, now: datetime) -> Export | None:
    """The document of one case (None when there is no such case)."""
    case = await session.get(Case, case_id)
    if case is None:
        return None
    t = translator(language)
    tz = ZoneInfo(settings.locale.timezone)
    category = settings.category(case.category)
    events = list(await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    names = {m.id: m.display_name for m in await session.scalars(
        select(Member).where(Member.id.in_(actor_ids)))} if actor_ids else {}
    photos = list(await session.scalars(
        select(Photo).where(Photo.case_id == case_id).order_by(Photo.id)))
    verdict = await verify_chain(session, case_id)
    anchor = await latest_anchor(session)

    doc = masthead(settings.documents.issuing_body, case.number,
                   t("Case history for inspection"))
    paragraph(doc, t("Case {number}, {category}, state {state}; exported {when}.",
                     number=case.number,
                     category=category.name(language) if category else case.category,
                     state=state_label(case.state, t), when=_when(now, tz)))
    paragraph(doc, t("Each event carries the hash of the case's event before it and its own "
                     "hash over its content (actor, time, kind, content, the sha256 of the "
                     "photos it adds): sha256 of canonical JSON."))
    if verdict.clean:
        paragraph(doc, t("The chain of this case verifies: no event was changed."), bold=True)
    else:
        paragraph(doc, t("The chain of this case does not verify from event {event} on.",
                         event=verdict.breaks[0].event_id), bold=True)
    heading(doc, t("History"))
    rows = []
    for n, e in enumerate(events, 1):
        hidden = e.kind == "reported" and case.anonymous
        actor = t("anonymous") if hidden else (
            names.get(e.actor_id, str(e.actor_id)) if e.actor_id is not None else t("the system"))
        rows.append((n, e.id, _when(e.at, tz), e.kind, actor,
                     json.dumps(e.payload, ensure_ascii=False, sort_keys=True),
                     f"{e.hash or ''}\n← {e.prev_hash or ''}"))
    table(doc, [t("Item"), t("Event"), t("Time"), t("Kind"), t("Actor"), t("Content"),
                t("Hash (and the one before)")], rows)
    heading(doc, t("Photos"))
    table(doc, [t("Item"), t("Photo"), t("Kind"), t("Received"), t("Bytes"), t("sha256")],
          [(n, p.id, p.kind, _when(p.created_at, tz), p.size_bytes, p.sha256)
           for n, p in enumerate(photos, 1)])
    if anchor is not None:
        paragraph(doc, t("Latest daily anchor: {day}, {hash} (over {cases} cases).",
                         day=anchor.day.isoformat(), hash=anchor.hash, cases=anchor.cases))
    return Export(case.number, word_bytes(doc), len(events), verdict.clean)
