"""config.toml read once into frozen settings, with the secrets the environment may give."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.reader import ConfigError, Reader, check
from bot.config.sections import (
    campaigns,
    categories,
    deadlines,
    documents,
    group_alerts,
    map_provider,
    open311,
    patrols,
    wecom,
)
from services.photos import PhotoLimits
from services.settings import (
    CaseRules,
    DatabaseSettings,
    GroupSettings,
    LimitSettings,
    LocaleSettings,
    LoggingSettings,
    MapSettings,
    OutboxSettings,
    PhotoStoreKind,
    SandboxSettings,
    ScheduleSettings,
    Settings,
    TelegramSettings,
    WebhookSettings,
)

ENV_CONFIG = "GRIDPATROL_CONFIG"
ENV_TOKEN = "GRIDPATROL_TELEGRAM_TOKEN"
ENV_DATABASE_URL = "GRIDPATROL_DATABASE_URL"
ENV_WEBHOOK_SECRET = "GRIDPATROL_WEBHOOK_SECRET"
LANGUAGES = ("zh_CN", "en")


def default_config_path() -> Path:
    return Path(os.environ.get(ENV_CONFIG, "config.toml"))


def _build(source: Path, data: Mapping[str, Any], base_dir: Path) -> Settings:
    root = Reader(source, data, "")
    tg = root.sub("telegram")
    db = root.sub("database")
    storage = root.sub("storage")
    loc = root.sub("locale")
    cases = root.sub("cases")
    photos = root.sub("photos")
    sched = root.sub("schedule")
    out = root.sub("outbox")
    sandbox = root.sub("sandbox")
    hook = root.sub("webhook")
    logs = root.sub("logging")
    grp = root.sub("groups")
    lim = root.sub("limits")
    maps = root.sub("maps")

    language = loc.get("default", str, "zh_CN")
    check(loc, "default", language in LANGUAGES, f"one of {', '.join(LANGUAGES)}")
    timezone = loc.get("timezone", str, "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise loc.fail("timezone", f"unknown time zone {timezone!r}") from None
    digest_time = sched.get("digest_time", str, "08:00")
    check(
        sched,
        "digest_time",
        bool(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", digest_time)),
        "a local time like 08:00",
    )
    level = logs.get("level", str, "INFO").upper()
    check(
        logs,
        "level",
        level in {"DEBUG", "INFO", "WARNING", "ERROR"},
        "DEBUG, INFO, WARNING or ERROR",
    )

    db_url = os.environ.get(ENV_DATABASE_URL) or db.get("url", str, "sqlite:///data/gridpatrol.db")
    check(
        db,
        "url",
        db_url.split(":", 1)[0].split("+")[0] in {"sqlite", "postgresql"},
        "a sqlite:/// or postgresql:// URL",
    )
    photos_dir = Path(storage.get("photos_dir", str, "data/photos"))
    photo_store = storage.get("photo_store", str, PhotoStoreKind.FILES.value)
    check(storage, "photo_store", photo_store in {k.value for k in PhotoStoreKind},
           "files or database")

    return Settings(
        source=source,
        telegram=TelegramSettings(
            token=os.environ.get(ENV_TOKEN) or tg.get("token", str, ""),
            api_base_url=tg.get("api_base_url", str, TelegramSettings.api_base_url),
            file_base_url=tg.get("file_base_url", str, TelegramSettings.file_base_url),
            bot_username=tg.get("bot_username", str, ""),
            concurrent_updates=tg.positive("concurrent_updates", int,
                                           TelegramSettings.concurrent_updates),
        ),
        database=DatabaseSettings(
            url=_anchor_sqlite(db_url, base_dir), echo=db.get("echo", bool, False)
        ),
        photos_dir=photos_dir if photos_dir.is_absolute() else base_dir / photos_dir,
        locale=LocaleSettings(default=language, timezone=timezone),
        cases=CaseRules(
            number_prefix=cases.get("number_prefix", str, "HZ"),
            max_photos=cases.positive("max_photos", int, 10),
            max_description=cases.positive("max_description", int, 1000),
            reports_per_hour=cases.positive("reports_per_hour", int, 10),
            draft_ttl=cases.duration("draft_ttl", "24h"),
            duplicate_radius_m=cases.positive("duplicate_radius_m", float, 250.0),
            duplicate_window=cases.duration("duplicate_window", "7d"),
            duplicate_phash_distance=cases.get("duplicate_phash_distance", int, 6),
            fix_distance_warning_m=cases.positive("fix_distance_warning_m", float, 200.0),
        ),
        photos=PhotoLimits(
            max_file_bytes=photos.positive("max_file_bytes", int, 20_000_000),
            max_pixels=photos.positive("max_pixels", int, 40_000_000),
            display_max_side=photos.positive("display_max_side", int, 1280),
        ),
        deadlines=deadlines(root),
        schedule=ScheduleSettings(
            sweep_interval=sched.duration("sweep_interval", "60s"),
            outbox_interval=sched.duration("outbox_interval", "2s"),
            digest_time=digest_time,
        ),
        outbox=OutboxSettings(
            global_per_second=out.positive("global_per_second", float, 30.0),
            private_per_second=out.positive("private_per_second", float, 1.0),
            group_per_minute=out.positive("group_per_minute", float, 20.0),
            max_attempts=out.positive("max_attempts", int, 8),
            repeat_after=out.duration("repeat_after", "30s"),
        ),
        sandbox=SandboxSettings(
            host=sandbox.get("host", str, "127.0.0.1"),
            port=sandbox.get("port", int, 8081),
            flood_limits=sandbox.get("flood_limits", bool, True),
        ),
        webhook=WebhookSettings(
            listen=hook.get("listen", str, "127.0.0.1"),
            port=hook.get("port", int, 8443),
            url=hook.get("url", str, ""),
            secret_token=os.environ.get(ENV_WEBHOOK_SECRET) or hook.get("secret_token", str, ""),
            health_port=hook.get("health_port", int, 0),
        ),
        logging=LoggingSettings(level=level, json=logs.get("json", bool, False)),
        categories=categories(source, data.get("categories")),
        groups=GroupSettings(alerts=group_alerts(grp)),
        limits=LimitSettings(
            user_updates=lim.positive("user_updates", int, 30),
            user_window=lim.duration("user_window", "20s"),
        ),
        maps=MapSettings(provider=map_provider(maps)),
        wecom=wecom(root.sub("wecom")),
        photo_store=PhotoStoreKind(photo_store),
        documents=documents(root.sub("documents")),
        campaigns=campaigns(root.sub("campaigns")),
        patrols=patrols(root.sub("patrols")),
        open311=open311(root.sub("open311")),
    )


def _anchor_sqlite(url: str, base_dir: Path) -> str:
    """A relative SQLite path is relative to the config file, not to wherever the bot started."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((base_dir / url[len(prefix) :]).resolve())
    return url


def load_settings(
    path: Path | None = None, *, overrides: Callable[[dict[str, Any]], None] | None = None
) -> Settings:
    """Read and check the file; `overrides` may edit the parsed TOML first (tests, sandbox)."""
    source = path or default_config_path()
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            source, "-", "file not found (use --config PATH or GRIDPATROL_CONFIG)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "-", f"not valid TOML: {exc}") from None
    if overrides:
        overrides(data)
    return _build(source, data, source.resolve().parent)

