"""End to end through the WeCom stand-in: the real bot (`gridpatrol run`, its own process, with
the [wecom] section filled) filing reports that scripted WeCom members post to its callback,
signed and encrypted, on SQLite and on PostgreSQL.

ours: reports per second, each a whole report in Chinese (/report, category, one photo, Done,
place, description, severity, Send: eight callbacks, each answered through message/send, cards
and media upload), sixty members at once.
baseline: the same eight callbacks per "report", each answered by one message/send from a bare
app in its own process (aiohttp, wechatpy's crypto, httpx; nothing of ours): what the stand-in,
HTTP and the encryption cost alone.

WeCom drops what a member gets past 30 messages a minute, so the bot holds a member's messages
past that budget back (bot.wecom.api): sixty members file one report each, as a crowd would,
which no member's budget slows.
"""

# A driver, not the bot: a blocking call of a millisecond here delays nobody.
# ruff: noqa: ASYNC220

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Figure
from drill.wecom import WeComPerson
from drill.world import PLACE, ROOT, close_stage, die_with_parent, open_stage, pg_available
from sandbox.server import SandboxServer
from sandbox.telegram.emulator import BotApiEmulator
from sandbox.wecom import App, WeComState
from sandbox.wecom import text as text_message

PEOPLE = 60  # each files one report: about fifteen messages, under WeCom's 30 a minute
RATE_REPORTS = PEOPLE
CORP, AGENT = "ww0bench0000000001", 1000002
TOKEN, SECRET = "bench-token", "bench-secret"
AES = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
ECHO_APP = """
import sys, httpx
from aiohttp import web
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
corp, agent, token, aes, secret, base, port = sys.argv[1:8]
crypto = WeChatCrypto(token, aes, corp)
client = httpx.AsyncClient()
held = {}
async def access():
    if "token" not in held:
        answer = await client.get(base + "/cgi-bin/gettoken",
                                  params={"corpid": corp, "corpsecret": secret})
        held["token"] = answer.json()["access_token"]
    return held["token"]
async def callback(request):
    body = await request.read()
    q = request.query
    message = parse_message(crypto.decrypt_message(body, q["msg_signature"], q["timestamp"],
                                                   q["nonce"]))
    await client.post(base + "/cgi-bin/message/send", params={"access_token": await access()},
                      json={"touser": message.source, "msgtype": "text", "agentid": int(agent),
                            "text": {"content": "echo"}})
    return web.Response(text="")
app = web.Application()
app.router.add_post("/wecom/callback", callback)
web.run_app(app, host="127.0.0.1", port=int(port), print=None)
"""


def _state() -> WeComState:
    return WeComState(corp_id=CORP, secret=SECRET, agent_id=AGENT)


def _section(port: int) -> dict[str, object]:
    return {"corp_id": CORP, "agent_id": AGENT, "token": TOKEN, "secret": SECRET,
            "encoding_aes_key": AES, "port": port}


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _people(state: WeComState, url: str, prefix: str) -> list[WeComPerson]:
    app = App(CORP, AGENT, TOKEN, AES)
    return [WeComPerson(state, app, url, f"{prefix}{n:03d}") for n in range(PEOPLE)]


async def _file(people: list[WeComPerson], total: int, start: int) -> float:
    per = total // len(people)
    began = time.perf_counter()

    async def one(person: WeComPerson, index: int) -> None:
        for k in range(per):
            # a few metres apart, so no report is offered as another's duplicate
            place = (PLACE[0] + index * 2e-5, PLACE[1] + k * 2e-5)
            await person.file_report(start + index * per + k, place)

    await asyncio.gather(*(one(p, i) for i, p in enumerate(people)))
    return time.perf_counter() - began


async def _ours(kind: str, workdir: Path) -> float:
    state = _state()
    port = _free_port()
    stage = await open_stage(kind, workdir, f"wecom-{kind}", [], wecom_state=state,
                             wecom=_section(port),
                             cases={"reports_per_hour": 10_000_000, "duplicate_window": "1s",
                                    "duplicate_radius_m": 0.001,
                                    "duplicate_phash_distance": -1})
    try:
        await stage.bot.start()
        people = _people(state, f"http://127.0.0.1:{port}/wecom/callback", f"Bench{kind[:2]}")
        for person in people:
            person.alive = stage.bot.alive
        await asyncio.gather(*(p.say("/start", "欢迎") for p in people))  # warm up
        return RATE_REPORTS / await _file(people, RATE_REPORTS, 10_000)
    finally:
        await close_stage(stage)


async def _baseline(workdir: Path) -> float:
    state = _state()
    server = SandboxServer(BotApiEmulator(), "127.0.0.1", 0, wecom=state)
    await server.start()
    port = _free_port()
    with (workdir / "wecom-echo.log").open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", ECHO_APP, CORP, str(AGENT), TOKEN, AES, SECRET, server.url,
             str(port)], cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent)
    try:
        people = _people(state, f"http://127.0.0.1:{port}/wecom/callback", "Echo")
        for _ in range(300):  # until it listens
            if (await people[0].sender.post(text_message(people[0].app, people[0].user,
                                                         "hi"))).delivered:
                break
            await asyncio.sleep(0.1)

        async def rounds(person: WeComPerson, count: int) -> None:
            for n in range(count * 8):
                await person.say(f"step {n}", "echo")

        began = time.perf_counter()
        await asyncio.gather(*(rounds(p, RATE_REPORTS // PEOPLE) for p in people))
        return RATE_REPORTS / (time.perf_counter() - began)
    finally:
        proc.terminate()
        proc.wait()
        await server.stop()


def run() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-wecom-") as tmp:
        work = Path(tmp)
        echo_rate = asyncio.run(_baseline(work))
        kinds = ["sqlite"] + ([] if pg_available() else ["postgresql"])
        for kind in kinds:
            rate = asyncio.run(_ours(kind, work))
            figures.append(Figure(
                name=f"wecom: reports/s through the WeCom stand-in ({kind})", ours=rate,
                baseline=echo_rate, unit="rep/s", goal=0.05, kind="rate",
                note=f"{PEOPLE} members at once, one report each, 8 signed and encrypted "
                     f"callbacks per report; "
                     f"baseline: the same callbacks each answered by one message/send from a "
                     f"bare app ({echo_rate * 8:.0f} callbacks/s); goal: within 20x of that"))
    return figures
