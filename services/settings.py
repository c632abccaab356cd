"""Frozen settings the services work with; `bot.config` fills them from config.toml."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from models.case import Severity, Stage
from services.grid.datum import Datum
from services.photos.limits import PhotoLimits


@dataclass(frozen=True)
class Category:
    code: str
    zh_CN: str
    en: str
    severity: Severity
    emergency: bool

    def name(self, language: str) -> str:
        return self.zh_CN if language.startswith("zh") else self.en


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    api_base_url: str = "https://api.telegram.org/bot"
    file_base_url: str = "https://api.telegram.org/file/bot"
    bot_username: str = ""
    concurrent_updates: int = 8  # different chats side by side, each chat in order


@dataclass(frozen=True)
class WeComSettings:
    """A WeCom self-built app (自建应用): its ids, the callback's secrets, where the callback
    listens, and the datum its location messages come in. Filled when `corp_id` is set."""

    corp_id: str = ""
    agent_id: int = 0
    token: str = ""  # the callback's signature secret
    secret: str = ""  # the app's secret, for access tokens
    encoding_aes_key: str = ""  # 43 characters
    api_base_url: str = "https://qyapi.weixin.qq.com"
    listen: str = "127.0.0.1"
    port: int = 8444
    path: str = "/wecom/callback"
    datum: Datum = Datum.GCJ02

    @property
    def enabled(self) -> bool:
        return bool(self.corp_id)


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///data/gridpatrol.db"
    echo: bool = False


@dataclass(frozen=True)
class LocaleSettings:
    default: str = "zh_CN"
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class CaseRules:
    number_prefix: str = "HZ"
    max_photos: int = 10
    max_description: int = 1000
    reports_per_hour: int = 10
    draft_ttl: timedelta = timedelta(hours=24)
    duplicate_radius_m: float = 250.0
    duplicate_window: timedelta = timedelta(days=7)
    duplicate_phash_distance: int = 6
    fix_distance_warning_m: float = 200.0


@dataclass(frozen=True)
class Deadlines:
    """Time allowed per stage and severity."""

    table: dict[Stage, dict[Severity, timedelta]]
    reminders_at: tuple[float, ...] = (0.5, 0.9)

    def allowed(self, stage: Stage, severity: Severity) -> timedelta:
        return self.table[stage][severity]


@dataclass(frozen=True)
class ScheduleSettings:
    sweep_interval: timedelta = timedelta(seconds=60)
    outbox_interval: timedelta = timedelta(seconds=2)
    digest_time: str = "08:00"


@dataclass(frozen=True)
class OutboxSettings:
    global_per_second: float = 30.0
    private_per_second: float = 1.0
    group_per_minute: float = 20.0
    max_attempts: int = 8
    # an uncertain send of a kind that is repeated (services.notices.rules) waits this long
    repeat_after: timedelta = timedelta(seconds=30)


class GroupAlerts(StrEnum):
    ALSO = "also"  # a bound group gets a copy; managers still hear privately
    INSTEAD = "instead"  # managers of a cell whose group gets the alert are not told privately


@dataclass(frozen=True)
class GroupSettings:
    alerts: GroupAlerts = GroupAlerts.ALSO


class MapProvider(StrEnum):
    AUTO = "auto"  # by the reader's language: AMap (高德) for Chinese, OpenStreetMap otherwise
    AMAP = "amap"
    OSM = "osm"


@dataclass(frozen=True)
class MapSettings:
    provider: MapProvider = MapProvider.AUTO


@dataclass(frozen=True)
class SandboxSettings:
    host: str = "127.0.0.1"
    port: int = 8081
    flood_limits: bool = True


@dataclass(frozen=True)
class WebhookSettings:
    listen: str = "127.0.0.1"
    port: int = 8443
    url: str = ""
    secret_token: str = ""
    health_port: int = 0  # GET /healthz on webhook.listen at this port; 0: no health server


@dataclass(frozen=True)
class LimitSettings:
    """The per-user flood guard: past `user_updates` updates within `user_window` from one
    person, the bot answers once and ignores the rest until the window passes."""

    user_updates: int = 30
    user_window: timedelta = timedelta(seconds=20)


class PhotoStoreKind(StrEnum):
    """Where photos are kept (`storage.photo_store`): files under photos_dir (one machine, or a
    shared folder), or the database, which every process of the bot reads alike."""

    FILES = "files"
    DATABASE = "database"


@dataclass(frozen=True)
class DocumentSettings:
    """How the office's documents are numbered and signed ({year} and {n} in the numbers)."""

    issuing_body: str = "湖州市饮用水水源地保护工作领导小组办公室"
    order_number: str = "湖水督〔{year}〕{n}号"
    bulletin_number: str = "{year}年第{n}期"


@dataclass(frozen=True)
class CampaignSettings:
    """When the managers of a campaign's open cases are reminded: days before its date."""

    remind_days: tuple[int, ...] = (7, 3, 1)


@dataclass(frozen=True)
class Open311Settings:
    """The Open311 GeoReport v2 API and the case feeds (bot.open311): served by `gridpatrol run`
    on `listen`:`port` when `port` is set (0: off). A posted request becomes a case of `origin`
    (public or assigned); a body past `max_body_bytes` is refused; the cases (requests, media,
    feeds) are read with a client's key unless `public_reads` (the categories are open to all)."""

    port: int = 0
    listen: str = "127.0.0.1"
    jurisdiction_id: str = ""
    origin: str = "public"
    max_body_bytes: int = 65_536
    public_reads: bool = False

    @property
    def enabled(self) -> bool:
        return self.port > 0


@dataclass(frozen=True)
class PatrolRule:
    """What makes a patrol of a cell of one level count, and how often one is due: every
    `every` in the months listed (1-12)."""

    min_minutes: float
    min_km: float
    min_checkpoints: int = 0
    every: timedelta = timedelta(days=7)
    months: tuple[int, ...] = tuple(range(1, 13))


DEFAULT_PATROL_RULES: dict[str, PatrolRule] = {
    "village": PatrolRule(30, 2.0, 0, timedelta(days=7), tuple(range(3, 13))),
    "township": PatrolRule(10, 1.0, 0, timedelta(days=14)),
    "county": PatrolRule(5, 0.3, 0, timedelta(days=30)),
    "city": PatrolRule(5, 0.3, 0, timedelta(days=30)),
}


@dataclass(frozen=True)
class PatrolSettings:
    """How a patrol's track is judged: points faster than `max_speed_mps` from the last counted
    one, or less accurate than `max_accuracy_m`, are flagged and left out of the distance; a
    silence longer than `gap` is a gap; none for `idle_close` ends the patrol; with
    `remind_missed`, a cell whose source misses its patrol is reminded by the sweep."""

    max_speed_mps: float = 30.0
    max_accuracy_m: float = 100.0
    gap: timedelta = timedelta(minutes=2)
    idle_close: timedelta = timedelta(minutes=15)
    remind_missed: bool = True
    rules: dict[str, PatrolRule] = field(default_factory=lambda: dict(DEFAULT_PATROL_RULES))

    def rule(self, level: str) -> PatrolRule:
        return self.rules.get(level) or DEFAULT_PATROL_RULES["village"]


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"
    json: bool = False


@dataclass(frozen=True)
class Settings:
    """Everything config.toml says, read once and passed in."""

    source: Path
    telegram: TelegramSettings
    database: DatabaseSettings
    photos_dir: Path
    locale: LocaleSettings
    cases: CaseRules
    photos: PhotoLimits
    deadlines: Deadlines
    schedule: ScheduleSettings
    outbox: OutboxSettings
    sandbox: SandboxSettings
    webhook: WebhookSettings
    logging: LoggingSettings
    categories: tuple[Category, ...] = field(default_factory=tuple)
    groups: GroupSettings = field(default_factory=GroupSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    maps: MapSettings = field(default_factory=MapSettings)
    wecom: WeComSettings = field(default_factory=WeComSettings)
    photo_store: PhotoStoreKind = PhotoStoreKind.FILES
    documents: DocumentSettings = field(default_factory=DocumentSettings)
    campaigns: CampaignSettings = field(default_factory=CampaignSettings)
    open311: Open311Settings = field(default_factory=Open311Settings)
    patrols: PatrolSettings = field(default_factory=PatrolSettings)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)
