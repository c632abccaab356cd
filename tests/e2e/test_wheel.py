"""The distribution as somebody installs it: a wheel built from the packages alone, installed
into a fresh venv in an empty folder outside the checkout, migrates a new SQLite database,
loads the demo grid it ships, serves the sandbox and answers /start in Chinese and in English.

Only the wheel's dependencies come from the checkout's .venv (a .pth line naming its
site-packages, whose own .pth files, the editable install among them, are not processed), so
no download is needed; the project itself is importable only from the wheel (checked).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "services", "models", "sandbox")
VILLAGE = "330502100004"  # 妙西东北村 in the demo grid
WELCOME = {"zh-hans": "我是饮用水水源地护水机器人", "en": "I am the water-source patrol bot"}


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(map(str, args))}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def build_wheel(workdir: Path) -> Path:
    """`pip wheel .` on a copy of what the distribution is made of (the checkout stays clean:
    no build/ or egg-info in it); no build isolation, setuptools comes with the test extra."""
    source = workdir / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    include = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = include["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(p.rstrip("*") for p in found) == sorted(PACKAGES)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = workdir / "dist"
    run(sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation",
        "--no-index", "-q", "-w", out, cwd=source)
    (wheel,) = out.glob("gridpatrol-*.whl")
    return wheel


def fresh_venv(workdir: Path, wheel: Path) -> Path:
    venv = workdir / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=workdir)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "-q", wheel, cwd=workdir)
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=workdir).strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "gridpatrol-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return venv


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def api(base: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + "/sandbox/api" + path, data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    assert answer["ok"], answer
    return answer["result"]


def first_answer(base: str, chat_id: int) -> str:
    """The bot's first message in a chat, waiting on the control API's long poll (bounded)."""
    since = 0
    for _ in range(12):
        events = api(base, f"/events?chat_id={chat_id}&since={since}&wait=5")
        since = events["rev"]
        texts = [m.get("text", "") for m in api(base, f"/chats/{chat_id}/messages")
                 if m["from_bot"]]
        if texts:
            return str(texts[0])
    raise AssertionError(f"the bot never answered chat {chat_id}")


@pytest.fixture
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the installed `gridpatrol` script, an empty folder with a config.toml to run it in)."""
    workdir = tmp_path_factory.mktemp("wheel")
    assert not workdir.resolve().is_relative_to(ROOT)
    venv = fresh_venv(workdir, build_wheel(workdir))
    folder = workdir / "site"
    folder.mkdir()
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    assert "port = 8081" in text, "config.toml's [sandbox] port moved"
    (folder / "config.toml").write_text(text.replace("port = 8081", f"port = {free_port()}"),
                                        encoding="utf-8")
    yield venv / "bin" / "gridpatrol", folder


def test_the_installed_wheel_migrates_translates_and_serves_the_sandbox(
    installed: tuple[Path, Path],
) -> None:
    script, folder = installed
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GRIDPATROL_", "PYTHON", "VIRTUAL_ENV"))}
    env |= {"GRIDPATROL_DATABASE_URL": f"sqlite:///{folder / 'fresh.db'}",
            "PYTHONUNBUFFERED": "1", "PYTHONNOUSERSITE": "1"}

    where = json.loads(run(script.parent / "python", "-c", (
        "import importlib.util, json, sys; print(json.dumps({'path': sys.path, 'origins': "
        f"[importlib.util.find_spec(p).origin for p in {PACKAGES!r}]}}))"), cwd=folder, env=env))
    assert all(Path(o).is_relative_to(script.parent.parent) for o in where["origins"]), where
    assert str(ROOT) not in where["path"], where

    assert "is up to date" in run(script, "db", "upgrade", cwd=folder, env=env)
    assert (folder / "fresh.db").exists()

    log = folder / "quickstart.log"
    stop = signal.SIGINT if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN \
        else signal.SIGTERM  # a child inherits an ignored SIGINT
    with log.open("wb") as out:
        process = subprocess.Popen([str(script), "quickstart"], cwd=folder, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        base = ""
        for _ in range(600):  # bounded: a minute at most
            printed = log.read_text(encoding="utf-8", errors="replace")
            if "GridPatrol sandbox: open " in printed:
                base = printed.split("GridPatrol sandbox: open ", 1)[1].split("/ ", 1)[0]
                break
            assert process.poll() is None, printed
            time.sleep(0.1)
        assert base, log.read_text(encoding="utf-8", errors="replace")
        assert "empty grid: loading the demo grid" in printed

        with urllib.request.urlopen(base + "/", timeout=30) as page:
            assert "/static/app.js" in page.read().decode()
        for language, welcome in WELCOME.items():
            user = api(base, "/users", {"first_name": f"Wheel {language}",
                                        "language_code": language})
            api(base, f"/chats/{user['id']}/send", {"user_id": user["id"], "text": "/start"})
            answer = first_answer(base, user["id"])
            assert welcome in answer, answer
        assert api(base, "/refusals") == []
    finally:
        process.send_signal(stop)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    assert process.returncode in (0, 130, -stop), log.read_text(errors="replace")

    shown = run(script, "grid", "show", VILLAGE, cwd=folder, env=env)
    assert VILLAGE in shown and "[village]" in shown, shown
