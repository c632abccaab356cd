"""The catalogues as a reader meets them: Chinese addresses the user as 您, with full-width
punctuation and matched brackets; every message exists in both languages, in every plural
form, with the placeholders of its English source."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from services.i18n import LOCALES_DIR as LOCALES
from tests.support.catalogues import HALF_WIDTH_BESIDE_CJK, unbalanced

LANGUAGES = ("zh_CN", "en")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# 你 may appear only inside these words (none today; the polite address is 您).
NOT_AN_ADDRESS: tuple[str, ...] = ()


def _files(language: str) -> list[Path]:
    return sorted((LOCALES / language / "LC_MESSAGES").glob("*.po"))


def _messages(path: Path, language: str) -> list[Message]:
    with path.open("rb") as handle:
        return [m for m in read_po(handle, locale=language) if m.id]


def _forms(message: Message) -> tuple[str, ...]:
    string = message.string
    return tuple(string) if isinstance(string, (tuple, list)) else (str(string or ""),)


def _key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else str(message.id)


def _chinese() -> list[tuple[str, str, str]]:
    """(file, msgid, one translated form) for every zh_CN entry."""
    return [(path.name, _key(m), form) for path in _files("zh_CN")
            for m in _messages(path, "zh_CN") for form in _forms(m)]


def test_chinese_addresses_the_user_as_nin() -> None:
    found = [f"{name}: {form!r}" for name, _id, form in _chinese()
             if "你" in re.sub("|".join(NOT_AN_ADDRESS) or "$^", "", form)]
    assert not found, "use 您, not 你:\n" + "\n".join(found)


def test_chinese_punctuation_beside_chinese_is_full_width() -> None:
    found = [f"{name}: {m.group()!r} in {form!r}" for name, _id, form in _chinese()
             for m in [HALF_WIDTH_BESIDE_CJK.search(form)] if m]
    assert not found, "use ？！，：；（） beside Chinese text:\n" + "\n".join(found)


def test_chinese_brackets_and_quotes_are_matched() -> None:
    found = [f"{name}: {bad!r} in {form!r}" for name, _id, form in _chinese()
             if (bad := unbalanced(form))]
    assert not found, "\n".join(found)


def test_the_checks_see_what_a_reader_would() -> None:
    assert unbalanced("已送达 {cell}（{path}）。") is None
    assert unbalanced("已送达 {cell}({path}）。") == "）"
    assert unbalanced("“{title}") == "“"
    assert HALF_WIDTH_BESIDE_CJK.search("谢谢!") and HALF_WIDTH_BESIDE_CJK.search("乡镇(街道)")
    assert not HALF_WIDTH_BESIDE_CJK.search("坐标（如 <code>30.87, 120.09</code>）")


def _expected_placeholders(message: Message, form: int, nplurals: int) -> set[str]:
    if not isinstance(message.id, (tuple, list)):
        return set(PLACEHOLDER.findall(str(message.id)))
    singular, plural = message.id[0], message.id[1]
    return set(PLACEHOLDER.findall(singular if form == 0 and nplurals > 1 else plural))


def test_every_message_is_in_both_languages_in_every_form_with_its_placeholders() -> None:
    parts = {p.name for language in LANGUAGES for p in _files(language)}
    problems: list[str] = []
    for part in sorted(parts):
        keys: dict[str, set[str]] = {}
        for language in LANGUAGES:
            path = LOCALES / language / "LC_MESSAGES" / part
            if not path.exists():
                problems.append(f"{language} has no {part}")
                continue
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
            nplurals = catalog.num_plurals
            keys[language] = set()
            for message in catalog:
                if not message.id:
                    continue
                keys[language].add(_key(message))
                forms = _forms(message)
                plural = isinstance(message.id, (tuple, list))
                if plural and len(forms) != nplurals:
                    problems.append(f"{language}/{part}: {_key(message)!r} has {len(forms)} "
                                    f"forms, {language} needs {nplurals}")
                for index, form in enumerate(forms):
                    if not form:
                        problems.append(f"{language}/{part}: {_key(message)!r} untranslated")
                        continue
                    want = _expected_placeholders(message, index, nplurals)
                    if set(PLACEHOLDER.findall(form)) != want:
                        problems.append(f"{language}/{part}: {form!r} has not {sorted(want)}")
        if len(keys) == len(LANGUAGES) and keys["zh_CN"] != keys["en"]:
            only = keys["zh_CN"] ^ keys["en"]
            problems.append(f"{part}: in one language only: {sorted(only)[:10]}")
    assert not problems, "\n".join(problems[:60])


COUNTED = re.compile(r"\{(count|limit|hours|days|length|overdue|total)\}\)?\s+[a-z]+s\b|\(s\)")


def test_a_count_before_a_noun_has_plural_forms() -> None:
    """"1 cases listed" cannot happen: such a message is a plural entry (t.n in the code)."""
    found = [f"{path.name}: {m.id!r}" for path in _files("en") for m in _messages(path, "en")
             if isinstance(m.id, str) and COUNTED.search(m.id)]
    assert not found, "use t.n(singular, plural, count):\n" + "\n".join(found)


def test_a_message_in_two_files_reads_the_same_in_both() -> None:
    """The files of a language are merged into one catalogue: a message given two translations
    would read as whichever file loads last (the ledger's 编号 became the audit export's 序号)."""
    problems: list[str] = []
    for language in LANGUAGES:
        seen: dict[str, tuple[str, tuple[str, ...]]] = {}
        for path in _files(language):
            for message in _messages(path, language):
                key, forms = _key(message), _forms(message)
                if key in seen and seen[key][1] != forms:
                    problems.append(f"{language}: {key!r} is {seen[key][1]} in {seen[key][0]} "
                                    f"but {forms} in {path.name}")
                seen.setdefault(key, (path.name, forms))
    assert not problems, "\n".join(problems)
