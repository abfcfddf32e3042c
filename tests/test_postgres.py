"""The PostgreSQL path: migrations, upserts, and reminder claims shared by two instances.

Runs when JOLDAS_TEST_POSTGRES_URL names an empty test database
(`.ci/run` starts a local server and sets it); skipped otherwise, with the reason shown.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from bot.app import build_bot, create_app
from bot.simulator import Conversation, LocalSession
from storage.db import create_engine
from storage.records import PersonalRecord
from tests.conftest import FakeClock, make_settings

URL = os.environ.get("JOLDAS_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="JOLDAS_TEST_POSTGRES_URL is not set")


@pytest.fixture
async def pg_settings(tmp_path):
    engine = create_engine(URL)
    async with engine.begin() as connection:  # a clean schema for every test
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return make_settings(tmp_path, database_url=URL)


async def test_migrations_onboarding_and_delete_on_postgres(pg_settings, clock):
    app = await create_app(pg_settings, migrate=True, clock=clock)
    bot = build_bot(pg_settings, session=LocalSession())
    try:
        user = Conversation(app.dispatcher, bot, user_id=5, language_code="ru")
        await user.send("/start")
        await user.press("Русский")
        await user.press("🌍")
        sent = await user.press("Узбекистан")
        assert "Узбекистан" not in sent[-1].text  # the menu, not the question again
        profile = await app.users.get(5)
        assert (profile.locale, profile.role, profile.citizenship) == ("ru", "migrant", "UZ")
        await app.reminders.schedule(
            5, "personal", date(2026, 12, 21), PersonalRecord(title="x"), "p:1"
        )
        await user.send("/delete")
        await user.press("🗑")
        async with app.engine.connect() as connection:
            left = await connection.scalar(
                text("select (select count(*) from users) + (select count(*) from reminders)")
            )
        assert left == 0
    finally:
        await app.close()


async def test_two_instances_share_the_reminder_table_without_double_sends(pg_settings):
    clock = FakeClock(datetime(2026, 11, 21, 6, tzinfo=UTC))
    apps = [await create_app(pg_settings, migrate=True, clock=clock) for _ in range(2)]
    bots = [build_bot(pg_settings, session=LocalSession()) for _ in apps]
    try:
        for user_id in range(1, 401):
            await apps[0].users.save(user_id, locale="en")
            await apps[0].reminders.schedule(
                user_id, "personal", date(2026, 12, 21), PersonalRecord(title="x"), "p:1"
            )
        clock.set(datetime(2026, 12, 14, 5, tzinfo=UTC))
        for app in apps:
            app.reminders.batch_size = 50  # many small claims racing each other

        async def drain(app, bot):
            while (await app.reminders.tick(bot)).claimed:
                pass

        await asyncio.gather(*(drain(a, b) for a, b in zip(apps, bots, strict=True)))
        sent = [s.chat_id for bot in bots for s in bot.session.requests if s.name == "sendMessage"]
        assert sorted(sent) == list(range(1, 401))
        assert all(bot.session.requests for bot in bots)  # both instances took a share
    finally:
        for app in apps:
            await app.close()


async def test_attache_desk_on_postgres(pg_settings, clock):
    app = await create_app(pg_settings, migrate=True, clock=clock)
    bot = build_bot(pg_settings, session=LocalSession())
    try:
        admin = Conversation(app.dispatcher, bot, user_id=7, language_code="en")
        await admin.send("/start")
        await admin.send("/staff add 9000000001 RU")  # ids beyond 32 bits
        user = Conversation(app.dispatcher, bot, user_id=9000000002, language_code="en")
        await user.send("/start")
        await user.press("English")
        await user.press("✈️")
        await user.press(len(user.buttons()))  # no country: the case goes to the admins
        await user.send("/menu")
        await user.press("SOS")
        await user.send("help")
        clock.advance(minutes=16)
        assert await app.desk.tick(bot) == 1  # escalated to the one admin
        [listed] = await admin.send("/cases")
        assert "🆘" in listed.buttons[0][0]
        await admin.reply("on my way", admin.last_with_buttons())
        [mine] = await user.send("/mycases")
        assert "#1" in mine.buttons[0][0]
        await user.send("/delete")
        await user.press("🗑")
        async with app.engine.connect() as connection:
            left = await connection.scalar(
                text(
                    "select (select count(*) from cases) + (select count(*) from case_messages)"
                    " + (select count(*) from relay_links)"
                )
            )
        assert left == 0
    finally:
        await app.close()


async def test_two_instances_share_a_broadcast_without_double_sends(pg_settings, monkeypatch):
    import bot.services.broadcasts as engine
    from storage.records import Audience, Content

    clock = FakeClock(datetime(2026, 11, 21, 6, tzinfo=UTC))
    apps = [await create_app(pg_settings, migrate=True, clock=clock) for _ in range(2)]
    bots = [build_bot(pg_settings, session=LocalSession()) for _ in apps]
    monkeypatch.setattr(engine, "batch_size", lambda rate: 25)  # many small claims racing
    try:
        for user_id in range(1001, 1401):
            await apps[0].users.save(user_id, locale="en", role="migrant")
        authority = await apps[0].broadcasts.authority(7)
        assert authority is not None
        await apps[0].broadcasts.create(
            authority, Audience(role="migrant"), {"ru": Content(kind="text", html="x")}, None, None
        )
        await apps[0].broadcasts.tick(bots[0])  # one instance starts it
        await asyncio.gather(*(app.broadcasts.drain(b) for app, b in zip(apps, bots, strict=True)))
        sent = [
            s.chat_id
            for b in bots
            for s in b.session.requests
            if s.name == "sendMessage" and s.chat_id != 7
        ]
        assert sorted(sent) == list(range(1001, 1401))  # everyone once
        assert all(len([s for s in b.session.requests if s.chat_id != 7]) for b in bots)
        async with apps[0].engine.connect() as connection:
            status = await connection.scalar(text("select status from broadcasts"))
        assert status == "done"
    finally:
        for app in apps:
            await app.close()
