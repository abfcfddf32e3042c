"""Two instances on one PostgreSQL and one Redis, as `deploy/` runs them: a user's dialogue
goes on whichever instance gets each update; a broadcast and a reminder backlog are shared
with nobody served twice; an instance that dies midway loses nothing.

Runs when JOLDAS_TEST_POSTGRES_URL and JOLDAS_TEST_REDIS_URL are set (`.ci/run` starts both).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, text

from bot.app import App, build_bot, create_app
from bot.services.reminders import RUNNING
from bot.simulator import Conversation, LocalSession
from storage.models import User
from storage.records import Audience, Content, PersonalRecord
from tests.conftest import POSTGRES_URL, REDIS_URL, FakeClock, make_settings, reset_servers

pytestmark = pytest.mark.skipif(
    not (POSTGRES_URL and REDIS_URL),
    reason="JOLDAS_TEST_POSTGRES_URL and JOLDAS_TEST_REDIS_URL are not both set",
)
Redis = pytest.importorskip(
    "redis.asyncio", reason="the redis package is not installed (pip install -e '.[dev]')"
).Redis


@pytest.fixture
async def pair(tmp_path):
    await reset_servers()
    settings = make_settings(
        tmp_path, database_url=POSTGRES_URL, redis_url=REDIS_URL, broadcast_rate=0
    )  # no rate limits: the engine's own speed
    clock = FakeClock(datetime(2026, 11, 21, 6, tzinfo=UTC))
    apps = [await create_app(settings, clock=clock) for _ in range(2)]
    for app in apps:
        await app.reminders.heartbeat()
    yield apps, clock
    for app in apps:
        await app.close()


async def test_a_dialogue_goes_on_across_instances_and_a_language_change_is_seen_at_once(pair):
    (a, b), _ = pair
    telegram = build_bot(a.settings, session=LocalSession())  # one Telegram for both
    user = Conversation(a.dispatcher, telegram, user_id=501, language_code="ru")

    def on(app: App) -> Conversation:
        user.dispatcher = app.dispatcher  # the proxy sends this update to that instance
        return user

    await on(a).send("/start")
    await on(b).press("Русский")
    await on(a).press("🌍")
    sent = await on(b).press("Узбекистан")  # the last step, on the other instance
    assert "Узбекистан" not in sent[-1].text  # the menu: B knew where the dialogue was
    assert (await b.users.get(501)).citizenship == "UZ"

    await on(a).send("/language")
    await on(b).press("English")  # changed on B ...
    [menu] = await on(a).send("/menu")  # ... and A answers in English at once
    assert "Main menu." in menu.text

    await on(a).send("/stay")  # a dialogue left half-way on A ...
    await on(b).send("/delete")
    sent = await on(a).press("🗑")  # ... and everything goes, Redis included
    assert [s.name for s in sent] == ["answerCallbackQuery", "editMessageText"]  # no apology
    assert "deleted everything" in sent[-1].text
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match="fsm:*:501:501:*")]
        assert keys == []
        assert await redis.get("joldas:profile:501") == b"-"  # known to be gone, everywhere
    finally:
        await redis.aclose()
    assert await a.users.get(501) is None and await b.users.get(501) is None


async def add_users(app: App, ids: range, role: str = "migrant") -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        {
            "id": user_id,
            "locale": "en",
            "role": role,
            "timezone": "Asia/Almaty",
            "is_active": True,
            "created_at": now,
            "updated_at": now,
        }
        for user_id in ids
    ]
    async with app.engine.begin() as connection:
        for start in range(0, len(rows), 1000):
            await connection.execute(insert(User.__table__), rows[start : start + 1000])


async def schedule_reminders(app: App, ids: range) -> None:
    async def one(user_id: int) -> None:
        record = PersonalRecord(title="x")
        await app.reminders.schedule(
            user_id, "personal", date(2026, 12, 21), record, "p", days_before=(7,)
        )

    for start in range(0, len(ids), 50):
        await asyncio.gather(*(one(user_id) for user_id in ids[start : start + 50]))


async def work(app: App, bot) -> None:
    """What the runner's jobs do, until nothing is left: reminders and the broadcast."""
    while True:
        reminders = await app.reminders.tick(bot)
        broadcasts = await app.broadcasts.tick(bot)
        if not (reminders.claimed or broadcasts.claimed or broadcasts.started):
            return


async def prepare_backlog(a: App, clock: FakeClock) -> tuple[range, range]:
    recipients, reminded = range(10_001, 15_001), range(20_001, 22_001)
    await add_users(a, recipients)
    await add_users(a, reminded, role="emigrant")
    await schedule_reminders(a, reminded)
    authority = await a.broadcasts.authority(7)
    assert authority is not None
    await a.broadcasts.create(
        authority, Audience(role="migrant"), {"en": Content(kind="text", html="hello")}, None, None
    )
    clock.set(datetime(2026, 12, 14, 5, tzinfo=UTC))  # the reminders are due: 10:00 in Almaty
    return recipients, reminded


def delivered(bots) -> Counter[int]:
    return Counter(
        s.chat_id for bot in bots for s in bot.session.requests if s.name == "sendMessage"
    )


async def test_a_broadcast_and_a_reminder_backlog_are_shared_and_nobody_gets_two(pair):
    (a, b), clock = pair
    recipients, reminded = await prepare_backlog(a, clock)
    bots = [build_bot(app.settings, session=LocalSession()) for app in (a, b)]
    await asyncio.gather(work(a, bots[0]), work(b, bots[1]))

    got = delivered(bots)
    got.pop(7, None)  # the admin's progress and summary
    assert set(got) == set(recipients) | set(reminded)
    assert max(got.values()) == 1  # exactly one copy each
    for bot in bots:  # both instances took a share
        assert sum(1 for s in bot.session.requests if s.chat_id != 7) > 500
    async with a.engine.connect() as connection:
        assert await connection.scalar(text("select status from broadcasts")) == "done"
        left = await connection.scalar(
            text("select count(*) from reminders where status <> 'sent'")
        )
    assert left == 0


async def test_an_instance_killed_midway_loses_nothing(pair):
    (a, b), clock = pair
    recipients, reminded = await prepare_backlog(a, clock)
    bots = [build_bot(app.settings, session=LocalSession()) for app in (a, b)]
    victim = asyncio.create_task(work(a, bots[0]))
    while len(bots[0].session.requests) < 1500:  # A is well under way ...
        await asyncio.sleep(0.01)
    victim.cancel()  # ... and dies: no clean stop, its claims stay where they were
    await asyncio.gather(victim, return_exceptions=True)
    RUNNING.pop(a.reminders.instance_id)  # its process is gone (same machine: seen at once)
    await a.writer.drain()

    clock.advance(minutes=2)  # B's next recovery round
    await work(b, bots[1])

    got = delivered(bots)
    got.pop(7, None)
    assert set(got) == set(recipients) | set(reminded)  # nobody lost
    twice = [user for user, copies in got.items() if copies > 1]
    assert len(twice) <= 1000  # at most what A had claimed and sent without marking
    print(f"killed after {len(bots[0].session.requests)} calls: {len(twice)} got two copies")
    async with b.engine.connect() as connection:
        assert await connection.scalar(text("select status from broadcasts")) == "done"


async def test_an_unanswered_sos_goes_to_the_admins_once_with_two_instances(pair):
    (a, b), clock = pair
    telegram = build_bot(a.settings, session=LocalSession())
    admin = Conversation(a.dispatcher, telegram, user_id=7, language_code="en")
    await admin.send("/start")
    user = Conversation(b.dispatcher, telegram, user_id=601, language_code="en")
    await user.send("/start")
    await user.press("English")
    await user.press("✈️")
    await user.press(len(user.buttons()))  # no country: the admins serve the case
    await user.send("/menu")
    await user.press("SOS")
    await user.send("help")
    clock.advance(minutes=16)
    sent = await asyncio.gather(a.desk.tick(telegram), b.desk.tick(telegram))
    assert sorted(sent) == [0, 1]  # one instance escalated it, the other found nothing


async def test_a_directory_edit_on_one_instance_is_what_every_instance_shows_at_once(pair):
    from handlers.views.callbacks import DirAction, DirCb, MenuCb

    (a, b), _ = pair
    telegram = build_bot(a.settings, session=LocalSession())
    admin = Conversation(a.dispatcher, telegram, user_id=7, language_code="en")
    await a.users.save(502, locale="en", role="emigrant", country_abroad="KR")
    user = Conversation(b.dispatcher, telegram, user_id=502, language_code="en")
    sos = (await user.press_data(MenuCb(item="sos").pack()))[-1].text  # B reads the directory
    assert "+82 2-379-9714" not in sos

    def press(action: DirAction, field: str = "") -> str:
        return DirCb(action=action, entry="m.KR", field=field).pack()

    await admin.press_data(press(DirAction.entry))
    await admin.press_data(press(DirAction.field, "phones"))
    await admin.send("+82 2 379 9714")
    await admin.press_data(press(DirAction.save))  # saved on A ...
    sos = (await user.press_data(MenuCb(item="sos").pack()))[-1].text
    assert "+82 2-379-9714" in sos  # ... and B shows it at once
    assert (await b.directory.current()).mission("KR")[0].phones == ["+82 2-379-9714"]
