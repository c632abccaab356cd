"""Somebody always hears: an alert a manager cannot get (they blocked the bot, their chat is
gone, or it failed for good) goes to the cell's other manager, else the township; the case says
who has it now; the member is marked unreachable, and told on their return what they missed.
Through the real bot and the sandbox, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.telegram.outbox import drain_once
from models import Case, CaseEvent, Member, MemberEvent, Outbox, OutboxState, Role
from services.grid import cell_by_code
from services.notices.kinds import CaseNew
from services.notices.queue import queue
from tests.support.harness import SimUser, TelegramHarness
from tests.support.outbox import make_due, texts
from tests.support.report_world import TOWNSHIP, VILLAGE, add_manager, deps

LI, ZHAO, CHEN = 601, 602, 603  # two village managers and the township's


async def managers(h: TelegramHarness, *people: tuple[int, str, str], language: str = "en"
                   ) -> list[SimUser]:
    """Managers (user id, name, cell code) who have started the bot."""
    users = []
    for uid, name, cell in people:
        await add_manager(deps(h).sessions, uid, name, cell, Role.MANAGER)
        async with deps(h).sessions() as s:
            await s.execute(update(Member).where(Member.platform_user_id == str(uid))
                            .values(language=language))
            await s.commit()
        user = h.user(name, language_code=language, user_id=uid)
        await h.send_text(user, "/start")
        users.append(user)
    return users


async def a_case(h: TelegramHarness, number: str, assignee: int | None = None,
                 state: str = "submitted") -> int:
    async with deps(h).sessions() as s:
        cell = await cell_by_code(s, VILLAGE)
        assert cell is not None
        holder = await member(h, assignee) if assignee else None
        case = Case(number=number, category="garbage", severity="high", lat=30.8, lon=119.9,
                    origin_cell_id=cell.id, cell_id=cell.id, state=state,
                    assignee_id=holder.id if holder else None)
        s.add(case)
        await s.commit()
        return case.id


async def member(h: TelegramHarness, uid: int) -> Member:
    async with deps(h).sessions() as s:
        found = await s.scalar(select(Member).where(Member.platform_user_id == str(uid)))
        assert found is not None
        return found


async def alert(h: TelegramHarness, case_id: int, *uids: int) -> list[int]:
    """The case's alert (case_new) queued for these managers, as a filed report queues it."""
    ids = []
    async with deps(h).sessions() as s:
        for uid in uids:
            notice = await queue(s, CaseNew(case_id), recipient=await member(h, uid),
                                 dedupe_key=f"case_new:{case_id}:{uid}")
            ids.append(notice.id)
        await s.commit()
    return ids


async def drain(h: TelegramHarness, times: int = 3) -> None:
    for _ in range(times):
        await drain_once(h.app, deps(h))


async def events(h: TelegramHarness, case_id: int, kind: str) -> list[CaseEvent]:
    async with deps(h).sessions() as s:
        return list(await s.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == kind).order_by(CaseEvent.id)))


async def standing(h: TelegramHarness, uid: int) -> list[str]:
    """The member's standing events (unreachable, reachable, ...), oldest first."""
    found = await member(h, uid)
    async with deps(h).sessions() as s:
        return list(await s.scalars(select(MemberEvent.kind).where(
            MemberEvent.member_id == found.id).order_by(MemberEvent.id)))


async def holder(h: TelegramHarness, case_id: int) -> Member | None:
    async with deps(h).sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        return await s.get(Member, case.assignee_id) if case.assignee_id else None


async def history(h: TelegramHarness, user: SimUser, number: str) -> str:
    await h.send_text(user, f"/case {number}")
    return str(h.last_message(user).get("text") or h.last_message(user).get("caption"))


async def test_a_403_on_an_alert_reroutes_it_to_the_other_manager_and_the_case_says_so(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li, zhao, chen = await managers(h, (LI, "Li", VILLAGE), (ZHAO, "Zhao", VILLAGE),
                                    (CHEN, "Chen", TOWNSHIP))
    case_id = await a_case(h, "SY-2026-000101")
    (notice,) = await alert(h, case_id, LI)  # only Li was alerted (say Zhao joined later)
    h.emulator.faults.add("blocked", chat_id=li.id)
    await drain(h)
    async with deps(h).sessions() as s:
        refused = await s.get(Outbox, notice)
        assert refused is not None and refused.state == OutboxState.FAILED
    (card,) = texts(h, zhao)  # the other manager of the village; the township not at all
    assert "Case SY-2026-000101" in card and texts(h, chen) == []
    (moved,) = await events(h, case_id, "notice_redirected")
    assert moved.payload["now_with"] == "Zhao"
    assert "notice passed on: Li not reached, now with Zhao" in await history(
        h, zhao, "SY-2026-000101")
    assert (await member(h, LI)).active is False
    assert await standing(h, LI) == ["unreachable"]


async def test_an_alert_the_other_manager_had_already_still_says_who_has_the_case(
    bot_harness: TelegramHarness,
) -> None:
    """The drill's case: both village managers alerted, one blocked: no second copy for the
    other, and the case records that it is with them (it counted as "not rerouted")."""
    h = bot_harness
    li, zhao = await managers(h, (LI, "Li", VILLAGE), (ZHAO, "Zhao", VILLAGE))
    case_id = await a_case(h, "SY-2026-000102")
    await alert(h, case_id, LI, ZHAO)
    h.emulator.users.block_bot(li.id)
    h.emulator.take_updates()  # the bot was down when they blocked it: only the 403 tells
    await drain(h)
    assert len(texts(h, zhao)) == 1  # once
    (moved,) = await events(h, case_id, "notice_redirected")
    assert (moved.payload["now_with"], moved.payload["to_member_ids"]) == ("Zhao", [])


async def test_with_nobody_left_in_the_cell_the_township_gets_the_case(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li, chen = await managers(h, (LI, "Li", VILLAGE), (CHEN, "Chen", TOWNSHIP))
    case_id = await a_case(h, "SY-2026-000103")
    await alert(h, case_id, LI)
    h.emulator.faults.add("blocked", chat_id=li.id)
    await drain(h)
    (card,) = texts(h, chen)  # the case handed over, which stands for the alert
    assert card.startswith("📥 Handed over to you: Li could not be reached")
    now = await holder(h, case_id)
    assert now is not None and now.display_name == "Chen" and now.active
    (handed,) = await events(h, case_id, "handed_over")
    assert handed.payload["reason"] == "unreachable"
    assert "handed over: now with Chen" in await history(h, chen, "SY-2026-000103")


async def test_a_case_never_stays_with_only_unreachable_people(
    bot_harness: TelegramHarness,
) -> None:
    """Blocking the bot in the private chat (my_chat_member "kicked") is enough: no send has
    to fail first. The case moves on each time its holder becomes unreachable."""
    h = bot_harness
    li, zhao, _chen = await managers(h, (LI, "Li", VILLAGE), (ZHAO, "Zhao", VILLAGE),
                                     (CHEN, "Chen", TOWNSHIP))
    case_id = await a_case(h, "SY-2026-000104", assignee=LI, state="accepted")
    for blocker, next_holder in ((li, "Zhao"), (zhao, "Chen")):
        h.emulator.users.block_bot(blocker.id)
        await h.flush()  # the my_chat_member update
        now = await holder(h, case_id)
        assert now is not None and now.display_name == next_holder and now.active
    assert await standing(h, LI) == ["unreachable"] == await standing(h, ZHAO)


async def test_chat_not_found_is_handled_like_a_403(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    h.fail_on_refusal = False  # Telegram's 400 "chat not found" is the point here
    _li, zhao = await managers(h, (LI, "Li", VILLAGE), (ZHAO, "Zhao", VILLAGE))
    async with deps(h).sessions() as s:  # the account was deleted: its chat is gone
        await s.execute(update(Member).where(Member.platform_user_id == str(LI))
                        .values(chat_id="777000111"))
        await s.commit()
    case_id = await a_case(h, "SY-2026-000105")
    await alert(h, case_id, LI)
    await drain(h)
    assert len(texts(h, zhao)) == 1
    assert (await member(h, LI)).active is False
    assert await standing(h, LI) == ["unreachable"]


async def test_an_alert_that_failed_for_good_goes_to_the_other_manager(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li, zhao = await managers(h, (LI, "Li", VILLAGE), (ZHAO, "Zhao", VILLAGE))
    case_id = await a_case(h, "SY-2026-000106")
    (notice,) = await alert(h, case_id, LI)
    async with deps(h).sessions() as s:  # its last attempt is next
        await s.execute(update(Outbox).where(Outbox.id == notice).values(
            attempts=deps(h).settings.outbox.max_attempts - 1))
        await s.commit()
    h.emulator.faults.add("server_error", chat_id=li.id)
    await drain(h)
    assert len(texts(h, zhao)) == 1
    (moved,) = await events(h, case_id, "notice_redirected")
    assert moved.payload["why"] == "failed"
    assert (await member(h, LI)).active is True  # not refused: the next one may reach them


async def test_the_member_who_blocked_is_told_on_their_return(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li, _zhao = await managers(h, (LI, "Li", VILLAGE), (ZHAO, "Zhao", VILLAGE))
    held = await a_case(h, "SY-2026-000107", assignee=LI, state="accepted")
    fresh = await a_case(h, "SY-2026-000108")
    h.emulator.users.block_bot(li.id)
    h.emulator.take_updates()  # unseen: the first send tells
    await alert(h, fresh, LI)
    await drain(h)
    await alert(h, await a_case(h, "SY-2026-000109"), LI)  # queued while they are away
    await drain(h)
    h.emulator.users.block_bot(li.id, blocked=False)
    await make_due(h)
    await h.send_text(li, "/start")
    told = str(h.last_message(li)["text"])
    assert "While I could not reach you (since " in told
    assert "2 notices did not reach you" in told
    assert "The case you held went to another member: SY-2026-000107 (now with Zhao)." in told
    assert (await member(h, LI)).active is True
    assert await standing(h, LI) == ["unreachable", "reachable"]
    now = await holder(h, held)
    assert now is not None and now.display_name == "Zhao"  # not given back behind his back
    await h.send_text(li, "/start")  # told once
    assert "could not reach you" not in str(h.last_message(li)["text"])


async def test_the_return_is_told_in_the_members_language(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li, _zhao = await managers(h, (LI, "李", VILLAGE), (ZHAO, "赵", VILLAGE), language="zh_CN")
    await a_case(h, "SY-2026-000110", assignee=LI, state="accepted")
    h.emulator.users.block_bot(li.id)
    await h.flush()
    h.emulator.users.block_bot(li.id, blocked=False)
    await h.send_text(li, "/start")
    told = str(h.last_message(li)["text"])
    assert told.startswith("自 ") and "起直到现在，我一直无法联系到您。" in told
    assert "您承办的 1 件案件已转给他人：SY-2026-000110（现由赵负责）。" in told
