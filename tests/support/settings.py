"""The shipped config.toml, pointed at a test database and photo folder: one way for every kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import load_settings
from services.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def make_settings(db: str, tmp_path: Path, **sections: dict[str, Any]) -> Settings:
    """config.toml as shipped, pointed at a test database and photo folder, with overrides."""

    def edit(data: dict[str, Any]) -> None:
        data.setdefault("database", {})["url"] = db
        data.setdefault("storage", {})["photos_dir"] = str(tmp_path / "photos")
        data.setdefault("telegram", {})["token"] = "123456:TEST"
        # Off unless a test asks: the sweep's patrol reminders fall on the real clock's
        # weekdays, and would change what every other test of the sweep sees on a Sunday.
        data.setdefault("patrols", {})["remind_missed"] = False
        for name, values in sections.items():
            data.setdefault(name, {}).update(values)

    return load_settings(ROOT / "config.toml", overrides=edit)
