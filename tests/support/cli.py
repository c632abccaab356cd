"""The `gridpatrol` command run as an administrator runs it: a real process on a config file of
its own, with only the environment the test gives it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GRIDPATROL = ROOT / ".venv" / "bin" / "gridpatrol"


def config(tmp_path: Path, *, bot_username: str = "", extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('bot_username = ""', f'bot_username = "{bot_username}"')
    path.write_text(text + extra, encoding="utf-8")
    return path


def gridpatrol(
    *args: str, cfg: Path, db: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPATROL_")}
    if db is not None:
        env["GRIDPATROL_DATABASE_URL"] = db
    return subprocess.run(
        [str(GRIDPATROL), "--config", str(cfg), *args],
        capture_output=True, text=True, env=env, cwd=cfg.parent, timeout=120,
    )
