"""Configuration: one TOML file read into one pydantic model per section.

Every key is documented in ``config.example.toml``. The bot token may also come from the
environment variable ``MUSTER_TELEGRAM_TOKEN``, which wins over the file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

TOKEN_ENV = "MUSTER_TELEGRAM_TOKEN"
TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"

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


class DatabaseConfig(_Section):
    url: str = "sqlite+aiosqlite:///muster.db"

    @field_validator("url")
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {value!r}") from exc
        return value


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


class CommunityConfig(_Section):
    name: str = "Muster"
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

    global_per_second: float = Field(default=29.0, gt=0)
    per_chat_per_second: float = Field(default=1.0, gt=0)
    per_group_per_minute: float = Field(default=19.0, gt=0)
    concurrency: int = Field(default=8, ge=1, le=64)
    max_attempts: int = Field(default=8, ge=1)
    poll_seconds: float = Field(default=2.0, gt=0)


class SchedulerConfig(_Section):
    # How often due work (escalations, reminders, rounds) is looked for, in seconds.
    tick_seconds: float = Field(default=5.0, gt=0, le=60)


class Config(_Section):
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    bot: BotConfig = Field(default_factory=BotConfig)
    community: CommunityConfig = Field(default_factory=CommunityConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)

    @property
    def token(self) -> str:
        return self.telegram.token.get_secret_value()


def load_config(path: str | os.PathLike[str], environ: dict[str, str] | None = None) -> Config:
    """Read and validate the config file; raise ``ConfigError`` with a one-line reason."""
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
    if not config.token:
        raise ConfigError(f"no bot token: set [telegram] token in {file} or {TOKEN_ENV}")
    config.database.url = _anchor_sqlite(config.database.url, file.parent)
    return config


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}"


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
