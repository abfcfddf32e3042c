"""Settings from the environment or `.env` (pydantic-settings)."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot import LOCALES, PROJECT_ROOT

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
    reminder_tick_seconds: float = Field(default=5.0, gt=0)
    reminder_batch: int = Field(default=500, gt=0)
    send_rate: float = Field(default=30.0, ge=0)  # messages/s overall; 0 = no limit
    send_rate_per_chat: float = Field(default=1.0, ge=0)  # messages/s to one chat; 0 = no limit
    broadcast_rate: float = Field(default=25.0, ge=0)  # broadcast messages/s; 0 = no own limit
    # paid broadcasts (allow_paid_broadcast): Telegram charges Stars for each message
    broadcast_paid: bool = False  # may admins choose it
    broadcast_paid_rate: float = Field(default=1000.0, gt=0, le=1000)

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
