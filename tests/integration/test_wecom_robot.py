"""A cell group's WeCom robot against the stand-in: markdown cut within 4096 bytes, a picture
with its MD5, the 21st message of a minute refused with 45009, a reset key (93000) told apart,
and the key never shown in full."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.wecom.api import WeComError
from bot.wecom.robot import GONE, Robot, masked
from sandbox.wecom import WeComServer, WeComState
from tests.support.images import jpeg

KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


@pytest.fixture
async def stand() -> AsyncIterator[tuple[WeComState, str]]:
    state = WeComState(corp_id="ww1", secret="s", agent_id=1)
    state.robots[KEY] = []
    server = WeComServer(state)
    url = await server.start()
    yield state, url
    await server.stop()


async def test_a_long_digest_goes_out_whole_in_pieces_within_the_robots_bytes(
    stand: tuple[WeComState, str],
) -> None:
    state, url = stand
    robot = Robot(url, KEY)
    digest = "\n".join(f"> **妙西东北村** 新增 {n} 件，超期 {n % 3} 件" for n in range(200))
    try:
        assert await robot.markdown(digest) > 1
        await robot.image(jpeg())
    finally:
        await robot.close()
    posted = state.robots[KEY]
    texts = [p["markdown"]["content"] for p in posted if p["msgtype"] == "markdown"]
    assert "\n".join(texts) == digest and all(len(t.encode()) <= 4096 for t in texts)
    assert posted[-1]["msgtype"] == "image"


async def test_past_twenty_a_minute_wecom_refuses_and_a_reset_key_is_gone(
    stand: tuple[WeComState, str],
) -> None:
    state, url = stand
    robot, stale = Robot(url, KEY), Robot(url, "0000-reset-key-0000")
    try:
        for n in range(20):
            await robot.markdown(f"第{n}条")
        with pytest.raises(WeComError) as busy:
            await robot.markdown("第21条")
        with pytest.raises(WeComError) as gone:
            await stale.markdown("hello")
    finally:
        await robot.close()
        await stale.close()
    assert busy.value.busy and busy.value.code == 45009
    assert gone.value.code == GONE and not gone.value.busy
    assert len(state.robots[KEY]) == 20


def test_the_key_is_never_shown_in_full() -> None:
    robot = Robot("http://x", KEY)
    assert KEY not in repr(robot) and KEY not in masked(KEY)
    assert masked(KEY).startswith("693a") and masked(KEY).endswith("5aaa")
