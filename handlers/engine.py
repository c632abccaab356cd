"""One way for every conversation that holds a person between two messages (the report, a
case action's questions, an extension's reason): each keeps its state in the database and is
told by a `Conversation`. A channel's adapter learns the state once per person and process
(`warm`), asks without waiting which conversation claims a message (`claimed`), and runs the
first that does (`converse`); the order of the table (handlers/conversations.py) decides."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from handlers.chat import Answer, Inbound, Who
from handlers.deps import Deps


@dataclass(frozen=True)
class Conversation:
    """`claims` reads only what `warm` learnt (a channel's check cannot wait for the database);
    `converse` answers in one unit of work, or gives None when the state had gone after all,
    so the next conversation that claims the message may take it."""

    name: str
    claims: Callable[[Inbound, Deps], bool]
    converse: Callable[[Inbound, Deps], Awaitable[Answer | None]]
    warm: Callable[[Deps, Who], Awaitable[None]]


async def warm(conversations: Iterable[Conversation], deps: Deps, who: Who) -> None:
    for conversation in conversations:
        await conversation.warm(deps, who)


def claimed(conversations: Iterable[Conversation], inbound: Inbound, deps: Deps) -> bool:
    return any(c.claims(inbound, deps) for c in conversations)


async def converse(conversations: Iterable[Conversation], inbound: Inbound,
                   deps: Deps) -> Answer | None:
    """The answer of the first conversation that claims and takes the message."""
    for conversation in conversations:
        if conversation.claims(inbound, deps):
            answer = await conversation.converse(inbound, deps)
            if answer is not None:
                return answer
    return None
