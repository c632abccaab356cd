"""The WeCom API client against the stand-in: one token for everyone, a token WeCom drops
mid-run replaced and the call made once more, long Chinese text sent whole where WeCom would
cut it, media both ways, and a wrong secret failing at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from bot.wecom.api import WeComApi, WeComError
from bot.wecom.limits import TEXT_BYTES, split_bytes, utf8_len
from bot.wecom.transport import WeComSending
from sandbox.wecom import WeComServer, WeComState
from services.notices.card import Card, Document, draw_pictures, in_thread
from services.settings import WeComSettings

CORP, SECRET, AGENT = "ww1234567890abcdef", "app-secret", 1000002


async def unpaced(user: str) -> None:
    """No member's pace: these tests send a few messages (tests/integration/test_wecom_pace.py
    keeps the 30 a minute)."""


@dataclass
class Stand:
    state: WeComState
    api: WeComApi


@pytest.fixture
async def stand() -> AsyncIterator[Stand]:
    state = WeComState(corp_id=CORP, secret=SECRET, agent_id=AGENT,
                       members={"zhangsan", "lisi"})
    server = WeComServer(state)
    url = await server.start()
    api = WeComApi(WeComSettings(corp_id=CORP, agent_id=AGENT, secret=SECRET, api_base_url=url),
                   unpaced)
    yield Stand(state, api)
    await api.close()
    await server.stop()


async def test_many_sends_at_once_share_one_token(stand: Stand) -> None:
    await asyncio.gather(*(stand.api.send_text("zhangsan", f"第{n}条") for n in range(8)))
    assert stand.state.tokens_issued == 1
    assert sorted(m.body["content"] for m in stand.state.inbox("zhangsan")) == sorted(
        f"第{n}条" for n in range(8))


async def test_a_token_wecom_drops_mid_run_is_replaced_and_nothing_is_lost(stand: Stand) -> None:
    await stand.api.send_text("zhangsan", "第一条")
    stand.state.expire_tokens()  # WeCom ends it early; its answer is 40014, not 42001
    await stand.api.send_text("zhangsan", "第二条")
    assert [m.body["content"] for m in stand.state.inbox("zhangsan")] == ["第一条", "第二条"]
    assert stand.state.tokens_issued == 2
    assert stand.state.errors == [("message/send", 40014)]


async def test_long_chinese_text_is_sent_whole_in_pieces_wecom_does_not_cut(
    stand: Stand,
) -> None:
    line = "库区一级保护区内发现垂钓人员，请网格员前往劝离。"
    text = "\n".join(f"第{n}行：{line}" for n in range(120))
    assert utf8_len(text) > 4 * TEXT_BYTES
    await stand.api.send("lisi", "text", {"content": text})  # what a naive client does
    cut = stand.state.inbox("lisi")[0].body["content"]
    assert utf8_len(cut) <= TEXT_BYTES and len(cut) < len(text)  # WeCom cut it, said ok
    sent = await stand.api.send_text("zhangsan", text)
    pieces = [m.body["content"] for m in stand.state.inbox("zhangsan")]
    assert len(sent) == len(pieces) > 1
    assert "\n".join(pieces) == text  # cut at line breaks, nothing lost
    assert all(utf8_len(p) <= TEXT_BYTES for p in pieces)


def test_text_without_line_breaks_is_cut_at_a_character_never_inside_one() -> None:
    text = "水" * 1000  # 3000 bytes
    pieces = split_bytes(text)
    assert "".join(pieces) == text
    assert [utf8_len(p) for p in pieces] == [2046, 954]


async def test_a_picture_goes_up_and_comes_back_and_an_unknown_one_is_an_error(
    stand: Stand,
) -> None:
    data = b"\xff\xd8\xff" + bytes(range(256)) * 10
    media_id = await stand.api.upload("image", "photo.jpg", data, "image/jpeg")
    assert await stand.api.media(media_id) == data
    with pytest.raises(WeComError) as unknown:
        await stand.api.media("m-gone")
    assert unknown.value.code == 40007


async def test_a_wrong_secret_fails_at_once_without_asking_again(stand: Stand) -> None:
    wrong = WeComApi(WeComSettings(corp_id=CORP, agent_id=AGENT, secret="not-it",
                                   api_base_url=stand.api.settings.api_base_url), unpaced)
    try:
        with pytest.raises(WeComError) as refused:
            await wrong.send_text("zhangsan", "hello")
    finally:
        await wrong.close()
    assert refused.value.code == 40001
    assert stand.state.errors == [("gettoken", 40001)]


async def test_a_member_nobody_knows_is_refused_by_errcode_not_by_message(stand: Stand) -> None:
    with pytest.raises(WeComError) as refused:
        await stand.api.send_text("nobody", "hello")
    assert refused.value.code == 81013


@pytest.mark.parametrize("kind", ["busy", "server_error", "disconnect"])
async def test_a_picture_wecom_failed_to_give_once_is_fetched_once_more(
    stand: Stand, kind: str,
) -> None:
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    stand.api.sleep = sleep
    data = b"\xff\xd8\xff" + bytes(range(256)) * 10
    media_id = await stand.api.upload("image", "photo.jpg", data, "image/jpeg")
    stand.state.add_fault(kind, path="media/get", remaining=1)
    assert await stand.api.media(media_id) == data
    assert ("media/get", kind) in stand.state.faults_fired and waited
    stand.state.add_fault(kind, path="media/get", remaining=2)
    with pytest.raises((WeComError, httpx.TransportError)):  # twice: the handler says sorry
        await stand.api.media(media_id)


async def test_a_notice_with_a_document_sends_it_as_a_file_before_its_words(stand: Stand) -> None:
    card = await draw_pictures(Card(text="督办单 湖水督〔2026〕1号",
                                    document=Document("督办单.docx", in_thread(lambda: DOCX))))
    for step in WeComSending(stand.api, "zhangsan", card).steps:
        await step()
    file, words = stand.state.inbox("zhangsan")
    assert file.msgtype == "file" and words.body["content"] == "督办单 湖水督〔2026〕1号"
    data, mime, name = stand.state.media[file.body["media_id"]]
    assert (data, name) == (DOCX, "督办单.docx")
    assert mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


DOCX = b"PK\x03\x04" + bytes(range(64))  # any bytes: the transport does not read them
