"""Configuration: one TOML file read into one pydantic model per section.

Every key is documented in ``config.example.toml``. The bot token may also come from the
environment variable ``MUSTER_TELEGRAM_TOKEN``, which wins over the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

TOKEN_ENV = "MUSTER_TELEGRAM_TOKEN"
TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"
TELEGRAM_HOST = "api.telegram.org"
# The name config.example.toml (and an unset [community] name) gives: residents would read it
# in their greeting, so `muster run` warns while it is still this.
EXAMPLE_COMMUNITY_NAME = "Muster"
# What Telegram allows a bot (its FAQ): 30 messages a second overall, about one a second per
# private chat, 20 a minute per group. Faster pacing only earns 429s and a ban.
TELEGRAM_PER_SECOND = 30.0
TELEGRAM_PER_CHAT_PER_SECOND = 1.0
TELEGRAM_PER_GROUP_PER_MINUTE = 20.0
# Async drivers for the URL forms people copy from elsewhere (pg_dump, SQLAlchemy's docs).
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}

Language = Literal["zh", "en"]

DEFAULT_SKILLS = (
    "first_aid",
    "medical",
    "driving",
    "counselling",
    "mediation",
    "swimming",
    "repairs",
    "translation",
    "it",
    "cooking",
    "elderly_care",
)


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line for the operator."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramConfig(_Section):
    token: SecretStr = SecretStr("")
    base_url: str = TELEGRAM_API
    base_file_url: str = TELEGRAM_FILES
    # "polling" asks Telegram for updates; "webhook" has Telegram POST them to webhook_url,
    # served on webhook_listen:webhook_port at the URL's path (TLS ends at a reverse proxy).
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Telegram sends it with every update; a request without it is refused (403).
    webhook_secret: SecretStr = SecretStr("")

    @property
    def is_telegrams_server(self) -> bool:
        """Whether ``base_url`` is Telegram's own Bot API (not a local Bot API server)."""
        return urlsplit(self.base_url).hostname == TELEGRAM_HOST

    @model_validator(mode="after")
    def _webhook_scheme(self) -> TelegramConfig:
        """Telegram calls only HTTPS webhooks; a local Bot API server (``--local``) also calls
        plain HTTP on any port."""
        url = self.webhook_url
        if not url:
            return self
        if self.is_telegrams_server and not re.fullmatch(r"https://[^/\s]+(/\S*)?", url):
            raise ValueError(
                "webhook_url must be an https:// URL (Telegram calls only HTTPS; http:// works "
                "only with a local Bot API server in base_url)"
            )
        if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", url):
            raise ValueError("webhook_url must be an http:// or https:// URL")
        return self

    @field_validator("webhook_secret")
    @classmethod
    def _secret_charset(cls, value: SecretStr) -> SecretStr:
        if not re.fullmatch(r"[A-Za-z0-9_-]{0,256}", value.get_secret_value()):
            raise ValueError("webhook_secret is 1-256 characters: letters, digits, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> TelegramConfig:
        if self.mode == "webhook" and not (
            self.webhook_url and self.webhook_secret.get_secret_value()
        ):
            raise ValueError('mode = "webhook" needs webhook_url and webhook_secret')
        return self


class DatabaseConfig(_Section):
    url: str = "sqlite+aiosqlite:///muster.db"

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """``sqlite:///x.db`` and ``postgresql://…`` (pg_dump's form) are taken with the async
        driver Muster runs on; any other database is refused."""
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {value!r}") from exc
        driver = ASYNC_DRIVERS.get(url.drivername)
        if driver is None:
            raise ValueError(
                f"{url.drivername} is not supported: use sqlite:///FILE or postgresql://…"
            )
        if driver == url.drivername:
            return value
        return url.set(drivername=driver).render_as_string(hide_password=False)


class BotConfig(_Section):
    timezone: str = "Asia/Shanghai"
    default_language: Language = "zh"
    admins: list[int] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SkillConfig(_Section):
    """A community-specific skill; the built-in ones take their labels from the catalogs."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    zh: str
    en: str


LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"  # HH:MM, 24-hour


class CommunityConfig(_Section):
    name: str = "Muster"
    # Routine messages (reminders, summaries, the monthly report, non-emergency call-outs)
    # wait while these hours last (local time); alerts and emergencies never wait. The same
    # start and end switch quiet hours off.
    quiet_hours_start: str = Field(default="22:00", pattern=LOCAL_TIME)
    quiet_hours_end: str = Field(default="07:00", pattern=LOCAL_TIME)
    compounds: list[str] = Field(default_factory=list)
    skills: list[SkillConfig | str] = Field(default_factory=lambda: list(DEFAULT_SKILLS))

    @field_validator("skills")
    @classmethod
    def _builtin_or_labelled(cls, value: list[SkillConfig | str]) -> list[SkillConfig | str]:
        for skill in value:
            if isinstance(skill, str) and skill not in DEFAULT_SKILLS:
                raise ValueError(f"skill {skill!r} is not built in; give it as {{ code, zh, en }}")
        return value

    @property
    def skill_codes(self) -> list[str]:
        return [s if isinstance(s, str) else s.code for s in self.skills]


class OutboxConfig(_Section):
    """Pacing of the one sender: kept under Telegram's limits so as not to provoke 429s."""

    global_per_second: float = Field(default=30.0, gt=0)
    per_chat_per_second: float = Field(default=1.0, gt=0)
    # Messages a private chat may get in a row before its pace applies (a reply and the next
    # question arrive together); groups get none.
    per_chat_burst: int = Field(default=3, ge=1, le=10)
    per_group_per_minute: float = Field(default=19.0, gt=0)
    concurrency: int = Field(default=8, ge=1, le=64)
    max_attempts: int = Field(default=8, ge=1)
    poll_seconds: float = Field(default=2.0, gt=0)
    # Sent and failed messages are deleted this many days after they were done.
    retention_days: int = Field(default=30, ge=1, le=3650)


class SchedulerConfig(_Section):
    # How often due work (escalations, reminders, rounds) is looked for, in seconds.
    tick_seconds: float = Field(default=5.0, gt=0, le=60)


class RoundsConfig(_Section):
    """Door-knock rounds (幸福来敲门) for elderly people living alone."""

    # Visit times (local HH:MM) given to an elder whose times the spreadsheet leaves empty.
    visit_times: list[Annotated[str, Field(pattern=LOCAL_TIME)]] = Field(
        default_factory=lambda: ["09:00", "17:00"], min_length=1, max_length=6
    )
    # Minutes after a round time in which a visit must be confirmed.
    window_minutes: int = Field(default=120, ge=10, le=720)
    # Escalation of an unconfirmed visit, each step this many minutes after the one before:
    # a reminder to the visitor (counted from the end of the window), the backup visitor, the
    # team leader, the duty officer.
    reminder_delay_minutes: int = Field(default=0, ge=0, le=720)
    backup_delay_minutes: int = Field(default=15, ge=0, le=720)
    leader_delay_minutes: int = Field(default=15, ge=0, le=720)
    duty_delay_minutes: int = Field(default=15, ge=0, le=720)
    # An alert nobody has closed once its escalation has run its course is sent again, this
    # many minutes apart, to whoever holds it then (the team leader and the duty officer, or
    # the community's leaders and administrators when neither is there), until it is closed.
    alert_repeat_minutes: int = Field(default=30, ge=5, le=1440)
    # Service minutes credited to the volunteer for each confirmed visit.
    minutes_per_visit: int = Field(default=30, ge=0, le=480)
    # When each care-team leader gets the day's summary (local time).
    summary_time: str = Field(default="21:00", pattern=LOCAL_TIME)
    # Local time the 12-hour day duty shift starts; the night shift starts 12 hours later.
    duty_day_starts: str = Field(default="08:00", pattern=LOCAL_TIME)
    # Minutes before a duty shift starts that its holder is reminded of it.
    duty_reminder_minutes: int = Field(default=60, ge=5, le=360)
    # A round time passed while the bot was down: "send_late" sends the prompts with a note and
    # a fresh window; "mark_missed" marks visits whose window is over as missed and escalates
    # them at once (visits still within their window are sent late either way).
    missed_while_down: Literal["send_late", "mark_missed"] = "send_late"

    @field_validator("visit_times")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("visit times repeat")
        return sorted(value)


class EscalationWave(_Section):
    """One step taken when a call-out is still short, ``after_minutes`` after it went out:
    ask the whole community (keeping the required skills), remind those who have not
    answered, or tell the leader it is still short."""

    after_minutes: int = Field(ge=1, le=10_080)
    action: Literal["widen", "remind", "tell_leader"]


def _default_waves() -> list[EscalationWave]:
    return [
        EscalationWave(after_minutes=10, action="widen"),
        EscalationWave(after_minutes=30, action="remind"),
        EscalationWave(after_minutes=60, action="tell_leader"),
    ]


class CalloutsConfig(_Section):
    """Call-outs: escalation when not full in time, reminders before the start, check-in."""

    waves: list[EscalationWave] = Field(default_factory=_default_waves, max_length=10)
    # Reminders to the confirmed volunteers, this many minutes before the start.
    reminders_before_minutes: list[int] = Field(default_factory=lambda: [1440, 60], max_length=5)
    # How long before the start check-in opens (minutes).
    checkin_opens_minutes: int = Field(default=60, ge=0, le=1440)

    @field_validator("waves")
    @classmethod
    def _in_order(cls, value: list[EscalationWave]) -> list[EscalationWave]:
        times = [wave.after_minutes for wave in value]
        if times != sorted(set(times)):
            raise ValueError("waves must come in order, each later than the one before")
        return value

    @field_validator("reminders_before_minutes")
    @classmethod
    def _reminder_leads(cls, value: list[int]) -> list[int]:
        if any(not 1 <= minutes <= 10_080 for minutes in value) or len(set(value)) != len(value):
            raise ValueError("reminders are distinct numbers of minutes from 1 to 10080")
        return sorted(value, reverse=True)


class ReplicasConfig(_Section):
    """Several ``muster run`` processes on one PostgreSQL database: the outbox sender and the
    scheduler run on the one holding a lease in the database, renewed every ``renew_seconds``
    for ``lease_seconds``; another takes over within about ``lease_seconds`` of its end."""

    lease_seconds: float = Field(default=10.0, ge=1, le=300)
    renew_seconds: float = Field(default=3.0, ge=0.1, le=100)

    @model_validator(mode="after")
    def _renewed_in_time(self) -> ReplicasConfig:
        if self.renew_seconds > self.lease_seconds / 2:
            raise ValueError("renew_seconds must be at most half of lease_seconds")
        return self


class ObservabilityConfig(_Section):
    """Logs, and the HTTP endpoint with /healthz and /metrics (Prometheus)."""

    # Port of the /healthz and /metrics endpoint; 0 turns it off.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_listen: str = "127.0.0.1"
    # "json": one JSON object per line (for a log collector); "text": for a person at a terminal.
    log_format: Literal["json", "text"] = "json"


class DashboardConfig(_Section):
    """The leaders' Mini App (``/dashboard``), served on the operator endpoint
    (``[observability] metrics_port``) at ``/dashboard/``."""

    enabled: bool = False
    # The public HTTPS address of /dashboard/ (registered with @BotFather as the Mini App's
    # domain); the menu button, /dashboard and the roster card open it.
    url: str = ""
    # How old (seconds) Telegram's initData may be; older is refused (401) and the page asks
    # to reopen the board.
    init_data_max_age: int = Field(default=86_400, ge=60, le=7 * 86_400)

    @model_validator(mode="after")
    def _address(self) -> DashboardConfig:
        if self.enabled and urlsplit(self.url).scheme not in ("https", "http"):
            raise ValueError("url must be the board's public https:// address when enabled")
        return self


class Config(_Section):
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    bot: BotConfig = Field(default_factory=BotConfig)
    community: CommunityConfig = Field(default_factory=CommunityConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    rounds: RoundsConfig = Field(default_factory=RoundsConfig)
    callouts: CalloutsConfig = Field(default_factory=CalloutsConfig)
    replicas: ReplicasConfig = Field(default_factory=ReplicasConfig)
    observability: ObservabilityConfig = Field(default_factory=ObservabilityConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)

    @property
    def token(self) -> str:
        return self.telegram.token.get_secret_value()

    @property
    def has_example_name(self) -> bool:
        return self.community.name.strip() == EXAMPLE_COMMUNITY_NAME

    @model_validator(mode="after")
    def _dashboard_served(self) -> Config:
        """The board is served on the operator endpoint, so it needs its port; Telegram opens
        Mini Apps only over HTTPS (a test emulator may be given plain http)."""
        board = self.dashboard
        if not board.enabled:
            return self
        if not self.observability.metrics_port:
            raise ValueError("dashboard.enabled needs [observability] metrics_port")
        if self.telegram.is_telegrams_server and not board.url.startswith("https://"):
            raise ValueError("dashboard.url must be https:// (Telegram opens Mini Apps so)")
        return self

    @model_validator(mode="after")
    def _within_telegrams_limits(self) -> Config:
        """Pacing faster than Telegram allows only provokes 429s; refused when talking to
        Telegram itself (a test emulator or a local server may be given anything)."""
        if not self.telegram.is_telegrams_server:
            return self
        outbox = self.outbox
        for key, value, limit, unit in (
            ("global_per_second", outbox.global_per_second, TELEGRAM_PER_SECOND, "a second"),
            (
                "per_chat_per_second",
                outbox.per_chat_per_second,
                TELEGRAM_PER_CHAT_PER_SECOND,
                "a second per chat",
            ),
            (
                "per_group_per_minute",
                outbox.per_group_per_minute,
                TELEGRAM_PER_GROUP_PER_MINUTE,
                "a minute per group",
            ),
        ):
            if value > limit:
                raise ValueError(
                    f"outbox.{key} = {value:g} is more than Telegram allows ({limit:g} {unit})"
                )
        return self


def load_config(
    path: str | os.PathLike[str],
    environ: dict[str, str] | None = None,
    *,
    need_token: bool = True,
) -> Config:
    """Read and validate the config file; raise ``ConfigError`` with a one-line reason.
    ``need_token``: only commands that talk to Telegram need one (`muster run`)."""
    environ = dict(os.environ) if environ is None else environ
    file = Path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {file}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {file} is not valid TOML: {exc}") from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"config file {file}: {_first_error(exc)}") from None
    if environ.get(TOKEN_ENV):
        config.telegram.token = SecretStr(environ[TOKEN_ENV])
    if need_token and not config.token:
        raise ConfigError(f"no bot token: set [telegram] token in {file} or {TOKEN_ENV}")
    config.database.url = _anchor_sqlite(config.database.url, file.parent)
    return config


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _anchor_sqlite(url: str, base: Path) -> str:
    """A relative SQLite path means beside the config file, not the working directory."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return url
    if parsed.database == ":memory:" or Path(parsed.database).is_absolute():
        return url
    return parsed.set(database=str((base / parsed.database).resolve())).render_as_string(
        hide_password=False
    )
