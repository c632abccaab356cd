"""The notice of an issued supervision bulletin (督查通报), to a manager of a cell it names or
that cell's group: the number, the period, the cases of the cell, and the buttons to acknowledge
it and to get its document again (handled by handlers.bulletins); the .docx goes with it,
built in a thread once the render session is closed."""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.render import notice_translator
from handlers.words import escape
from models import Bulletin, BulletinRecipient, BulletinState, Member, Outbox
from services.bulletins import build_docx, document_of, file_name, named_for
from services.i18n import Translator
from services.notices.card import Button, Buttons, Card, Document, in_thread
from services.notices.kinds import BulletinNotice
from services.settings import Settings

PREFIX = "bl:"
LISTED = 20  # case numbers named in the notice; the document has them all


def ack_button(bulletin_id: int, t: Translator) -> Button:
    return Button(t("Acknowledge"), f"{PREFIX}ack:{bulletin_id}")


def document_button(bulletin_id: int, t: Translator) -> Button:
    return Button(t("Get the document"), f"{PREFIX}doc:{bulletin_id}")


async def render_bulletin(
    session: AsyncSession, notice: BulletinNotice, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    bulletin = await session.get(Bulletin, notice.bulletin_id)
    if bulletin is None or bulletin.state != BulletinState.ISSUED:
        return None
    t = notice_translator(member, settings)
    tz = ZoneInfo(settings.locale.timezone)
    mine = None
    if member is not None:
        mine = await session.get(BulletinRecipient, (bulletin.id, member.id))
    numbers = await named_for(session, bulletin.id, member)
    shown = ", ".join(escape(n) for n in numbers[:LISTED])
    if len(numbers) > LISTED:
        shown += " …"
    text = "\n".join([
        "<b>" + t("Supervision bulletin {number}", number=escape(bulletin.number or "")) + "</b>",
        escape(settings.documents.issuing_body),
        t("Period: {start} to {end}",
          start=bulletin.period_start.astimezone(tz).strftime("%Y-%m-%d"),
          end=bulletin.period_end.astimezone(tz).strftime("%Y-%m-%d")),
        t.n("It names {count} case: {numbers}", "It names {count} cases: {numbers}",
            len(numbers), numbers=shown),
        t("Please read the document and acknowledge the bulletin."),
    ])
    buttons: Buttons = ((document_button(bulletin.id, t),),)
    if mine is None or mine.acknowledged_at is None:
        buttons = ((ack_button(bulletin.id, t), document_button(bulletin.id, t)),)
    data = await document_of(session, bulletin, settings, t)
    return Card(text, buttons=buttons,
                document=Document(file_name(data), in_thread(partial(build_docx, data))))
