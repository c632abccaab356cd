"""What a Chinese reader must not meet in a message: half-width punctuation beside Chinese, and
a bracket or quote without its partner. Read by the catalogue tests and the chat tests alike."""

from __future__ import annotations

import re

CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
HALF_WIDTH_BESIDE_CJK = re.compile(rf"(?<=[{CJK}])[?!,:;()]|[?!,:;()](?=[{CJK}])")
PAIRS = {"）": "（", ")": "(", "】": "【", "》": "《", "”": "“", "」": "「", "〕": "〔", "}": "{"}


def unbalanced(text: str) -> str | None:
    """The first bracket or quote that has no partner (or the wrong one), else None."""
    stack: list[str] = []
    for ch in text:
        if ch in PAIRS.values():
            stack.append(ch)
        elif ch in PAIRS and (not stack or stack.pop() != PAIRS[ch]):
            return ch
    return stack[-1] if stack else None
