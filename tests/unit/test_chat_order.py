"""The update processor the bot runs with (bot.telegram.processor.ChatOrder): a slow update of
one chat holds nobody else's, one chat's updates (and one person's, across chats) finish in the
order they came, and no more than the bound run at once."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.telegram.processor import ChatOrder

GROUP = -100200


def update(n: int, user: int, chat: int | None = None) -> Update:
    chat_id = user if chat is None else chat
    return Update.de_json({"update_id": n, "message": {
        "message_id": n, "date": 0, "text": f"m{n}",
        "chat": {"id": chat_id, "type": "private" if chat is None else "supergroup"},
        "from": {"id": user, "is_bot": False, "first_name": f"U{user}"}}}, None)


class Recorder:
    def __init__(self) -> None:
        self.done: list[int] = []
        self.running = 0
        self.most = 0
        self.gates: dict[int, asyncio.Event] = {}

    async def handle(self, n: int) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            if n in self.gates:
                await self.gates[n].wait()
            else:
                await asyncio.sleep(0.01)
            self.done.append(n)
        finally:
            self.running -= 1


async def process(order: ChatOrder, rec: Recorder, *updates: Update) -> list[asyncio.Task[Any]]:
    tasks = []
    for u in updates:  # as PTB's fetcher does: one task per update, in the order they came
        tasks.append(asyncio.create_task(order.process_update(u, rec.handle(u.update_id))))
        await asyncio.sleep(0)
    return tasks


async def test_a_slow_update_of_one_chat_holds_no_other_chat() -> None:
    order, rec = ChatOrder(8), Recorder()
    rec.gates[1] = asyncio.Event()
    tasks = await process(order, rec, update(1, 11), update(2, 22), update(3, 33))
    await asyncio.wait_for(asyncio.gather(*tasks[1:]), 5)
    assert rec.done == [2, 3]  # answered while 1 still works
    rec.gates[1].set()
    await asyncio.wait_for(tasks[0], 5)
    assert order.chats_in_hand == 0  # nothing kept of chats nobody is waiting on


async def test_one_chats_updates_finish_in_the_order_they_came() -> None:
    order, rec = ChatOrder(8), Recorder()
    rec.gates[1] = asyncio.Event()
    tasks = await process(order, rec, update(1, 11), update(2, 11), update(3, 22),
                          update(4, 11))
    await asyncio.sleep(0.05)
    assert rec.done == [3]  # 2 and 4 wait for 1 of their chat; 3 did not
    rec.gates[1].set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert [n for n in rec.done if n != 3] == [1, 2, 4]


async def test_one_person_in_a_group_and_in_private_is_handled_in_order() -> None:
    order, rec = ChatOrder(8), Recorder()
    rec.gates[1] = asyncio.Event()
    tasks = await process(order, rec, update(1, 11, chat=GROUP), update(2, 11),
                          update(3, 22, chat=GROUP))
    await asyncio.sleep(0.05)
    assert rec.done == []  # 2 is the same person, 3 the same group
    rec.gates[1].set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert rec.done[0] == 1 and sorted(rec.done) == [1, 2, 3]


async def test_no_more_than_the_bound_run_at_once() -> None:
    order, rec = ChatOrder(3), Recorder()
    tasks = await process(order, rec, *(update(n, 100 + n) for n in range(20)))
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert rec.most == 3 and sorted(rec.done) == list(range(20))


async def test_an_update_cancelled_while_it_waits_is_never_begun() -> None:
    order, rec = ChatOrder(8), Recorder()
    rec.gates[1] = asyncio.Event()
    first, second = await process(order, rec, update(1, 11), update(2, 11))
    second.cancel()
    rec.gates[1].set()
    await asyncio.wait_for(first, 5)
    assert rec.done == [1] and second.cancelled()
