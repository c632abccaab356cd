"""A card button's label as WeCom advises (at most ten 字, a Latin letter half of one): English
labels keep their words instead of being cut after ten letters, Chinese ones stay whole when
they fit, and a long one loses whole words under an ellipsis."""

from __future__ import annotations

from bot.wecom.answer import card_of
from bot.wecom.limits import width, within_width
from services.notices.card import Button


def test_english_labels_are_not_cut_inside_a_word() -> None:
    card = card_of("What is the problem?", (Button("Dumped garbage", "r|1|c|garbage"),
                                            Button("Swimming or fishing", "r|1|c|swim")))
    assert [b["text"] for b in card["button_list"]] == ["Dumped garbage", "Swimming or fishing"]


def test_a_label_too_wide_loses_whole_words_under_an_ellipsis() -> None:
    assert within_width("🚨 Abnormal water (colour, smell)") == "🚨 Abnormal water…"
    assert within_width("设施损坏(围栏/标牌)") == "设施损坏(围栏/标牌)"  # 9.5 wide: whole
    cut = within_width("🚨 水质异常(变色/异味/死鱼)")
    assert cut.endswith("…") and width(cut) <= 10
