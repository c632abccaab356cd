"""Read config.toml once into frozen settings; a bad file fails with its path, key and reason."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models import CaseSource, Severity, Stage
from services.grid import Datum
from services.photos import PhotoLimits
from services.settings import (
    CampaignSettings,
    CaseRules,
    Category,
    DatabaseSettings,
    Deadlines,
    DocumentSettings,
    GroupAlerts,
    GroupSettings,
    LimitSettings,
    LocaleSettings,
    LoggingSettings,
    MapProvider,
    MapSettings,
    Open311Settings,
    OutboxSettings,
    PatrolRule,
    PatrolSettings,
    PhotoStoreKind,
    SandboxSettings,
    ScheduleSettings,
    Settings,
    TelegramSettings,
    WebhookSettings,
    WeComSettings,
)

ENV_CONFIG = "GRIDPATROL_CONFIG"
ENV_TOKEN = "GRIDPATROL_TELEGRAM_TOKEN"
ENV_DATABASE_URL = "GRIDPATROL_DATABASE_URL"
ENV_WEBHOOK_SECRET = "GRIDPATROL_WEBHOOK_SECRET"
ENV_WECOM_SECRET = "GRIDPATROL_WECOM_SECRET"
ENV_WECOM_AES_KEY = "GRIDPATROL_WECOM_AES_KEY"
_AES_KEY = re.compile(r"[A-Za-z0-9]{43}")
LANGUAGES = ("zh_CN", "en")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
T = TypeVar("T")


class ConfigError(Exception):
    """A configuration mistake, told as `file: key: reason`."""

    def __init__(self, source: Path | str, key: str, reason: str) -> None:
        super().__init__(f"{source}: {key}: {reason}")
        self.source = source
        self.key = key
        self.reason = reason


def parse_duration(text: str) -> timedelta:
    """'30s', '30m', '2h', '3d' -> timedelta; raises ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30s, 30m, 2h or 3d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def default_config_path() -> Path:
    return Path(os.environ.get(ENV_CONFIG, "config.toml"))


class _Reader:
    """Typed access to one TOML table, naming the key in every error."""

    def __init__(self, source: Path, table: Mapping[str, Any], prefix: str) -> None:
        self.source, self.table, self.prefix = source, table, prefix

    def fail(self, key: str, reason: str) -> ConfigError:
        return ConfigError(self.source, f"{self.prefix}{key}", reason)

    def get(self, key: str, kind: type[T], default: T) -> T:
        value = self.table.get(key, default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    def positive(self, key: str, kind: type[T], default: T) -> T:
        value = self.get(key, kind, default)
        if value <= 0:  # type: ignore[operator]
            raise self.fail(key, "must be greater than zero")
        return value

    def duration(self, key: str, default: str) -> timedelta:
        text = self.get(key, str, default)
        try:
            value = parse_duration(text)
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None
        if value <= timedelta(0):
            raise self.fail(key, "must be longer than zero")
        return value

    def sub(self, key: str) -> _Reader:
        value = self.table.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, "expected a table")
        return _Reader(self.source, value, f"{self.prefix}{key}.")


def _check(reader: _Reader, key: str, ok: bool, reason: str) -> None:
    if not ok:
        raise reader.fail(key, reason)


def _categories(source: Path, raw: Any) -> tuple[Category, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(source, "categories", "at least one [[categories]] entry is needed")
    seen: set[str] = set()
    result = []
    for index, item in enumerate(raw):
        reader = _Reader(source, item, f"categories[{index}].")
        code = reader.get("code", str, "")
        _check(
            reader,
            "code",
            bool(re.fullmatch(r"[a-z0-9_]{1,24}", code)),
            "a code is 1-24 characters of a-z, 0-9 and _",
        )
        _check(reader, "code", code not in seen, f"{code!r} appears twice")
        seen.add(code)
        severity = reader.get("severity", str, "medium")
        _check(
            reader,
            "severity",
            severity in Severity.__members__.values(),
            f"one of {', '.join(Severity)}",
        )
        zh, en = reader.get("zh_CN", str, ""), reader.get("en", str, "")
        _check(reader, "zh_CN", bool(zh), "a name is needed")
        _check(reader, "en", bool(en), "a name is needed")
        result.append(
            Category(code, zh, en, Severity(severity), reader.get("emergency", bool, False))
        )
    return tuple(result)


def _deadlines(root: _Reader) -> Deadlines:
    section = root.sub("deadlines")
    table: dict[Stage, dict[Severity, timedelta]] = {}
    defaults = {Stage.ACCEPT: "1d", Stage.PLAN: "3d", Stage.RECTIFY: "14d", Stage.CHECK: "3d"}
    for stage in Stage:
        stage_reader = section.sub(stage.value)
        table[stage] = {sev: stage_reader.duration(sev.value, defaults[stage]) for sev in Severity}
    reminders = root.sub("reminders")
    raw = reminders.get("at", list, [0.5, 0.9])
    for value in raw:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1
        _check(reminders, "at", ok, "fractions between 0 and 1, such as [0.5, 0.9]")
    return Deadlines(table, tuple(sorted(float(v) for v in raw)))


def _group_alerts(reader: _Reader) -> GroupAlerts:
    value = reader.get("alerts", str, GroupAlerts.ALSO.value)
    _check(reader, "alerts", value in {a.value for a in GroupAlerts}, "also or instead")
    return GroupAlerts(value)


def _map_provider(reader: _Reader) -> MapProvider:
    value = reader.get("provider", str, MapProvider.AUTO.value)
    _check(reader, "provider", value in {p.value for p in MapProvider}, "auto, amap or osm")
    return MapProvider(value)


def _wecom(reader: _Reader) -> WeComSettings:
    """The [wecom] section: empty leaves WeCom off; a corp_id asks for everything else."""
    corp_id = reader.get("corp_id", str, "").strip()
    if not corp_id:
        return WeComSettings()
    datum = reader.get("datum", str, Datum.GCJ02.value)
    _check(reader, "datum", datum in {d.value for d in Datum}, "gcj02 or wgs84")
    secret = os.environ.get(ENV_WECOM_SECRET) or reader.get("secret", str, "")
    aes_key = os.environ.get(ENV_WECOM_AES_KEY) or reader.get("encoding_aes_key", str, "")
    agent_id = reader.get("agent_id", int, 0)
    token = reader.get("token", str, "")
    path = reader.get("path", str, WeComSettings.path)
    _check(reader, "agent_id", agent_id > 0, "the app's AgentId, a number (with corp_id)")
    _check(reader, "token", bool(token), "the callback's Token (with corp_id)")
    _check(reader, "secret", bool(secret), f"the app's Secret, or {ENV_WECOM_SECRET}")
    _check(reader, "encoding_aes_key", bool(_AES_KEY.fullmatch(aes_key)),
           f"the callback's EncodingAESKey, 43 letters and digits, or {ENV_WECOM_AES_KEY}")
    _check(reader, "path", path.startswith("/"), "a path beginning with /")
    return WeComSettings(
        corp_id=corp_id, agent_id=agent_id, token=token, secret=secret,
        encoding_aes_key=aes_key,
        api_base_url=reader.get("api_base_url", str, WeComSettings.api_base_url).rstrip("/"),
        listen=reader.get("listen", str, WeComSettings.listen),
        port=reader.positive("port", int, WeComSettings.port),
        path=path, datum=Datum(datum),
    )


def _build(source: Path, data: Mapping[str, Any], base_dir: Path) -> Settings:
    root = _Reader(source, data, "")
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
    _check(loc, "default", language in LANGUAGES, f"one of {', '.join(LANGUAGES)}")
    timezone = loc.get("timezone", str, "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise loc.fail("timezone", f"unknown time zone {timezone!r}") from None
    digest_time = sched.get("digest_time", str, "08:00")
    _check(
        sched,
        "digest_time",
        bool(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", digest_time)),
        "a local time like 08:00",
    )
    level = logs.get("level", str, "INFO").upper()
    _check(
        logs,
        "level",
        level in {"DEBUG", "INFO", "WARNING", "ERROR"},
        "DEBUG, INFO, WARNING or ERROR",
    )

    db_url = os.environ.get(ENV_DATABASE_URL) or db.get("url", str, "sqlite:///data/gridpatrol.db")
    _check(
        db,
        "url",
        db_url.split(":", 1)[0].split("+")[0] in {"sqlite", "postgresql"},
        "a sqlite:/// or postgresql:// URL",
    )
    photos_dir = Path(storage.get("photos_dir", str, "data/photos"))
    photo_store = storage.get("photo_store", str, PhotoStoreKind.FILES.value)
    _check(storage, "photo_store", photo_store in {k.value for k in PhotoStoreKind},
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
        deadlines=_deadlines(root),
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
        categories=_categories(source, data.get("categories")),
        groups=GroupSettings(alerts=_group_alerts(grp)),
        limits=LimitSettings(
            user_updates=lim.positive("user_updates", int, 30),
            user_window=lim.duration("user_window", "20s"),
        ),
        maps=MapSettings(provider=_map_provider(maps)),
        wecom=_wecom(root.sub("wecom")),
        photo_store=PhotoStoreKind(photo_store),
        documents=_documents(root.sub("documents")),
        campaigns=_campaigns(root.sub("campaigns")),
        patrols=_patrols(root.sub("patrols")),
        open311=_open311(root.sub("open311")),
    )


def _open311(reader: _Reader) -> Open311Settings:
    port = reader.get("port", int, Open311Settings.port)
    _check(reader, "port", 0 <= port <= 65535, "a TCP port, or 0 to leave the API off")
    origin = reader.get("origin", str, Open311Settings.origin)
    _check(reader, "origin", origin in {CaseSource.PUBLIC.value, CaseSource.ASSIGNED.value},
           "public or assigned")
    return Open311Settings(
        port=port,
        listen=reader.get("listen", str, Open311Settings.listen),
        jurisdiction_id=reader.get("jurisdiction_id", str, Open311Settings.jurisdiction_id),
        origin=origin,
        max_body_bytes=reader.positive("max_body_bytes", int, Open311Settings.max_body_bytes),
        public_reads=reader.get("public_reads", bool, Open311Settings.public_reads),
    )


def _patrols(reader: _Reader) -> PatrolSettings:
    d, rules = PatrolSettings(), dict(PatrolSettings().rules)
    table = reader.sub("rules")
    for level in table.table:
        _check(table, level, level in ("city", "county", "township", "village"),
               "a level: city, county, township or village")
        r, base = table.sub(level), rules[level]
        months = r.get("months", list, list(base.months))
        _check(r, "months", bool(months) and all(
            isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months),
               "months 1-12, such as [3, 4, 5]")
        checkpoints = r.get("min_checkpoints", int, base.min_checkpoints)
        _check(r, "min_checkpoints", checkpoints >= 0, "zero or more")
        rules[level] = PatrolRule(
            r.positive("min_minutes", float, float(base.min_minutes)),
            r.positive("min_km", float, base.min_km), checkpoints,
            r.duration("every", f"{base.every.days}d"), tuple(sorted(set(months))))
    return PatrolSettings(
        max_speed_mps=reader.positive("max_speed_mps", float, d.max_speed_mps),
        max_accuracy_m=reader.positive("max_accuracy_m", float, d.max_accuracy_m),
        gap=reader.duration("gap", "2m"), idle_close=reader.duration("idle_close", "15m"),
        rules=rules)


def _campaigns(reader: _Reader) -> CampaignSettings:
    raw = reader.get("remind_days", list, list(CampaignSettings.remind_days))
    ok = all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 366 for v in raw)
    _check(reader, "remind_days", ok, "whole days before the date, such as [7, 3, 1]")
    return CampaignSettings(remind_days=tuple(sorted(set(raw), reverse=True)))


def _documents(reader: _Reader) -> DocumentSettings:
    """A number template must hold {n}, may hold {year}, and nothing else in braces."""
    numbers: dict[str, str] = {}
    for key in ("order_number", "bulletin_number"):
        template = reader.get(key, str, getattr(DocumentSettings, key))
        try:
            sample = template.format(year=2026, n=1)
        except (KeyError, IndexError, ValueError):
            sample = ""
        _check(reader, key, "{n}" in template and bool(sample),
               "a number like 湖水督〔{year}〕{n}号, with {n} and no other {...}")
        numbers[key] = template
    return DocumentSettings(
        issuing_body=reader.get("issuing_body", str, DocumentSettings.issuing_body),
        **numbers,
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
