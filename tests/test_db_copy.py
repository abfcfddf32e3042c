"""`db copy`: the bot's data moved from SQLite to another database, and the bot going on there.

The source is made by the real bot (onboarding, a reminder, an SOS case, a broadcast). The
PostgreSQL test runs when JOLDAS_TEST_POSTGRES_URL names an empty test database.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, insert, null, select, text

import storage.copy
from bot.__main__ import main
from bot.app import build_bot, create_app
from bot.simulator import Conversation, LocalSession
from storage.copy import CopyError, copy_database
from storage.db import create_engine
from storage.models import Base, Broadcast, Reminder, User
from storage.records import Audience, Content, PersonalRecord
from tests.conftest import FakeClock, make_settings, translated

PG_URL = os.environ.get("JOLDAS_TEST_POSTGRES_URL")
BIG = 9_000_000_001  # a Telegram id beyond 32 bits
EMIGRANT = 5
START = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
DUE = date(2026, 12, 21)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def source(tmp_path: Path) -> str:
    """An SQLite file written by the bot itself: two users, a reminder, a case, a broadcast."""
    url = sqlite_url(tmp_path / "source" / "joldas.db")
    settings = make_settings(tmp_path, database_url=url)
    app = await create_app(settings, clock=FakeClock(START))
    bot = build_bot(settings, session=LocalSession())
    try:
        migrant = Conversation(app.dispatcher, bot, user_id=BIG, language_code="en")
        await migrant.send("/start")
        await migrant.press("English")
        await migrant.press("🌍")
        await migrant.press("Uzbekistan")
        await app.reminders.schedule(BIG, "personal", DUE, PersonalRecord(title="visa"), "p:1")

        emigrant = Conversation(app.dispatcher, bot, user_id=EMIGRANT, language_code="ru")
        await emigrant.send("/start")
        await emigrant.press("Русский")
        await emigrant.press("✈️")
        await emigrant.press("Республика Корея")
        await emigrant.send("/menu")
        await emigrant.press("SOS")
        await emigrant.send("помогите")  # a case, its message, and relay links to the admin

        authority = await app.broadcasts.authority(7)
        assert authority is not None
        await app.broadcasts.create(
            authority,
            Audience(role="migrant"),
            {"en": Content(kind="text", html="<b>news</b>")},
            None,
            START + timedelta(days=1),
        )
    finally:
        await app.close()
    return url


@pytest.fixture
async def pg_url() -> str:
    if not PG_URL:
        pytest.skip("JOLDAS_TEST_POSTGRES_URL is not set")
    engine = create_engine(PG_URL)
    async with engine.begin() as connection:  # a clean schema for every test
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return PG_URL


async def contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in primary key order, as the models read them."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {
                table.name: list(
                    await connection.execute(select(table).order_by(*table.primary_key.columns))
                )
                for table in Base.metadata.sorted_tables
            }
    finally:
        await engine.dispose()


async def counts(url: str) -> dict[str, int]:
    return {name: len(rows) for name, rows in (await contents(url)).items()}


async def check_copied(source: str, target: str, copied: dict[str, int]) -> None:
    """The target holds exactly the source's rows, values and types intact."""
    before, after = await contents(source), await contents(target)
    assert copied == {name: len(rows) for name, rows in before.items()}
    for table in ("users", "fsm_states", "deadlines", "reminders", "cases", "case_messages"):
        assert copied[table] > 0, table  # the source really exercises the table
    assert copied["relay_links"] > 0 and copied["broadcasts"] == 1
    assert after == before

    engine = create_engine(target)
    try:
        async with engine.connect() as connection:
            profile = (await connection.execute(select(User).where(User.id == BIG))).one()
            reminder_due = await connection.scalar(
                select(Reminder.due_at).where(Reminder.user_id == BIG).order_by(Reminder.id)
            )
            broadcast = (await connection.execute(select(Broadcast))).one()
    finally:
        await engine.dispose()
    assert (profile.locale, profile.role, profile.citizenship) == ("en", "migrant", "UZ")
    assert reminder_due is not None
    assert reminder_due.tzinfo is not None and reminder_due.utcoffset() == timedelta(0)
    assert reminder_due == datetime(2026, 12, 14, 5, 0, tzinfo=UTC)  # 7 days before, 10:00
    assert broadcast.audience["role"] == "migrant"
    assert broadcast.contents["en"]["html"] == "<b>news</b>"
    assert broadcast.scheduled_at == START + timedelta(days=1)


async def test_sqlite_to_sqlite_copies_every_row(source, tmp_path):
    target = sqlite_url(tmp_path / "target" / "joldas.db")
    copied = await copy_database(source, target, batch=2)  # small pages: keyset paging
    await check_copied(source, target, copied)


async def test_sqlite_to_postgres_and_the_bot_goes_on_there(source, pg_url, tmp_path):
    copied = await copy_database(source, pg_url, batch=3)
    await check_copied(source, pg_url, copied)

    settings = make_settings(tmp_path, database_url=pg_url)
    app = await create_app(settings, migrate=True, clock=FakeClock(START))
    bot = build_bot(settings, session=LocalSession())
    try:
        migrant = Conversation(app.dispatcher, bot, user_id=BIG, language_code="ru")
        [menu] = await migrant.send("/menu")  # English, as chosen, though Telegram says ru
        assert translated(app, "en", "📅 How long may I stay") in [b for b, _ in menu.buttons]
        emigrant = Conversation(app.dispatcher, bot, user_id=EMIGRANT, language_code="en")
        [menu] = await emigrant.send("/menu")
        assert translated(app, "ru", "🆘 SOS: I need help now") in [b for b, _ in menu.buttons]

        # new rows get new ids: the sequences were moved past the copied ones
        await app.reminders.schedule(BIG, "personal", DUE, PersonalRecord(title="rent"), "p:2")
        await emigrant.press(translated(app, "ru", "🆘 SOS: I need help now"))
        await emigrant.send("ещё вопрос")  # joins the copied open case
        async with app.engine.connect() as connection:
            deadlines = await connection.scalar(text("select count(*) from deadlines"))
            messages = await connection.scalar(text("select count(*) from case_messages"))
        assert deadlines == copied["deadlines"] + 1
        assert messages == copied["case_messages"] + 1
    finally:
        await app.close()


async def test_a_target_with_rows_is_refused_and_left_alone(source, tmp_path):
    target = sqlite_url(tmp_path / "target.db")
    settings = make_settings(tmp_path, database_url=target)
    app = await create_app(settings, clock=FakeClock(START))
    await app.users.save(42, locale="kk")
    await app.close()
    before = await contents(target)

    with pytest.raises(CopyError, match="not empty: table users"):
        await copy_database(source, target)
    assert await contents(target) == before
    with pytest.raises(CopyError, match="same database"):
        await copy_database(source, source.replace("source/", "source/../source/"))
    with pytest.raises(CopyError, match="does not exist"):
        await copy_database(sqlite_url(tmp_path / "typo.db"), sqlite_url(tmp_path / "new.db"))
    assert not (tmp_path / "typo.db").exists()  # not created empty by looking


async def test_a_failure_midway_leaves_the_target_empty(source, tmp_path, monkeypatch):
    real_copy_table = storage.copy.copy_table

    async def copy_then_fail(reading, writing, table, batch):
        copied = await real_copy_table(reading, writing, table, batch)
        if table.name == "reminders":
            raise RuntimeError("disk full")
        return copied

    monkeypatch.setattr(storage.copy, "copy_table", copy_then_fail)
    target = sqlite_url(tmp_path / "target.db")
    with pytest.raises(RuntimeError, match="disk full"):
        await copy_database(source, target)
    assert set((await counts(target)).values()) == {0}


async def test_json_null_and_sql_null_stay_apart(tmp_path):
    table = Table(
        "notes",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("part", String(4), primary_key=True),
        Column("plain", JSON, nullable=True),
        Column("strict", JSON(none_as_null=True), nullable=True),
    )
    rows = [
        {"id": 1, "part": "a", "plain": None, "strict": JSON.NULL},  # JSON null in both
        {"id": 1, "part": "b", "plain": null(), "strict": None},  # SQL NULL in both
        {"id": 2, "part": "a", "plain": {"k": [1, "ü"]}, "strict": [None]},
    ]
    shown = text(
        "select id, part, plain is null, plain, strict is null, strict from notes order by id, part"
    )
    engines = [create_engine(sqlite_url(tmp_path / f"{name}.db")) for name in ("a", "b")]
    try:
        for engine in engines:
            async with engine.begin() as connection:
                await connection.run_sync(table.metadata.create_all)
        async with engines[0].begin() as connection:
            await connection.execute(insert(table), rows)
        async with engines[0].connect() as reading, engines[1].begin() as writing:
            assert await storage.copy.copy_table(reading, writing, table, batch=1) == 3
        copies = []
        for engine in engines:
            async with engine.connect() as connection:
                copies.append(list(await connection.execute(shown)))
    finally:
        for engine in engines:
            await engine.dispose()
    assert copies[1] == copies[0]
    assert [row[2] for row in copies[0]] == [0, 1, 0]  # the source really has both kinds


def test_the_command_prints_the_rows_per_table_and_refuses_a_second_copy(source, tmp_path, capsys):
    target = sqlite_url(tmp_path / "target.db")
    with pytest.raises(SystemExit) as done:
        main(["db", "copy", source, target])
    assert done.value.code == 0
    out = capsys.readouterr().out
    lines = dict(line.rsplit(maxsplit=1) for line in out.splitlines()[:-1])
    assert {name.strip() for name in lines} == {t.name for t in Base.metadata.sorted_tables}
    assert lines["users"] == "2"
    total = out.splitlines()[-1].split()
    assert total[0] == "total" and int(total[1]) == sum(int(n) for n in lines.values())

    with pytest.raises(SystemExit) as done:
        main(["db", "copy", source, target])
    assert done.value.code == 1
    captured = capsys.readouterr()
    assert "not empty" in captured.err and "Traceback" not in captured.err
    assert captured.out == ""
