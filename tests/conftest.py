"""Fixtures: a fresh SQLite file per test, the real app, and simulated users.

With JOLDAS_TEST_POSTGRES_URL and JOLDAS_TEST_REDIS_URL set (`.ci/run` starts both servers),
the storage, reminder, broadcast and dialogue modules run twice: on SQLite alone, and on
PostgreSQL with Redis holding conversation state, per-user order and profiles, as several
instances do. Each test there starts from an empty schema and an empty Redis database.
"""

from __future__ import annotations

import os
import shutil
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

POSTGRES_URL = os.environ.get("JOLDAS_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("JOLDAS_TEST_REDIS_URL")
# the modules that also run on PostgreSQL + Redis when both are there
SHARED_BACKEND = {"test_storage", "test_reminders", "test_reminder_faults", "test_broadcasts"}
SHARED_BACKEND |= {"test_onboarding", "test_emigrants", "test_webhook", "test_directory"}
SHARED_BACKEND |= {"test_privacy", "test_notices"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    shared = module in SHARED_BACKEND and not metafunc.definition.get_closest_marker("sqlite")
    if "backend" in metafunc.fixturenames and shared and POSTGRES_URL and REDIS_URL:
        metafunc.parametrize("backend", ["sqlite", "postgres+redis"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


async def reset_servers() -> None:
    """An empty database at the latest schema on the test PostgreSQL server, and an empty
    Redis database."""
    from redis.asyncio import Redis
    from sqlalchemy import text

    from storage.db import create_engine, upgrade_database

    assert POSTGRES_URL and REDIS_URL
    engine = create_engine(POSTGRES_URL)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await upgrade_database(engine)
    await engine.dispose()
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()


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


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file at the latest schema, made once: each test starts from a copy (the
    migrations run once per session, not once per test)."""
    import asyncio

    from storage.db import create_engine, upgrade_database

    path = tmp_path_factory.mktemp("template") / "joldas.db"

    async def migrate() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade_database(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return path


@pytest.fixture
async def settings(tmp_path: Path, backend: str, migrated_database: Path) -> Settings:
    if backend == "sqlite":
        shutil.copyfile(migrated_database, tmp_path / "joldas.db")
        return make_settings(tmp_path)
    await reset_servers()
    return make_settings(tmp_path, database_url=POSTGRES_URL, redis_url=REDIS_URL)


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
    application = await create_app(settings, migrate=True, clock=clock)
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
    await app.writer.barrier()  # dialogue state and profiles are written without waiting
    async with app.sessionmaker() as session:
        users = await session.scalar(
            select(func.count()).select_from(User).where(User.id == user_id)
        )
        states = await session.scalar(
            select(func.count()).select_from(FsmRecord).where(FsmRecord.user_id == user_id)
        )
    return users or 0, states or 0
