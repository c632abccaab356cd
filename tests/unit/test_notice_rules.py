"""Every kind of notice the bot sends says what becomes of it when a send is uncertain, and
README.md's table "When a send is uncertain" says the same."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.notices import RENDERERS, UNSENT
from services.notices.kinds import KINDS, RULES
from services.notices.rules import Uncertain

ROOT = Path(__file__).resolve().parents[2]
WORDS = {"taken as sent": Uncertain.ASSUME, "done again": Uncertain.REDO,
         "sent again": Uncertain.REPEAT}


def kinds_in_use() -> set[str]:
    """The kinds the bot renders, and the recorded reply card."""
    return {kind.KIND for kind in RENDERERS} | {kind.KIND for kind in UNSENT}


def readme_rules() -> dict[str, Uncertain]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split(
        "**When a send is uncertain.**", 1)[1]
    table: dict[str, Uncertain] = {}
    for line in section.split("\n\n**", 1)[0].splitlines():
        if not line.startswith("| ") or line.startswith("| notices"):
            continue
        _what, kinds, rule = (cell.strip() for cell in line.strip().strip("|").split("|"))
        (said,) = [value for words, value in WORDS.items() if rule.startswith(words)]
        for kind in re.findall(r"`([a-z_]+)`", kinds):
            assert kind not in table, f"{kind} is twice in the README's table"
            table[kind] = said
    return table


def test_every_kind_in_use_has_its_own_rule_and_no_rule_is_left_over() -> None:
    assert sorted(kinds_in_use() - RULES.keys()) == []
    assert sorted(RULES.keys() - kinds_in_use()) == []


def test_the_renderer_table_covers_every_kind_and_nothing_else() -> None:
    """Every kind has its renderer in the one table (a reply card is never sent by the
    outbox), and every renderer in it draws a kind that exists."""
    assert set(RENDERERS) | UNSENT == set(KINDS.values())
    assert not set(RENDERERS) & UNSENT


def test_digests_are_never_sent_twice_edits_are_redone_and_case_alerts_repeated() -> None:
    assert RULES["digest"] is RULES["summary"] is Uncertain.ASSUME
    assert RULES["card_refresh"] is Uncertain.REDO
    assert RULES["case_new"] is RULES["group_case"] is Uncertain.REPEAT


def test_the_readme_table_says_what_the_rule_table_holds() -> None:
    assert readme_rules() == RULES
