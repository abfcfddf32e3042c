"""Storage: group commit, batched lookups, the FSM storage and migrations."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select, text

from bot.app import create_app
from bot.runner import upgrade
from storage.db import create_engine, create_sessionmaker, upgrade_database
from storage.fsm import DatabaseStorage
from storage.loader import BatchLoader
from storage.models import FsmRecord, User
from storage.repositories.fsm import fsm_upsert
from storage.writer import GroupWriter


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await upgrade_database(engine)
    yield engine
    await engine.dispose()


def row(name: str, user_id: int = 1, state: str | None = "S") -> dict:
    from storage.models import utcnow

    return {"key": name, "user_id": user_id, "state": state, "data": {}, "updated_at": utcnow()}


async def test_concurrent_writes_share_transactions_and_all_land(engine):
    writer = GroupWriter(engine)
    statement = fsm_upsert(writer.dialect)
    await asyncio.gather(*(writer.write(statement, row(f"k{i}", i)) for i in range(300)))
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(FsmRecord)) == 300


async def test_one_bad_write_fails_alone(engine):
    writer = GroupWriter(engine)
    statement = fsm_upsert(writer.dialect)
    bad = row("bad")
    bad["user_id"] = None  # NOT NULL
    results = await asyncio.gather(
        writer.write(statement, row("a")),
        writer.write(statement, bad),
        writer.write(statement, row("b")),
        return_exceptions=True,
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], Exception)
    async with engine.connect() as connection:
        keys = set(await connection.scalars(select(FsmRecord.key)))
    assert keys == {"a", "b"}


async def test_lookups_asked_together_go_in_one_query():
    calls: list[list[int]] = []

    async def fetch(keys: list[int]) -> dict[int, str]:
        calls.append(sorted(keys))
        return {key: f"v{key}" for key in keys if key != 3}

    loader: BatchLoader[int, str] = BatchLoader(fetch)
    results = await asyncio.gather(*(loader.load(key) for key in (1, 2, 3, 2)))
    assert results == ["v1", "v2", None, "v2"]
    assert calls == [[1, 2, 3]]


async def test_a_failed_lookup_reaches_every_waiting_caller():
    async def fetch(keys: list[int]) -> dict[int, str]:
        raise RuntimeError("database is down")

    loader: BatchLoader[int, str] = BatchLoader(fetch)
    results = await asyncio.gather(loader.load(1), loader.load(2), return_exceptions=True)
    assert all(isinstance(result, RuntimeError) for result in results)


async def test_fsm_state_survives_a_new_storage_and_finished_dialogues_leave_no_row(engine):
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    writer = GroupWriter(engine)
    first = DatabaseStorage(create_sessionmaker(engine), writer)
    await first.set_state(key, "Onboarding:role")
    await first.update_data(key, {"flow": "onboarding"})
    await writer.close()  # the process stops: what it handed in is committed
    second = DatabaseStorage(create_sessionmaker(engine), writer := GroupWriter(engine))
    assert await second.get_state(key) == "Onboarding:role"
    assert await second.get_data(key) == {"flow": "onboarding"}
    await second.set_state(key, None)
    await second.set_data(key, {})
    await writer.close()
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(FsmRecord)) == 0


async def test_unchanged_state_writes_nothing(engine):
    statements: list[str] = []
    from sqlalchemy import event

    writer = GroupWriter(engine)
    for watched in writer.transactions.engines:
        event.listen(watched, "before_cursor_execute", lambda *args: statements.append(args[2]))
    storage = DatabaseStorage(create_sessionmaker(engine), writer)
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    await storage.set_state(key, "A")
    await writer.barrier()
    assert any("fsm_states" in statement for statement in statements)  # a change is written
    statements.clear()
    for _ in range(5):
        await storage.get_state(key)
        await storage.set_state(key, "A")
    await writer.barrier()
    assert statements == []


@pytest.mark.sqlite
async def test_db_upgrade_command_builds_the_schema(settings):
    assert await upgrade(settings) == 0
    engine = create_engine(settings.database_url)
    async with engine.connect() as connection:
        version = await connection.scalar(text("select version_num from alembic_version"))
        tables = set(await connection.scalars(text("select name from sqlite_master")))
    await engine.dispose()
    assert version and {"users", "fsm_states"} <= tables


@pytest.mark.sqlite
async def test_the_app_migrates_an_empty_sqlite_file_itself(settings):
    app = await create_app(settings)
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
    await app.close()


async def test_the_migrations_build_exactly_the_models_schema(settings):
    """Alembic's own comparison: a model change without its migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base

    assert await upgrade(settings) == 0
    engine = create_engine(settings.database_url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert differences == []


async def test_every_connection_comes_back_to_the_pool_with_its_transaction_ended(app, chat):
    """SQLite connections are not rolled back on return (one hop less per session): that
    holds only if every session and connection ends its transaction itself."""
    from sqlalchemy import event

    from storage.records import PersonalRecord

    open_on_return: list[bool] = []

    def returned(dbapi_connection, _record) -> None:
        open_on_return.append(dbapi_connection._connection.in_transaction)

    if app.engine.dialect.name != "sqlite":
        pytest.skip("about SQLite's pool")
    event.listen(app.engine.sync_engine.pool, "checkin", returned)
    user = chat(user_id=400, lang="en")
    await user.send("/start")
    await user.press("English")
    await user.press("✈️")
    await user.press(1)
    await user.send("/menu")
    await user.press("SOS")
    await user.send("help")
    record = PersonalRecord(title="x")
    await app.reminders.schedule(400, "personal", date(2026, 12, 21), record, "k")
    await user.send("/reminders")
    await user.send("/profile")
    await user.send("/delete")
    await user.press("🗑")
    assert open_on_return and not any(open_on_return)
