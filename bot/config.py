"""Settings from the environment or `.env` (pydantic-settings)."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot import LOCALES, PROJECT_ROOT

SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'joldas.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_url: str | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_locale: Literal["kk", "ru", "en"] = "ru"
    timezone: str = "Asia/Almaty"
    log_level: str = "INFO"
    log_file: str | None = None  # the log goes there instead of stderr (the console's: see it)
    reminder_tick_seconds: float = Field(default=5.0, gt=0)
    reminder_batch: int = Field(default=500, gt=0)
    send_rate: float = Field(default=30.0, ge=0)  # messages/s overall; 0 = no limit
    send_rate_per_chat: float = Field(default=1.0, ge=0)  # messages/s to one chat; 0 = no limit
    broadcast_rate: float = Field(default=25.0, ge=0)  # broadcast messages/s; 0 = no own limit
    # paid broadcasts (allow_paid_broadcast): Telegram charges Stars for each message
    broadcast_paid: bool = False  # may admins choose it
    broadcast_paid_rate: float = Field(default=1000.0, gt=0, le=1000)
    # scale-out: webhooks instead of long polling, Redis for state shared by instances
    webhook_url: str | None = None  # the public HTTPS URL Telegram posts updates to
    webhook_secret: SecretStr | None = None  # X-Telegram-Bot-Api-Secret-Token; required with it
    webhook_listen: str | None = None  # host:port of the server (webhook, /healthz, /metrics)
    redis_url: str | None = None

    @field_validator("bot_token", "log_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`BOT_TOKEN=` as .env.example ships it means not set yet."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("WEBHOOK_URL must be an https:// URL (Telegram posts only there)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _check_listen(cls, value: str | None) -> str | None:
        if not value:
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("WEBHOOK_LISTEN must be host:port, e.g. 0.0.0.0:8080")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis(cls, value: str | None) -> str | None:
        if not value:
            return None
        if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("REDIS_URL must be redis://host:port/db (or rediss://, unix://)")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET must be set with WEBHOOK_URL")
        return self

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def listen(self) -> tuple[str, int] | None:
        """Where the HTTP server listens: WEBHOOK_LISTEN, or 127.0.0.1:8080 with webhooks;
        None when polling without a server."""
        address = self.webhook_listen or ("127.0.0.1:8080" if self.webhook_url else None)
        if address is None:
            return None
        host, _, port = address.rpartition(":")
        return host.strip("[]"), int(port)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("database_url")
    @classmethod
    def _check_dsn(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as error:
            raise ValueError(f"DATABASE_URL is not a database URL: {error}") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("DATABASE_URL must be sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"TIMEZONE {value!r} is not an IANA time zone") from None
        return value


def supported_locale(code: str | None) -> str | None:
    """Map a Telegram language_code such as 'ru-RU' to one of ours, or None."""
    if not code:
        return None
    base = code.split("-")[0].lower()
    return base if base in LOCALES else None
