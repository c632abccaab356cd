"""The drill's verdict on hand-made ledgers: it fails when a person was left unheard (an alert
that reached nobody, a notice left uncertain, a press unanswered with nothing to explain it) and
does not blame the bot for a marked repeat or for a silence while it was restarting."""

from __future__ import annotations

from collections import Counter

from drill.facts import Facts, Notice, Outage, Said, Silence
from drill.verdict import judge
from drill.world import BOT_DOWN, DrillEmulator
from sandbox.telegram.emulator import DEFAULT_TOKEN
from services.i18n import translator
from services.notices.rules import REPEAT_LINE

ZH_REPEAT = translator("zh_CN")(REPEAT_LINE)  # the first line of a repeat, as sent
EN_REPEAT = translator("en")(REPEAT_LINE)

MANAGER, STAND_IN, REPORTER = 5001, 5002, 9000
CASES = {1: "HZ-2026-000001", 2: "HZ-2026-000002"}


def settled_run(**changes: object) -> Facts:
    """Two cases, each alerted to the manager, accepted, and the reporter told: all well."""
    facts = Facts(
        reports=2, cases=dict(CASES), photos=Counter({1: 1, 2: 1}),
        events=Counter({(c, kind): 1 for c in CASES for kind in ("reported", "accepted")}),
        notices=[Notice(10 + c, c, "case_new", MANAGER, "sent", message_ids=(100 + c,))
                 for c in CASES]
        + [Notice(20 + c, c, "case_accepted", REPORTER, "sent", message_ids=(200 + c,))
           for c in CASES],
        said=[Said(MANAGER, 100 + c, f"Case {n} needs a look") for c, n in CASES.items()]
        + [Said(REPORTER, 200 + c, f"Your report {n} was accepted") for c, n in CASES.items()],
        reporters=[REPORTER], managers=[MANAGER],
    )
    for key, value in changes.items():
        setattr(facts, key, value)
    return facts


def test_a_settled_run_passes() -> None:
    count = judge("SIGKILL", "sqlite", settled_run())
    assert count.ok, count.failures


def test_an_alert_that_reached_nobody_fails_even_when_its_notice_is_uncertain() -> None:
    facts = settled_run()
    facts.notices[1] = Notice(12, 2, "case_new", MANAGER, "uncertain")
    facts.said = [s for s in facts.said if "000002" not in s.text]
    facts.events[(2, "accepted")] = 0
    count = judge("SIGKILL", "sqlite", facts)
    assert not count.ok
    words = "\n".join(count.failures)
    assert "the alert of case HZ-2026-000002 reached nobody responsible" in words
    assert "left uncertain" in words


def test_an_alert_rerouted_to_a_stand_in_reached_someone() -> None:
    """The manager blocked the bot (403): the alert went to the level above instead."""
    facts = settled_run(blocked=(MANAGER,), watchers=(STAND_IN,), managers=[MANAGER])
    facts.notices[0] = Notice(11, 1, "case_new", MANAGER, "failed", last_error="403 blocked")
    facts.notices.append(Notice(31, 1, "case_new", STAND_IN, "sent",
                                payload={"redirected_from": 11}, message_ids=(301,)))
    facts.notices[1] = Notice(12, 2, "case_new", MANAGER, "failed", last_error="403 blocked")
    facts.notices.append(Notice(32, 2, "case_new", STAND_IN, "sent",
                                payload={"redirected_from": 12}, message_ids=(302,)))
    facts.said = [Said(STAND_IN, 300 + c, f"Case {n} needs a look") for c, n in CASES.items()]
    facts.said += [Said(REPORTER, 200 + c, f"Your report {n} was accepted")
                   for c, n in CASES.items()]
    count = judge("faults 10%", "sqlite", facts)
    assert count.ok, count.failures
    facts.notices = [n for n in facts.notices if n.rerouted_from is None]
    facts.said = [s for s in facts.said if s.chat != STAND_IN]
    assert not judge("faults 10%", "sqlite", facts).ok  # without the reroute: nobody heard


def test_a_failed_alert_without_a_reroute_fails() -> None:
    facts = settled_run(managers=[MANAGER, STAND_IN], blocked=(STAND_IN,))
    facts.notices[0] = Notice(11, 1, "case_new", MANAGER, "failed", last_error="500")
    facts.notices.append(Notice(40, 1, "case_new", STAND_IN, "failed", last_error="403 blocked"))
    count = judge("faults 10%", "sqlite", facts)
    assert any("failed (403 blocked) and was rerouted to nobody" in f for f in count.failures)


def test_a_failed_alert_whose_case_another_manager_has_is_made_good() -> None:
    """The cell's other manager had the alert already: no second copy is owed to them."""
    facts = settled_run(managers=[MANAGER, STAND_IN], blocked=(STAND_IN,))
    facts.notices.append(Notice(40, 1, "case_new", STAND_IN, "failed", last_error="403 blocked"))
    facts.notices.append(Notice(41, None, "deactivated", STAND_IN, "failed"))
    count = judge("faults 10%", "sqlite", facts)
    assert [f for f in count.failures if "rerouted to nobody" in f] == [
        "notice 41 (deactivated to chat 5002) failed (no error) and was rerouted to nobody"]


def test_a_notice_left_uncertain_fails_though_it_arrived() -> None:
    facts = settled_run()
    facts.notices[2] = Notice(21, 1, "case_accepted", REPORTER, "uncertain")
    count = judge("SIGKILL", "postgresql", facts)
    assert [f for f in count.failures if "left uncertain" in f]


def test_a_lost_accepted_notice_fails() -> None:
    facts = settled_run()
    facts.said = [s for s in facts.said if not (s.chat == REPORTER and "000001" in s.text)]
    count = judge("SIGKILL", "sqlite", facts)
    assert "the reporter of case HZ-2026-000001 was never told it was accepted" in count.failures


def test_a_marked_repeat_is_not_a_duplicate() -> None:
    """A repeat after an uncertain send: by its 重发 line, or by its row's maybe_duplicate."""
    facts = settled_run()
    facts.said.append(Said(MANAGER, 111, f"{ZH_REPEAT}\nCase {CASES[1]} needs a look"))
    facts.notices.append(Notice(13, 2, "case_accepted", REPORTER, "sent",
                                payload={"maybe_duplicate": True}, message_ids=(212,)))
    facts.said.append(Said(REPORTER, 212, f"Your report {CASES[2]} was accepted"))
    count = judge("SIGKILL", "sqlite", facts)
    assert count.ok, count.failures


def test_a_marked_repeat_that_is_the_only_copy_reached_its_reader() -> None:
    """The first send timed out without arriving; the repeat is all the reader got."""
    facts = settled_run()
    facts.said = [Said(s.chat, s.message_id, f"{ZH_REPEAT}\n{s.text}")
                  if "000002" in s.text else s for s in facts.said]
    count = judge("SIGKILL", "postgresql", facts)
    assert count.ok, count.failures


def test_a_marked_repeat_redrawn_by_a_press_is_still_a_marked_repeat() -> None:
    """The repeat arrived with its 重发 line, unrecorded (the bot was killed before it noted
    the send); the manager pressed it and it was redrawn as the current card."""
    facts = settled_run()
    facts.said.append(Said(MANAGER, 111, f"👤 老王：已受理\nCase {CASES[1]} accepted",
                           sent=f"{ZH_REPEAT}\nCase {CASES[1]} needs a look"))
    count = judge("SIGKILL", "postgresql", facts)
    assert count.ok, count.failures
    facts.said[-1] = Said(MANAGER, 111, f"👤 老王：已受理\nCase {CASES[1]} accepted",
                          sent=f"Case {CASES[1]} needs a look")
    assert not judge("SIGKILL", "postgresql", facts).ok  # sent unmarked: a duplicate


def test_a_repeat_marked_in_english_and_never_recorded_is_no_duplicate() -> None:
    """The drill's managers read English: a repeat whose send was cut off before its message
    id was kept is known by its English line (CI once took one for a copy)."""
    facts = settled_run()
    facts.said.append(Said(MANAGER, 111, f"{EN_REPEAT}\nCase {CASES[1]} needs a look"))
    count = judge("SIGKILL", "sqlite", facts)
    assert count.ok, count.failures
    facts.said[-1] = Said(MANAGER, 111, f"Sent again, maybe\nCase {CASES[1]} needs a look")
    assert not judge("SIGKILL", "sqlite", facts).ok  # any other first line: a copy


def test_an_unmarked_second_alert_is_a_duplicate() -> None:
    facts = settled_run()
    facts.said.append(Said(MANAGER, 111, f"Case {CASES[1]} needs a look"))
    count = judge("SIGKILL", "sqlite", facts)
    assert not count.ok
    assert any("2 copies of the alert of case HZ-2026-000001" in f for f in count.failures)


def test_many_card_edits_in_one_chat_are_no_duplicate_rows() -> None:
    facts = settled_run()
    facts.notices += [Notice(50 + n, 1, "card_refresh", MANAGER, "sent") for n in range(3)]
    assert judge("SIGKILL", "sqlite", facts).ok


def test_a_silence_during_a_restart_is_the_restarts() -> None:
    """The bot was killed at 10.0 and polled again at 14.0 (a slow start): a Continue pressed
    at 13.0 and unanswered till 16.0 is blamed on the restart, not on the bot."""
    silence = Silence(REPORTER, "press '▶️ Continue'", 13.0, 16.0, press=True)
    facts = settled_run(silences=[silence],
                        outages=[Outage("the bot was down", 10.0, 14.0)])
    count = judge("SIGKILL", "sqlite", facts)
    assert count.ok, count.failures
    assert "presses - the bot was down: 1" in count.rows[-1].note


def test_a_press_unanswered_with_the_bot_up_and_no_fault_fails() -> None:
    silence = Silence(REPORTER, "press '▶️ Continue'", 20.0, 23.0, press=True)
    facts = settled_run(silences=[silence], outages=[Outage("the bot was down", 10.0, 14.0)])
    count = judge("SIGKILL", "sqlite", facts)
    assert not count.ok
    assert any("press '▶️ Continue' went unanswered with the bot up" in f
               for f in count.failures)


def test_a_press_silenced_by_a_fault_on_its_chat_is_the_faults() -> None:
    silence = Silence(REPORTER, "press 'Accept'", 20.0, 23.0, press=True, fault=True)
    assert judge("faults 10%", "sqlite", settled_run(silences=[silence])).ok


def test_the_bot_is_down_from_its_kill_until_it_polls_again() -> None:
    """A slow restart: the drill's people count the bot as down until the new process polls,
    not only until it was started (the old counter of starts blamed the bot meanwhile)."""
    emulator = DrillEmulator(token=DEFAULT_TOKEN)
    outage = emulator.outage_begins(BOT_DOWN)
    assert emulator.down_during(outage.start + 5.0, outage.start + 8.0)  # started, not polling
    emulator.outage_ends(BOT_DOWN)
    assert outage.end is not None
    assert not emulator.down_during(outage.end + 1.0, outage.end + 4.0)
