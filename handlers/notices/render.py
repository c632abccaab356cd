"""Notice renderers' common ground: a notice (a kind of services/notices/kinds.py) and its row
in, a channel-neutral Card (services/notices/card.py) out; the table of which renderer draws
which kind is handlers/notices/table.py. No renderer knows which chat carries its Card.

Renderers render in the recipient's language at send time, so a notice queued in one language
is never stale; a None result drops the notice.
"""

from __future__ import annotations

from models import Member
from services.i18n import Translator, translator
from services.settings import Settings


def notice_translator(member: Member | None, settings: Settings) -> Translator:
    """The recipient's language; a notice to a group (no member) uses the default one."""
    return translator(member.language if member else settings.locale.default)
