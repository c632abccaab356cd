"""Every conversation, in the order Telegram's handler groups give (handlers.order), for a
channel with no dispatcher of its own (WeCom): the flood guard, the gate before a command, the
modules' routes, the conversations that hold a person, and the answers for what is left (an
old button; a message nobody asked for)."""

from __future__ import annotations

from handlers import (
    admin,
    bulletins,
    campaigns,
    cases,
    engine,
    ledger,
    link,
    meetings,
    orders,
    patrols,
    problem_entry,
    robots,
    start,
    supervision,
)
from handlers.chat import Answer, Inbound
from handlers.conversations import CONVERSATIONS
from handlers.deps import Deps
from handlers.people import gate, old_button
from handlers.route import Route
from handlers.throttle import FloodGuard

# In bot/telegram/wiring.py's MODULES order (groups have no routes in a private chat).
ROUTES: tuple[Route, ...] = (*admin.ROUTES, *start.ROUTES, *supervision.ROUTES, *orders.ROUTES,
                             *bulletins.ROUTES, *cases.ROUTES, *ledger.ROUTES,
                             *campaigns.ROUTES, *meetings.ROUTES, *problem_entry.ROUTES,
                             *robots.ROUTES, *link.ROUTES, *patrols.ROUTES)


async def dispatch(inbound: Inbound, deps: Deps, guard: FloodGuard) -> Answer | None:
    """The answer to `inbound` (None: nothing to say)."""
    verdict = guard.judge(inbound.who, press=inbound.press is not None)
    if not verdict.admit:
        return verdict.answer
    if inbound.command and inbound.who.private:
        gated = await gate(inbound, deps)
        if gated is not None:
            return gated
    await engine.warm(CONVERSATIONS, deps, inbound.who)
    for route in ROUTES:
        if route.takes(inbound):
            return await route.run(inbound, deps)
    answer = await engine.converse(CONVERSATIONS, inbound, deps)
    if answer is not None:
        return answer
    if inbound.press is not None:
        return await old_button(inbound, deps)
    return await start.on_other_message(inbound, deps)
