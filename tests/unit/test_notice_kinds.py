"""Every notice kind is a typed dataclass stored as its JSON and read back into it; rows written
before payloads had a version still load; the one writer writes the same row one at a time or
set-wise; and the Telegram transport holds Telegram's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.telegram import markup, transport
from models import Member, Outbox, Role
from models.db import SessionFactory
from services.notices import kinds as k
from services.notices.card import BUTTON_DATA_LIMIT, Button, Card, buttons_dict, shown
from services.notices.queue import Target, outbox_row, queue, queue_many
from services.settings import OutboxSettings

COLUMNS = ("kind", "platform", "chat_id", "recipient_id", "case_id", "payload", "dedupe_key",
           "state", "attempts")


def test_a_notice_is_stored_as_its_json_and_read_back_into_its_kind() -> None:
    notice = k.MemberDeactivated(7, actor_id=3, cases=("HZ-1", "HZ-2"))
    payload = k.dump(notice)
    assert payload == {"v": 1, "member_id": 7, "actor_id": 3, "cases": ("HZ-1", "HZ-2")}
    assert k.load("member_deactivated", {**payload, "cases": ["HZ-1", "HZ-2"]}) == notice
    for cls in k.KINDS.values():
        assert cls.KIND and cls.VERSION >= 1, cls


def test_rows_written_before_payloads_had_a_version_still_load() -> None:
    """As intake, the sweep and the workflow wrote them until now: no "v", plain keys."""
    assert k.load("case_new", {"case_id": 5}) == k.CaseNew(5)
    assert k.load("reminder", {"case_id": 5, "stage": "plan", "n": 2}) == k.Reminder(
        5, stage="plan", n=2)
    assert k.load("escalated", {"case_id": 5, "stage": "fix", "from_cell": 1, "to_cell": 2,
                                "level": 3}) == k.Escalated(5, stage="fix", from_cell=1,
                                                            to_cell=2, level=3)
    assert k.load("case_news", {"case_id": 5, "event": "merged", "by": 9, "into_id": 4}) \
        == k.CaseNews(5, "merged", by=9, into_id=4)
    assert k.load("digest", {"digest": {"kind": "daily"}, "part": 1, "parts": 2}) \
        == k.DigestNotice({"kind": "daily"}, part=1, parts=2)
    assert k.load("draft_expired", {"photos": 2, "hours": 24}) == k.DraftExpired(2, 24)
    # a repeat after an uncertain send, and a copy redirected to a stand-in
    old = {"case_id": 5, "maybe_duplicate": True, "uncertain": "timed out", "redirected_from": 8}
    again = k.load("case_new", old)
    assert again.maybe_duplicate and again.uncertain == "timed out"
    assert again.redirected_from == 8
    # a payload without its case id is about its row's case
    assert k.load("case_card", {}, case_id=6) == k.ReplyCard(6)


def test_a_repeat_is_marked_on_any_kind_and_only_set_marks_are_stored() -> None:
    marked = k.as_repeat({"text": "any kind, even one nobody knows"}, "lost")
    assert k.envelope(marked).maybe_duplicate and k.envelope(marked).uncertain == "lost"
    assert set(k.dump(k.CaseNew(1))) == {"v", "case_id", "rerouted", "reason"}


def test_each_kind_has_its_rule_for_an_uncertain_send() -> None:
    assert k.rule_for("digest") is k.rule_for("summary") is k.Uncertain.ASSUME
    assert k.rule_for("card_refresh") is k.rule_for("group_card") is k.Uncertain.REDO
    assert k.rule_for("case_new") is k.rule_for("no_such_kind") is k.Uncertain.REPEAT


async def test_one_row_and_many_rows_are_written_alike(session_factory: SessionFactory) -> None:
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    async with session_factory() as session:
        member = Member(platform="telegram", platform_user_id="4242", chat_id="4242",
                        role=Role.MANAGER,
                        display_name="王五", language="zh_CN")
        session.add(member)
        await session.flush()
        one = await queue(session, k.DraftExpired(photos=1, hours=24), recipient=member,
                          dedupe_key="one")
        one.next_attempt_at = one.created_at = at
        to = Target(member.platform, member.chat_id, member.id)
        row = outbox_row(k.DraftExpired(photos=1, hours=24), to, "many", at)
        await queue_many(session, [row, {**row}])  # the second: its dedupe key exists
        await session.commit()
        rows = list(await session.scalars(select(Outbox).order_by(Outbox.id)))
    assert len(rows) == 2
    first, second = ({c: getattr(r, c) for c in COLUMNS} for r in rows)
    assert first.pop("dedupe_key") == "one" and second.pop("dedupe_key") == "many"
    assert first == second
    assert first["payload"] == {"v": 1, "photos": 1, "hours": 24}


def test_telegrams_limits_are_constants_the_sender_keeps() -> None:
    assert transport.TEXT_LIMIT == 4096
    assert transport.CAPTION_LIMIT == 1024
    assert transport.CALLBACK_DATA_LIMIT == 64 >= BUTTON_DATA_LIMIT  # a Card's buttons fit
    assert transport.ALBUM_LIMIT == 10
    assert transport.PRIVATE_PER_SECOND == 1.0 and transport.GROUP_PER_MINUTE == 20
    paced = OutboxSettings()
    assert paced.private_per_second <= transport.PRIVATE_PER_SECOND
    assert paced.group_per_minute <= transport.GROUP_PER_MINUTE


def test_a_cards_buttons_become_telegrams_and_its_digest_is_the_keyboards() -> None:
    buttons = ((Button("受理", "c:12:acc:3"), Button("Reroute", "c:12:rrt:3")),)
    keyboard = markup.markup(buttons)
    assert keyboard is not None and keyboard.to_dict() == buttons_dict(buttons)
    assert markup.markup(()) is None
    assert shown(Card("x", buttons=buttons)) != shown(Card("x"))
    longest = "c:2147483647:rrt:2147483647"  # a case button: ids, never text
    assert len(longest.encode()) <= transport.CALLBACK_DATA_LIMIT
