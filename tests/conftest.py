"""Fixtures: a fresh SQLite file per test, the real app, and simulated users."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram import Bot
from sqlalchemy import func, select

from bot.app import App, build_bot, create_app
from bot.config import Settings
from bot.simulator import Conversation, LocalSession
from storage.models import FsmRecord, User


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'joldas.db'}",
        "admin_ids": "7",
        "default_locale": "ru",
        "send_rate": 0,  # rate limiting has its own test; here it would only slow things
        "send_rate_per_chat": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


class FakeClock:
    """The time the tests say it is; moved, never slept."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def set(self, now: datetime) -> None:
        self.current = now

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 21, 6, 0, tzinfo=UTC))  # 11:00 in Almaty


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    application = await create_app(settings, clock=clock)
    yield application
    await application.close()


@pytest.fixture
def sleeps() -> list[float]:
    """Seconds the bot would have slept (retries), recorded instead of waited."""
    return []


@pytest.fixture
def bot(settings: Settings, sleeps: list[float]) -> Bot:
    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return build_bot(settings, session=LocalSession(), sleep=record_sleep)


@pytest.fixture
def chat(app: App, bot: Bot) -> Callable[..., Conversation]:
    """chat(user_id=100, lang="en") -> a user talking to the bot."""

    def open_chat(user_id: int = 100, lang: str | None = "en") -> Conversation:
        return Conversation(app.dispatcher, bot, user_id=user_id, language_code=lang)

    return open_chat


def translated(app: App, lang: str, msgid: str) -> str:
    """The catalog's text for `msgid` in `lang` (what the user must see)."""
    return app.i18n.gettext(msgid, locale=lang)


async def count_rows(app: App, user_id: int) -> tuple[int, int]:
    async with app.sessionmaker() as session:
        users = await session.scalar(
            select(func.count()).select_from(User).where(User.id == user_id)
        )
        states = await session.scalar(
            select(func.count()).select_from(FsmRecord).where(FsmRecord.user_id == user_id)
        )
    return users or 0, states or 0
