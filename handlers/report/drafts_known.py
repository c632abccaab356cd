"""Who has an open report draft, as this process knows it: learnt once per person from the
database (`warm`, so a restart loses nothing) and kept by every turn, so that the report can
claim a message without waiting for the database."""

from __future__ import annotations

from handlers.chat import Who
from handlers.deps import Deps
from services.reports import drafts


def _key(who: Who) -> str:
    return f"{who.channel}:{who.user_id}"


def has_draft(deps: Deps, who: Who) -> bool:
    return deps.drafts.get(_key(who), False)


def note_draft(deps: Deps, who: Who, open_draft: bool) -> None:
    deps.drafts[_key(who)] = open_draft


async def warm(deps: Deps, who: Who) -> None:
    if not who.private or _key(who) in deps.drafts:
        return
    async with deps.sessions() as session:
        _, draft = await drafts.member_and_draft(session, who.channel, who.user_id)
    deps.drafts[_key(who)] = draft is not None
